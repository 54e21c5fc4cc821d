import type { Redis } from "ioredis";

/**
 * Telegram's broadcast limits, shared by every worker through Redis:
 * - a global pace (BROADCAST_RATE_PER_SECOND, ~30/s on Telegram; with allow_paid_broadcast up to
 *   1,000/s on its own pace): each send reserves the next free slot, one interval after the last
 *   one reserved, so workers in several processes interleave instead of bursting;
 * - one message per chat per second;
 * - a hold: after a 429 every sender waits until `retry_after` has passed, not only the one that
 *   got it (Telegram extends the ban for a bot that keeps firing).
 * The clock is Redis' (TIME), so processes on skewed clocks agree. Redis losing these keys only
 * loses pacing history: the next slot is "now".
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
local chat = tonumber(redis.call('GET', KEYS[3]) or '0')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local s = math.max(now, tat, hold)
if chat > s then
  return {-1, math.ceil(chat - now)}
end
local nxt = s + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.max(1000, math.ceil(nxt - now) + 1000))
redis.call('SET', KEYS[3], tostring(s + gap), 'PX', math.ceil(s + gap - now) + 1000)
return {math.ceil(s - now), 0}
`;

const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > cur then
  redis.call('SET', KEYS[1], tostring(untilMs), 'PX', tonumber(ARGV[1]) + 1000)
  cur = untilMs
end
return math.max(0, cur - now)
`;

const HELD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
return math.max(0, math.ceil(cur - now))
`;

export type Slot = { waitMs: number } | { chatBusyMs: number };

export class BroadcastLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly rates: { ratePerSecond: number; paidRatePerSecond: number; perChatGapMs?: number },
  ) {}

  private key(name: string): string {
    return `${this.prefix}:broadcast-limit:${name}`;
  }

  /** Reserves the next slot for a message to `chatId`: wait `waitMs`, then send; or the chat is busy for `chatBusyMs` (nothing reserved). */
  async acquire(chatId: number | bigint, paid = false): Promise<Slot> {
    const interval = 1000 / (paid ? this.rates.paidRatePerSecond : this.rates.ratePerSecond);
    const [wait, busy] = (await this.redis.eval(ACQUIRE, 3, this.key(paid ? "pace-paid" : "pace"), this.key("hold"), this.key(`chat:${chatId}`), String(interval), String(this.rates.perChatGapMs ?? 1000))) as [number, number];
    return wait < 0 ? { chatBusyMs: busy } : { waitMs: wait };
  }

  /** Everyone holds for `ms` (a 429's retry_after); returns how long the hold now lasts. */
  async hold(ms: number): Promise<number> {
    return Number(await this.redis.eval(HOLD, 1, this.key("hold"), String(Math.max(0, Math.ceil(ms)))));
  }

  /** How long the current hold still lasts (0: none). */
  async heldMs(): Promise<number> {
    return Number(await this.redis.eval(HELD, 1, this.key("hold")));
  }
}
