import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { HOLD_SCRIPT, REDIS_NOW as NOW } from "../platform/shared-rate.js";

/**
 * Telegram's broadcast limits, shared by every worker through Redis. One number sets them:
 * BROADCAST_RATE_PER_SECOND (Telegram's ~30 messages/s; with allow_paid_broadcast up to 1,000/s,
 * kept apart). Three mechanisms:
 *
 * 1. A pace: each send reserves the next slot, `WINDOW_MS / rate` after the one before (30/s →
 *    one every 34 ms), so workers in several processes interleave instead of bursting. A slot
 *    missed by a late sender may be used up to one interval late (no throughput lost to jitter).
 * 2. A departure window, checked right before each request leaves: never more than `rate`
 *    requests in any WINDOW_MS (1,025 ms). The pace alone cannot promise that: a sender delayed
 *    between its slot and its request (a slow database write, a busy event loop) bunches up with
 *    the next ones, and Telegram counts arrivals. The 25 ms beyond the second absorb the network's
 *    jitter between leaving here and arriving there.
 * 3. A hold: after a 429 every sender waits until `retry_after` has passed, not only the one that
 *    got it (Telegram extends the ban for a bot that keeps firing).
 * Plus one message per chat per WINDOW_MS. The clock is Redis' (TIME), so processes on skewed
 * clocks agree. Redis losing these keys only loses pacing history: the next slot is "now".
 */
export const WINDOW_MS = 1_025;

/** KEYS: pace, hold, chat. ARGV: interval, chat gap. → {wait ms, 0} or {-1, chat busy ms}. */
const ACQUIRE = `${NOW}
local interval = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
local chat = tonumber(redis.call('GET', KEYS[3]) or '0')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local s = math.max(now - interval, tat, hold)
if chat > math.max(s, now) then
  return {-1, math.ceil(chat - now)}
end
local nxt = s + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.max(1000, math.ceil(nxt - now) + 1000))
redis.call('SET', KEYS[3], tostring(math.max(s, now) + gap), 'PX', math.ceil(math.max(s, now) + gap - now) + 1000)
return {math.max(0, math.ceil(s - now)), 0}
`;

/**
 * KEYS: departures (zset), hold. ARGV: limit, window ms, member, min gap ms.
 * → {0, 0} go (recorded) | {1, ms} wait (window full, or the last departure was under half a pace
 * interval ago: departures never bunch, so a burst once cannot repeat itself window after window)
 * | {2, ms} held.
 */
const DEPART = `${NOW}
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
if hold > now then
  return {2, math.ceil(hold - now)}
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local gap = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if last[2] ~= nil and now - tonumber(last[2]) < gap then
  return {1, math.max(1, math.ceil(tonumber(last[2]) + gap - now))}
end
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return {0, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {1, math.max(1, math.ceil(tonumber(oldest[2]) + window - now) + 1)}
`;

export type Slot = { waitMs: number } | { chatBusyMs: number };
export type Departure = { go: true; member: string } | { go: false; waitMs: number; held: boolean };

/** KEYS: departures. ARGV: member. Moves a counted departure to now (XX: only if still there). */
const RESTAMP = `${NOW}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
`;

export class BroadcastLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly rates: { ratePerSecond: number; paidRatePerSecond: number },
  ) {}

  private key(name: string): string {
    return `${this.prefix}:broadcast-limit:${name}`;
  }

  private rate(paid: boolean): number {
    return paid ? this.rates.paidRatePerSecond : this.rates.ratePerSecond;
  }

  /** Reserves the next slot for a message to `chatId`: wait `waitMs`, then send; or the chat is busy for `chatBusyMs` (nothing reserved). */
  async acquire(chatId: number | bigint, paid = false): Promise<Slot> {
    const interval = WINDOW_MS / this.rate(paid);
    const [wait, busy] = (await this.redis.eval(ACQUIRE, 3, this.key(paid ? "pace-paid" : "pace"), this.key("hold"), this.key(`chat:${chatId}`), String(interval), String(WINDOW_MS))) as [number, number];
    return wait < 0 ? { chatBusyMs: busy } : { waitMs: wait };
  }

  /** Right before a request leaves: go (and it is counted), or wait (the window is full, the last one left a moment ago, or everyone holds after a 429). */
  async depart(paid = false): Promise<Departure> {
    const rate = this.rate(paid);
    const limit = Math.max(1, Math.floor(rate));
    const member = `${Date.now()}-${randomBytes(6).toString("hex")}`;
    const minGap = Math.floor(WINDOW_MS / rate / 2);
    const [kind, ms] = (await this.redis.eval(DEPART, 2, this.key(paid ? "departures-paid" : "departures"), this.key("hold"), String(limit), String(WINDOW_MS), member, String(minGap))) as [number, number];
    return kind === 0 ? { go: true, member } : { go: false, waitMs: ms, held: kind === 2 };
  }

  /**
   * The request leaves later than its departure was counted (its row was claimed in between, and a
   * slow write takes tens of milliseconds under load): the departure is moved to now, so the window
   * counts when requests really leave.
   */
  async restamp(member: string, paid = false): Promise<void> {
    await this.redis.eval(RESTAMP, 1, this.key(paid ? "departures-paid" : "departures"), member);
  }

  /** Waits for a departure and takes it (counted): its id, or null if a hold began meanwhile (take a new slot after it). */
  async departWhenClear(sleep: (ms: number) => Promise<void>, paid = false): Promise<string | null> {
    for (;;) {
      const d = await this.depart(paid);
      if (d.go) return d.member;
      await sleep(d.waitMs);
      if (d.held) return null;
    }
  }

  /**
   * Waits for a turn to send one request to `chatId` (slot, then departure). `skipIfBusy`: give up
   * (false) instead of waiting when the chat had a message less than a window ago.
   */
  async turn(chatId: number | bigint, sleep: (ms: number) => Promise<void>, opts: { paid?: boolean; skipIfBusy?: boolean } = {}): Promise<boolean> {
    for (;;) {
      const slot = await this.acquire(chatId, opts.paid);
      if ("chatBusyMs" in slot) {
        if (opts.skipIfBusy) return false;
        await sleep(slot.chatBusyMs);
        continue;
      }
      if (slot.waitMs > 0) await sleep(slot.waitMs);
      if ((await this.departWhenClear(sleep, opts.paid)) !== null) return true;
      // a hold began: a new slot after it
    }
  }

  /** Everyone holds for `ms` (a 429's retry_after); returns how long the hold now lasts. */
  async hold(ms: number): Promise<number> {
    return Number(await this.redis.eval(HOLD_SCRIPT, 1, this.key("hold"), String(Math.max(0, Math.ceil(ms)))));
  }
}
