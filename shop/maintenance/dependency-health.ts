import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { ExternalServiceError } from "../http/resilient-fetch.js";
import type { Logger } from "../platform/logger.js";
import { REDIS_NOW } from "../platform/shared-rate.js";
import { maintenanceState, setScope, type MaintenanceScope } from "./state.js";

/** A provider's or gateway's scope: `PROVIDER:VULTR`, `GATEWAY:TRIPAY`. */
export type DependencyScope = `PROVIDER:${string}` | `GATEWAY:${string}`;

export interface BreakerPolicy {
  /** This many failures in a row pause the dependency… */
  consecutiveFailures: number;
  /** …or fewer (at least two) when they have lasted this long without a success in between. */
  failingForMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { consecutiveFailures: 5, failingForMs: 2 * 60_000 };

/**
 * Whether an error says the API is unusable (down, unreachable, refusing our credentials)
 * rather than that one request was wrong: a 404, a validation error or a sold-out size is an
 * API that works. Rate limits are the API working too.
 */
export function isOutage(err: unknown): boolean {
  if (err instanceof ExternalServiceError) {
    if (err.status === 401 || err.status === 403) return true;
    return err.code === "timeout" || err.code === "network" || err.code === "http_5xx" || (err.code === "bad_response" && (err.status ?? 200) >= 500);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return ["timeout", "unavailable", "unauthorized"].includes(code);
  return true;
}

/**
 * The breaker in front of selling: every provider and gateway API call reports its outcome
 * here (one line in each client's HTTP call). A dependency that keeps failing is paused for
 * customers (its scope switched on in `service_flags`, reason AUTO, audited): the catalog marks
 * its plans unavailable and checkout refuses it while the others keep selling. The first
 * success afterwards (a real call, or the probe that asks the paused ones) resumes it.
 *
 * One per process (`dependencyHealth`); the pause is in Postgres so every process honours it.
 * The streaks are shared through Redis once `share` gives it a connection (runtime): with several
 * processes each sees only part of the calls, and a process that calls a cloud rarely (the web
 * role's catalog) would otherwise trip on two blips an hour apart while the workers' thousand
 * successes in between went unseen. Without Redis (or while it does not answer) each process
 * counts its own calls. Until `attach` gives it a database it only counts.
 */
export class DependencyHealth {
  private readonly streaks = new Map<string, { failures: number; since: number; lastError: string }>();
  private deps?: { prisma: PrismaClient; logger?: Logger };
  private readonly pending = new Set<Promise<unknown>>();
  private shared?: { redis: Redis; prefix: string };

  constructor(
    private policy: BreakerPolicy = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Gives the breaker its database (runtime, once per process); `policy` overrides the thresholds (tests). */
  attach(deps: { prisma: PrismaClient; logger?: Logger }, policy?: BreakerPolicy): void {
    this.deps = deps;
    if (policy) this.policy = policy;
  }

  /** Stops recording into this database (a service stopping; another may have attached since). */
  detach(prisma?: PrismaClient): void {
    if (prisma && this.deps?.prisma !== prisma) return;
    this.deps = undefined;
    this.shared = undefined;
    this.streaks.clear();
  }

  /** Counts the streaks in Redis under `prefix`, together with every other process (runtime, after `attach`). */
  share(redis: Redis, prefix: string): void {
    this.shared = { redis, prefix };
  }

  private streakKey(scope: DependencyScope): string {
    return `${this.shared!.prefix}:dependency-streak:${scope}`;
  }

  /** Runs an API call and records how it went; the call's result or error passes through unchanged. */
  async observe<T>(scope: DependencyScope, call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      this.succeeded(scope);
      return result;
    } catch (err) {
      if (isOutage(err)) this.failed(scope, err);
      else this.succeeded(scope);
      throw err;
    }
  }

  succeeded(scope: DependencyScope): void {
    this.streaks.delete(scope);
    // Redis down: the streak lapses on its own (its TTL); not worth a warning per successful call.
    if (this.shared) this.track(this.shared.redis.del(this.streakKey(scope)).catch(() => 0));
    const deps = this.deps;
    if (!deps) return;
    this.track(
      (async () => {
        const state = await maintenanceState(deps.prisma);
        const [kind, code] = scope.split(":", 2) as [string, string];
        const paused = (kind === "PROVIDER" ? state.providers : state.gateways).get(code);
        if (paused?.reason !== "AUTO") return;
        if (await setScope(deps.prisma, { scope, on: false, reason: "AUTO", actor: {} })) deps.logger?.info({ scope }, "dependency answers again: selling resumed");
      })(),
    );
  }

  failed(scope: DependencyScope, err: unknown): void {
    const at = this.now();
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    const streak = this.streaks.get(scope) ?? { failures: 0, since: at, lastError: message };
    streak.failures += 1;
    streak.lastError = message;
    this.streaks.set(scope, streak);
    if (!this.shared) return this.judge(scope, streak, at, message);
    this.track(
      this.sharedFailure(scope, message).then(
        (fleet) => {
          this.streaks.set(scope, { failures: fleet.failures, since: fleet.since - fleet.now + at, lastError: message });
          this.judge(scope, fleet, fleet.now, message);
        },
        () => this.judge(scope, streak, at, message),
      ),
    );
  }

  /** Adds a failure to the fleet's streak; Redis' clock for `since` and `now`, so hosts agree. */
  private async sharedFailure(scope: DependencyScope, message: string): Promise<{ failures: number; since: number; now: number }> {
    // A streak nobody added to for this long is not "in a row" any more.
    const ttlMs = Math.max(600_000, 5 * this.policy.failingForMs);
    const [failures, since, now] = (await this.shared!.redis.eval(STREAK_FAILURE, 1, this.streakKey(scope), message, String(ttlMs))) as [number, number, number];
    return { failures, since, now };
  }

  private judge(scope: DependencyScope, streak: { failures: number; since: number }, at: number, message: string): void {
    const { consecutiveFailures, failingForMs } = this.policy;
    const trip = streak.failures >= consecutiveFailures || (streak.failures >= 2 && at - streak.since >= failingForMs);
    const deps = this.deps;
    if (!trip || !deps) return;
    const detail = `${streak.failures} failed calls in a row since ${new Date(streak.since).toISOString()}: ${message}`;
    this.track(
      setScope(deps.prisma, { scope: scope as MaintenanceScope, on: true, reason: "AUTO", actor: {}, detail }).then((changed) => {
        if (changed) deps.logger?.warn({ scope, detail }, "dependency keeps failing: selling it is paused");
      }),
    );
  }

  /** Failures in a row this process has seen (0 = healthy or unknown). */
  failures(scope: DependencyScope): number {
    return this.streaks.get(scope)?.failures ?? 0;
  }

  /** Resolves once every pause/resume write started so far has landed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) => this.deps?.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, "could not record a dependency pause or resume"));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/** KEYS: the streak's hash. ARGV: last error, ttl ms. → {failures, since, now}. */
const STREAK_FAILURE = `${REDIS_NOW}
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures == 1 then
  redis.call('HSET', KEYS[1], 'since', now)
end
redis.call('HSET', KEYS[1], 'last_error', ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return {failures, tonumber(redis.call('HGET', KEYS[1], 'since')), now}
`;

/** The process's breaker; clients record into it, runtime attaches the database (and Redis, to share the streaks). */
export const dependencyHealth = new DependencyHealth();

/**
 * Asks every automatically paused dependency whether it answers again, every `intervalMs`:
 * nothing else calls a paused gateway or cloud, so without this one would stay paused.
 * `probes` are harmless signed reads made through the clients (which report to the breaker).
 */
export function startDependencyProbes(deps: {
  prisma: PrismaClient;
  logger?: Logger;
  probes: Partial<Record<DependencyScope, () => Promise<unknown>>>;
  intervalMs?: number;
  health?: DependencyHealth;
}): { stop(): void; runOnce(): Promise<void> } {
  const health = deps.health ?? dependencyHealth;
  const runOnce = async () => {
    const state = await maintenanceState(deps.prisma);
    const paused = state.active.filter((s) => s.reason === "AUTO" && s.scope !== "GLOBAL");
    await Promise.all(
      paused.map(async (s) => {
        const probe = deps.probes[s.scope as DependencyScope];
        // The probe goes through the instrumented client, which records the outcome (a success resumes).
        if (probe) await probe().catch(() => undefined);
      }),
    );
    await health.settled();
  };
  const timer = setInterval(() => void runOnce().catch((err: unknown) => deps.logger?.warn({ err }, "dependency probe failed")), deps.intervalMs ?? 30_000);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
