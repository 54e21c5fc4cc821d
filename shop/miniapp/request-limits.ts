/** Per-request limits of the Mini App, counted with shop/orders/order-rate-limit.ts takeRequest. */

/** Launches (POST /app/api/session) one address may send a minute: generous, as many customers share a carrier's address. */
export const SESSIONS_PER_ADDRESS_PER_MINUTE = 60;
/** Sessions one Telegram user may open a minute: a person opens the app a few times, not dozens. */
export const SESSIONS_PER_USER_PER_MINUTE = 10;
