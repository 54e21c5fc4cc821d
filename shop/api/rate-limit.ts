import type { Redis } from "ioredis";
import { secondsToWindowEnd, takeRequest, type Taken } from "../orders/order-rate-limit.js";

const WINDOW_MS = 60_000;

/**
 * Counts one request of an API key against its per-minute budget (`api_keys.rate_per_minute`),
 * in Redis so every web process shares it. Over the budget: how many seconds until the window
 * turns (the 429's Retry-After).
 */
export function takeApiRequest(redis: Redis, prefix: string, key: { id: number; ratePerMinute: number }, now = Date.now()): Promise<Taken> {
  return takeRequest(redis, prefix, { kind: "api-rate", subject: key.id, limit: key.ratePerMinute, windowMs: WINDOW_MS }, now);
}

/** Keys one address may have refused in a minute before its requests are refused without a look (429). */
export const FAILED_KEYS_PER_MINUTE = 30;

const failedKeysKey = (prefix: string, address: string, now: number) => `${prefix}:api-failed-keys:${address}:${Math.floor(now / WINDOW_MS)}`;

/**
 * Whether `address` may present a key now: past FAILED_KEYS_PER_MINUTE refused keys in this
 * minute it may not (guessing keys costs a database lookup each), until the window turns.
 */
export async function mayPresentKey(redis: Redis, prefix: string, address: string, now = Date.now()): Promise<Taken> {
  const count = Number((await redis.get(failedKeysKey(prefix, address, now))) ?? 0);
  return count < FAILED_KEYS_PER_MINUTE ? { ok: true } : { ok: false, retryAfterS: secondsToWindowEnd(now, WINDOW_MS) };
}

/** Counts one refused key from `address` in the current minute. */
export async function countFailedKey(redis: Redis, prefix: string, address: string, now = Date.now()): Promise<void> {
  const key = failedKeysKey(prefix, address, now);
  await redis.multi().incr(key).expire(key, Math.ceil((2 * WINDOW_MS) / 1000)).exec();
}
