import type { PrismaClient } from "../../db/client.js";
import { ExternalServiceError } from "../http/resilient-fetch.js";
import type { Logger } from "../platform/logger.js";
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
 * One per process (`dependencyHealth`): counts are in memory, the pause is in Postgres so every
 * process honours it. Until `attach` gives it a database it only counts.
 */
export class DependencyHealth {
  private readonly streaks = new Map<string, { failures: number; since: number; lastError: string }>();
  private deps?: { prisma: PrismaClient; logger?: Logger };
  private readonly pending = new Set<Promise<unknown>>();

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
    this.streaks.clear();
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

/** The process's breaker; clients record into it, runtime attaches the database. */
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
