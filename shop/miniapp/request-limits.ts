import type { Redis } from "ioredis";
import { allowWithinWindow } from "../orders/order-rate-limit.js";

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
