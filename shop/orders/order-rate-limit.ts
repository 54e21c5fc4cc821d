import type { Redis } from "ioredis";

/**
 * At most `limit` order creations per user per minute, counted in Redis so the
 * limit holds across processes. Returns whether this attempt may proceed.
 */
export async function allowOrderCreation(redis: Redis, prefix: string, userId: number, limit = 10, now = Date.now()): Promise<boolean> {
  const minute = Math.floor(now / 60_000);
  const key = `${prefix}:order-rate:${userId}:${minute}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 120).exec()) as [[null, number], [null, number]];
  return count <= limit;
}
