import type { Redis } from "ioredis";
import { allowWithinWindow } from "../orders/order-rate-limit.js";

const WINDOW_MS = 60_000;

/**
 * Counts one request of an API key against its per-minute budget (`api_keys.rate_per_minute`),
 * in Redis so every web process shares it. Over the budget: how many seconds until the window
 * turns (the 429's Retry-After).
 */
export async function takeApiRequest(redis: Redis, prefix: string, key: { id: number; ratePerMinute: number }, now = Date.now()): Promise<{ ok: true } | { ok: false; retryAfterS: number }> {
  const allowed = await allowWithinWindow(redis, prefix, { kind: "api-rate", userId: key.id, limit: key.ratePerMinute, windowMs: WINDOW_MS, now });
  if (allowed) return { ok: true };
  const windowEnds = (Math.floor(now / WINDOW_MS) + 1) * WINDOW_MS;
  return { ok: false, retryAfterS: Math.max(1, Math.ceil((windowEnds - now) / 1000)) };
}
