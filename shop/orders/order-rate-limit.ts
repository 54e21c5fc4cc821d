import type { Redis } from "ioredis";

/**
 * Counts one attempt of `kind` by `userId` (or another subject, e.g. an address), or `units` of
 * them (e.g. one per VPS of a checkout), in the current fixed window of `windowMs`, in Redis so the limit holds across processes. Returns
 * whether this attempt is within `limit`. (A fixed
 * window lets up to twice the limit through around a window's edge; enough against floods.)
 */
export async function allowWithinWindow(
  redis: Redis,
  prefix: string,
  input: { kind: string; userId: number | string; limit: number; windowMs: number; now?: number; units?: number },
): Promise<boolean> {
  const window = Math.floor((input.now ?? Date.now()) / input.windowMs);
  const key = `${prefix}:${input.kind}:${input.userId}:${window}`;
  const ttlSeconds = Math.ceil((2 * input.windowMs) / 1000);
  const [[, count]] = (await redis.multi().incrby(key, input.units ?? 1).expire(key, ttlSeconds).exec()) as [[null, number], [null, number]];
  return count <= input.limit;
}

export type Taken = { ok: true } | { ok: false; retryAfterS: number };

/** Whole seconds (at least 1) until the fixed window of `windowMs` holding `now` turns: a 429's Retry-After. */
export const secondsToWindowEnd = (now: number, windowMs: number): number => Math.max(1, Math.ceil(((Math.floor(now / windowMs) + 1) * windowMs - now) / 1000));

/**
 * Counts one request of `subject` against `limit` per fixed window of `windowMs` (allowWithinWindow);
 * over the limit, the seconds until the window turns (the 429's Retry-After).
 */
export async function takeRequest(
  redis: Redis,
  prefix: string,
  input: { kind: string; subject: number | string; limit: number; windowMs: number },
  now = Date.now(),
): Promise<Taken> {
  if (await allowWithinWindow(redis, prefix, { kind: input.kind, userId: input.subject, limit: input.limit, windowMs: input.windowMs, now })) return { ok: true };
  return { ok: false, retryAfterS: secondsToWindowEnd(now, input.windowMs) };
}

/**
 * At most `limit` orders created per user per minute; a checkout of `units` identical VPS creates
 * that many orders and spends that many. Returns whether this attempt may proceed.
 */
export async function allowOrderCreation(redis: Redis, prefix: string, userId: number, limit = 10, now = Date.now(), units = 1): Promise<boolean> {
  return allowWithinWindow(redis, prefix, { kind: "order-rate", userId, limit, windowMs: 60_000, now, units });
}
