import type { Redis } from "ioredis";
import { allowWithinWindow } from "../orders/order-rate-limit.js";

/** Launches (POST /app/api/session) one address may send a minute: generous, as many customers share a carrier's address. */
export const SESSIONS_PER_ADDRESS_PER_MINUTE = 60;
/** Sessions one Telegram user may open a minute: a person opens the app a few times, not dozens. */
export const SESSIONS_PER_USER_PER_MINUTE = 10;

export type Taken = { ok: true } | { ok: false; retryAfterS: number };

/**
 * Counts one request of `subject` against `limit` per fixed window of `windowMs`, in Redis so
 * every web process shares the count; over the limit, the seconds until the window turns (the
 * 429's Retry-After).
 */
export async function takeRequest(
  redis: Redis,
  prefix: string,
  input: { kind: string; subject: number | string; limit: number; windowMs: number },
  now = Date.now(),
): Promise<Taken> {
  if (await allowWithinWindow(redis, prefix, { kind: input.kind, userId: input.subject, limit: input.limit, windowMs: input.windowMs, now })) return { ok: true };
  const windowEnds = (Math.floor(now / input.windowMs) + 1) * input.windowMs;
  return { ok: false, retryAfterS: Math.max(1, Math.ceil((windowEnds - now) / 1000)) };
}
