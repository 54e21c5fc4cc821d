import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Rate limits shared by every process through Redis, on Redis' clock (TIME), so processes on
 * hosts with skewed clocks agree. The pieces both the Telegram broadcast limiter
 * (shop/broadcasts/limiter.ts) and the cloud API gate (shop/cloud/rate-gate.ts) stand on.
 * Redis losing these keys only loses pacing history: the next request is allowed at once.
 */

/** Lua preamble: `now`, the Redis server's clock in ms. */
export const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: hold. ARGV: ms. Everyone waits until now + ms (a longer hold already set stays);
 * returns how long the hold now lasts.
 */
export const HOLD_SCRIPT = `${REDIS_NOW}
local untilMs = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > cur then
  redis.call('SET', KEYS[1], tostring(untilMs), 'PX', tonumber(ARGV[1]) + 1000)
  cur = untilMs
end
return math.max(0, cur - now)
`;

/**
 * KEYS: hold, then one sorted set per window. ARGV: member, then limit and window ms per window.
 * → {0, 0} go (counted in every window) | {1, ms} a window is full | {2, ms} held.
 */
const TAKE = `${REDIS_NOW}
local hold = tonumber(redis.call('GET', KEYS[1]) or '0')
if hold > now then
  return {2, math.ceil(hold - now)}
end
local wait = 0
for i = 2, #KEYS do
  local limit = tonumber(ARGV[(i - 1) * 2])
  local window = tonumber(ARGV[(i - 1) * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    wait = math.max(wait, math.ceil(tonumber(oldest[2]) + window - now) + 1)
  end
end
if wait > 0 then
  return {1, wait}
end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[(i - 1) * 2 + 1]) + 1000)
end
return {0, 0}
`;

/** At most `limit` requests in any `windowMs` (a sliding window, counted when a request leaves). */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

export type Take = { go: true } | { go: false; waitMs: number; held: boolean };

/**
 * Sliding windows plus a hold, under one key name: `take` counts a request in every window or says
 * how long to wait; `hold` (after a 429) makes every process wait.
 */
export class SharedRate {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(name: string, part: string): string {
    return `${this.keyPrefix}:${name}:${part}`;
  }

  async take(name: string, windows: readonly RateWindow[]): Promise<Take> {
    const member = `${Date.now()}-${randomBytes(6).toString("hex")}`;
    const keys = [this.key(name, "hold"), ...windows.map((w) => this.key(name, `w${w.windowMs}`))];
    const args = [member, ...windows.flatMap((w) => [String(Math.max(1, Math.floor(w.limit))), String(w.windowMs)])];
    const [kind, ms] = (await this.redis.eval(TAKE, keys.length, ...keys, ...args)) as [number, number];
    return kind === 0 ? { go: true } : { go: false, waitMs: ms, held: kind === 2 };
  }

  async hold(name: string, ms: number): Promise<number> {
    return Number(await this.redis.eval(HOLD_SCRIPT, 1, this.key(name, "hold"), String(Math.max(0, Math.ceil(ms)))));
  }
}
