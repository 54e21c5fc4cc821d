import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ExternalServiceError, retryAfterMs } from "../http/resilient-fetch.js";
import { SharedRate, type RateWindow } from "../platform/shared-rate.js";
import type { ProviderCode } from "./provider.js";

/**
 * Each cloud's documented API budget per account (token), the tightest rule that applies to our
 * calls. DigitalOcean: 250 requests a minute and 5,000 an hour. Vultr: 30 a second (per IP; we
 * keep it per account, which is stricter). Linode: 200 a minute (its limit for GETs returning a
 * collection, the calls we make most: findByTag, lists; its general limits are higher).
 * CLOUD_RATE_LIMITS overrides them (a raised limit, or two shops sharing one account).
 */
export const VENDOR_RATE_LIMITS: Record<ProviderCode, RateWindow[]> = {
  DIGITALOCEAN: [
    { limit: 250, windowMs: 60_000 },
    { limit: 5_000, windowMs: 3_600_000 },
  ],
  VULTR: [{ limit: 30, windowMs: 1_000 }],
  LINODE: [{ limit: 200, windowMs: 60_000 }],
};

/**
 * Added to every window: 25 ms plus 2 % of it. A request is counted as it leaves here and the
 * vendor counts it as it arrives; the lag between the two varies (a busy event loop, a new TLS
 * connection), and a window measured exactly would let the vendor see one request too many.
 */
const slack = (windowMs: number) => 25 + Math.ceil(windowMs * 0.02);
/** A 429 without Retry-After or a reset header still holds everyone this long. */
const DEFAULT_429_HOLD_MS = 1_000;
/** A vendor's hint is believed up to this (a runaway reset header must not stop a cloud for a day). */
const MAX_HOLD_MS = 3_600_000;
/** A gate call that Redis does not answer in this time lets the request go (fail open). */
const REDIS_BUDGET_MS = 1_000;
/** After Redis failed to answer, requests go ungated this long before asking it again. */
const REDIS_BACKOFF_MS = 10_000;

/**
 * The cloud APIs' rate limits shared by every process on every host, through Redis: a request
 * leaves only when each of its account's windows has room (counted when it leaves), and a 429
 * seen by any process holds every process for its Retry-After. Fails open: when Redis does not
 * answer, requests go ungated (the vendor's 429 and our retries still apply) rather than stop
 * provisioning.
 */
export class CloudRateGate {
  private readonly rate: SharedRate;
  private redisDownUntil = 0;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly limits: Partial<Record<ProviderCode, RateWindow[]>> = VENDOR_RATE_LIMITS,
    private readonly onRedisError: (err: unknown) => void = () => undefined,
  ) {
    this.rate = new SharedRate(redis, `${prefix}:cloud-rate`);
  }

  /** The account's key name: provider and a hash of the token (never the token itself). */
  static account(provider: ProviderCode, token: string): string {
    return `${provider}:${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
  }

  private windows(provider: ProviderCode): RateWindow[] {
    return (this.limits[provider] ?? VENDOR_RATE_LIMITS[provider]).map((w) => ({ limit: w.limit, windowMs: w.windowMs + slack(w.windowMs) }));
  }

  /**
   * Waits for the account's turn and counts the request. A wait longer than `maxWaitMs` (a long
   * hold after a 429) is not sat through: it throws `rate_limited` with the wait, so a queue
   * retries the job later instead of holding a worker.
   */
  async turn(provider: ProviderCode, account: string, opts: { sleep: (ms: number) => Promise<void>; maxWaitMs: number }): Promise<void> {
    for (;;) {
      const take = await this.guard(() => this.rate.take(account, this.windows(provider)));
      if (!take || take.go) return;
      if (take.waitMs > opts.maxWaitMs) {
        throw new ExternalServiceError({
          service: provider.toLowerCase(),
          code: "rate_limited",
          message: `${provider.toLowerCase()}: ${take.held ? "held after a rate limit answer" : "API budget used up"}; next request in ${Math.ceil(take.waitMs / 1000)} s`,
          retryable: true,
          retryAfterMs: take.waitMs,
        });
      }
      await opts.sleep(take.waitMs);
    }
  }

  /** Every process holds this account's requests for `ms`. */
  async hold(account: string, ms: number): Promise<void> {
    await this.guard(() => this.rate.hold(account, Math.min(MAX_HOLD_MS, ms)));
  }

  /**
   * A fetch that reports the vendor's 429 to the gate before handing the answer on, so the
   * process that got it and every other one hold for the wait it asks.
   */
  reportingFetch(account: string, base: typeof fetch): typeof fetch {
    return async (input, init) => {
      const res = await base(input, init);
      if (res.status === 429) await this.hold(account, retryAfterMs(res.headers, Date.now(), true) ?? DEFAULT_429_HOLD_MS);
      return res;
    };
  }

  private async guard<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (Date.now() < this.redisDownUntil) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const pending = call();
    pending.catch(() => undefined); // a late failure after the timeout won the race
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis did not answer within ${REDIS_BUDGET_MS} ms`)), REDIS_BUDGET_MS);
        }),
      ]);
    } catch (err) {
      this.redisDownUntil = Date.now() + REDIS_BACKOFF_MS;
      this.onRedisError(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
