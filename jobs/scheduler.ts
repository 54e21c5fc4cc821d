import { ConfigError } from "../shop/platform/config.js";
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../shop/platform/logger.js";
import { QueueName, jobId, type PayloadInput, type Queues } from "./queues.js";
import type { TickClaims } from "./scheduler-ticks.js";

/** The job one tick of a task puts in a queue (its id derives from the tick). */
export interface ScheduledJob {
  queue: QueueName;
  payload: unknown;
  jobId: string;
}

/** A recurring task: its cron expression (Asia/Jakarta time) and what it enqueues. */
export interface ScheduleEntry {
  name: string;
  cron: string;
  /** Enqueue the work with a jobId derived from `tick` (tests call it directly). */
  run: (tick: string) => Promise<unknown>;
  /**
   * The same work described instead of done: the scheduler then claims the tick and records the
   * job in one transaction, so no crash between the two can lose a tick. Entries with only `run`
   * are claimed first and run after (a crash in that moment loses that one tick).
   */
  job?: (tick: string) => ScheduledJob;
}

/** An entry whose tick enqueues one job on `queue`, with job id `<name>-<tick>`. */
export function tickEntry<Q extends QueueName>(queues: Queues, name: string, cronExpr: string, queue: Q, payload: (tick: string) => PayloadInput<Q>): ScheduleEntry {
  const job = (tick: string) => ({ queue, payload: payload(tick), jobId: jobId(name, tick) });
  return { name, cron: cronExpr, job, run: (tick) => queues.enqueue(queue, payload(tick), { jobId: job(tick).jobId }) };
}

/**
 * The tick a firing belongs to: its minute, e.g. "2026-11-21T09:05" (used in job ids), or its
 * second for a six-field cron expression (SCHEDULER_CRON_OVERRIDES in tests), e.g. "2026-11-21T09:05:10".
 */
export function tickId(date = new Date(), seconds = false): string {
  return date.toISOString().slice(0, seconds ? 19 : 16);
}

/** Whether a cron expression has a seconds field (six fields). */
export function hasSecondsField(expr: string): boolean {
  return expr.trim().split(/\s+/).length === 6;
}

export interface SchedulerOptions {
  /**
   * Claims in Postgres (scheduler_ticks): each tick is enqueued by the one scheduler that claims
   * it, however many run and whatever Redis forgot. Without it (tests of a single scheduler) every
   * firing enqueues and only BullMQ's job ids de-duplicate.
   */
  claims?: TickClaims;
  /** Task name → cron expression replacing the table's (SCHEDULER_CRON_OVERRIDES). Unknown names are refused. */
  overrides?: Record<string, string>;
  /** Tries per tick when claiming or enqueueing fails (default 3), waiting `retryDelayMs` × the try between them (default 2 s). */
  attempts?: number;
  retryDelayMs?: number;
}

/**
 * Runs the cron table in one process. Several schedulers may run (one per host, for
 * availability): each tick's id comes from the slot it fires for, not the clock at the moment it
 * runs, so all of them name a tick alike, and the claim lets exactly one of them enqueue it.
 */
export function startScheduler(entries: ScheduleEntry[], logger: Logger, opts: SchedulerOptions = {}): { stop(): Promise<void> } {
  let stopped = false;
  const overrides = opts.overrides ?? {};
  const attempts = opts.attempts ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 2_000;
  const unknown = Object.keys(overrides).filter((name) => !entries.some((e) => e.name === name));
  if (unknown.length) throw new ConfigError([`SCHEDULER_CRON_OVERRIDES: unknown task(s) ${unknown.join(", ")} (known: ${entries.map((e) => e.name).join(", ")})`]);
  const table = entries.map((e) => ({ ...e, cron: overrides[e.name] ?? e.cron }));
  /** Firings in progress: stop() waits for them, so no claim is left half done when connections close. */
  const inFlight = new Set<Promise<void>>();
  const tasks: ScheduledTask[] = table.map((entry) => {
    const seconds = hasSecondsField(entry.cron);
    return cron.schedule(
      entry.cron,
      async (context) => {
        if (stopped) return;
        const tick = tickId(context.date, seconds);
        const firing = (async () => {
          // A claim is idempotent and all-or-nothing, so a tick that met a database or Redis blip
          // is tried again a few times: a lost daily tick (the backup) would wait a whole day.
          for (let attempt = 1; ; attempt++) {
            try {
              const enqueued = await fire(entry, tick, opts.claims);
              logger.debug({ task: entry.name, tick, enqueued }, enqueued ? "scheduled work enqueued" : "tick claimed by another scheduler");
              return;
            } catch (err) {
              const last = attempt >= attempts || stopped;
              logger[last ? "error" : "warn"]({ err, task: entry.name, tick, attempt }, last ? "scheduled task could not enqueue its work" : "scheduled task could not enqueue its work; trying again");
              if (last) return;
              await new Promise((r) => setTimeout(r, retryDelayMs * attempt));
            }
          }
        })();
        inFlight.add(firing);
        await firing.finally(() => inFlight.delete(firing));
      },
      // A firing late by up to 30 s (a busy event loop) still runs under its own tick; node-cron's
      // default of 1 s would drop it. Never later than the next slot (node-cron's own rule).
      { name: entry.name, timezone: "Asia/Jakarta", noOverlap: true, missedExecutionTolerance: 30_000 },
    );
  });
  logger.info({ tasks: table.map((e) => `${e.name} (${e.cron})`), claims: opts.claims?.holder ?? "off" }, "scheduler started");
  return {
    async stop() {
      stopped = true;
      await Promise.allSettled(tasks.map((t) => t.stop()));
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** One firing: claim the tick (when claims are on), then enqueue; false when another scheduler had it. */
async function fire(entry: ScheduleEntry, tick: string, claims: TickClaims | undefined): Promise<boolean> {
  if (!claims) {
    await entry.run(tick);
    return true;
  }
  if (entry.job) return claims.claimAndRecord(entry.name, tick, entry.job(tick));
  if (!(await claims.claim(entry.name, tick))) return false;
  try {
    await entry.run(tick);
  } catch (err) {
    // Nothing was recorded: give the tick back so the next try (here or in another scheduler) can take it.
    await claims.release(entry.name, tick).catch(() => undefined);
    throw err;
  }
  return true;
}
