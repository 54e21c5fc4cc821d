import { ConfigError } from "../shop/platform/config.js";
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "../shop/platform/logger.js";
import { REVIEW_REASONS } from "../shop/payments/settle.js";
import type { JobOutbox } from "./outbox.js";

/**
 * The queue catalogue: every queue's name and the schema of its payload, in one
 * place, so producers (bot, webhooks, scheduler) and consumers (workers) can never
 * disagree about a job's shape.
 */
export const QueueName = {
  Provisioning: "provisioning",
  InstanceActions: "instance-actions",
  PaymentFollowups: "payment-followups",
  Notifications: "notifications",
  Broadcast: "broadcast",
  ScreenshotPurge: "screenshot-purge",
  Lifecycle: "lifecycle",
  OwnerAlerts: "owner-alerts",
  Backups: "backups",
  StatsReports: "stats-reports",
  Outbound: "outbound",
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * The queues a worker takes, from WORKER_QUEUES: `all`, names, and `-name` to leave one out,
 * applied left to right (a list without `all` starts empty). Throws on an unknown name, so a typo
 * cannot leave a queue with no worker anywhere without anyone noticing.
 */
export function selectQueues(spec: readonly string[]): Set<QueueName> {
  const known = new Set<string>(Object.values(QueueName));
  const unknown = spec.map((s) => s.replace(/^-/, "")).filter((n) => n !== "all" && !known.has(n));
  if (unknown.length > 0) throw new ConfigError([`WORKER_QUEUES: unknown queue(s) ${unknown.join(", ")} (known: ${[...known].join(", ")})`]);
  const chosen = new Set<QueueName>();
  for (const s of spec) {
    if (s === "all") for (const q of Object.values(QueueName)) chosen.add(q);
    else if (s.startsWith("-")) chosen.delete(s.slice(1) as QueueName);
    else chosen.add(s as QueueName);
  }
  return chosen;
}

const id = z.number().int().positive();
const tick = z.string().min(1).describe("ISO minute of the scheduler tick that produced the job");

/** Inline button for a notification; `data` is callback data, `url` a link. */
const button = z.object({ text: z.string().min(1), data: z.string().max(64).optional(), url: z.url().optional() });

export const payloadSchemas = {
  [QueueName.Provisioning]: z.object({ orderId: id }),
  [QueueName.InstanceActions]: z.object({ actionId: id }),
  [QueueName.PaymentFollowups]: z.discriminatedUnion("kind", [
    /** A verified Midtrans notification to confirm with Midtrans' status API before acting. */
    z.object({ kind: z.literal("midtrans-callback"), callbackId: id }),
    /** What happens after a settlement: tell the customer, invoice, provision, credit a top-up; after a gateway refund, hold for the owner. */
    z.object({ kind: z.enum(["paid", "expired", "refunded"]), paymentId: id }),
    /** Money a seller must decide about, and why (settle_payment's reason; the payment's stored one when absent). */
    z.object({ kind: z.literal("review"), paymentId: id, why: z.enum(REVIEW_REASONS).optional() }),
    /** Scheduled: ask the gateways about attempts still pending after their callback should have come. */
    z.object({ kind: z.literal("reconcile"), tick }),
  ]),
  [QueueName.Notifications]: z.union([
    /** Removes a message later (the VPS password message deletes itself). */
    z.object({ chatId: z.number().int(), deleteMessageId: z.number().int().positive() }),
    /** Brings every staff copy of a card to its state `version` (shop/pending/copies.ts). */
    z.object({ cardKey: z.string().min(1).max(80), version: z.number().int().nonnegative() }),
    z.object({
    chatId: z.number().int(),
    /** i18n key rendered in the recipient's language at send time. */
    key: z.string().min(1),
    params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
    locale: z.string().optional(),
    buttons: z.array(z.array(button)).optional(),
    /** Send this document along (rendered at send time from our data). */
    document: z.object({ kind: z.literal("invoice"), orderId: id, /** A copy staff asked for (orders console): sent even though the invoice went out before. */ copy: z.literal(true).optional(), /** The copy's resend audit row: its send is recorded there, sent once. */ copyId: id.optional() }).optional(),
    /** Include a VPS's login details, decrypted at send time (never stored in the job). */
    credentials: z.object({ instanceId: id, /** A copy staff asked for (orders console): the current login details again, deleting itself like the first. */ copy: z.literal(true).optional(), /** The copy's resend audit row: its send is recorded there, sent once. */ copyId: id.optional() }).optional(),
    /** A staff card: the sent message is recorded as one of its copies (shop/pending/cards.ts). */
    card: z.string().min(1).max(80).optional(),
    }),
  ]),
  /** One run of a broadcast (shop/broadcasts/runner.ts): run 0 is a scheduled start; job id broadcast-<id>-<run>. */
  [QueueName.Broadcast]: z.object({ broadcastId: id, task: z.enum(["send", "unsend"]).default("send"), run: z.number().int().nonnegative() }),
  [QueueName.ScreenshotPurge]: z.object({ tick }),
  [QueueName.Lifecycle]: z.object({ task: z.enum(["order-expiry", "renewal-reminders", "instance-expiry", "orphan-sweep", "pending-reminders"]), tick }),
  [QueueName.OwnerAlerts]: z.union([
    /** A message raiseAlert/resolveAlert decided (shop/alerts/): deliver it to every owner. */
    z.object({ noticeId: id }),
    /** An alert to raise (de-duplicated by fingerprint; without one, by title). */
    z.object({
      severity: z.enum(["info", "warning", "critical"]),
      title: z.string().min(1).max(200),
      detail: z.string().max(3000).optional(),
      fingerprint: z.string().min(1).max(200).optional(),
      kind: z.string().min(1).max(60).optional(),
      nextStep: z.string().min(1).max(1000).optional(),
      /** Closes this fingerprint instead (one "resolved" message); raised as given only when nothing was open. */
      resolves: z.string().min(1).max(200).optional(),
    }),
  ]),
  /** Scheduled: the daily backup, or the restore drill after it (jobs/processors/backups.processor.ts). */
  [QueueName.Backups]: z.object({ task: z.enum(["backup", "drill"]), tick }),
  /** Scheduled hourly: the owner's weekly summary once it is due (jobs/processors/stats-reports.processor.ts). */
  [QueueName.StatsReports]: z.object({ task: z.literal("weekly-summary"), tick }),
  /**
   * One attempt at a customer event's delivery (shop/events/): a reseller webhook or an email copy.
   * `dueAt` is the delivery row's next_attempt_at the job was queued for (ISO); job id
   * outbound-<kind>-<deliveryId>-<dueAt ms> (jobs/processors/outbound.processor.ts).
   */
  [QueueName.Outbound]: z.object({ kind: z.enum(["webhook", "email"]), deliveryId: id, dueAt: z.iso.datetime().optional() }),
} satisfies Record<QueueName, z.ZodType>;

export type Payload<Q extends QueueName> = z.output<(typeof payloadSchemas)[Q]>;
export type PayloadInput<Q extends QueueName> = z.input<(typeof payloadSchemas)[Q]>;

/** Bounded history: Redis keeps ~1 day of successes and a week of failures for audit. */
const base: JobsOptions = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

/** Per-queue retry policy; money- and server-touching jobs retry longer. */
export const defaultJobOptions: Record<QueueName, JobsOptions> = {
  [QueueName.Provisioning]: { ...base, attempts: 5, backoff: { type: "exponential", delay: 5_000 } },
  [QueueName.InstanceActions]: { ...base, attempts: 3, backoff: { type: "exponential", delay: 3_000 } },
  [QueueName.PaymentFollowups]: { ...base, attempts: 8, backoff: { type: "exponential", delay: 2_000 } },
  // A customer's message (their VPS password) must survive a Telegram outage of many minutes:
  // "capped" doubles from 2 s up to 1 min (jobs/workers.ts), 30 attempts ≈ 25 min.
  [QueueName.Notifications]: { ...base, attempts: 30, backoff: { type: "capped", delay: 2_000 } },
  [QueueName.Broadcast]: { ...base, attempts: 3, backoff: { type: "exponential", delay: 5_000 } },
  [QueueName.ScreenshotPurge]: { ...base, attempts: 3, backoff: { type: "exponential", delay: 60_000 } },
  [QueueName.Lifecycle]: { ...base, attempts: 3, backoff: { type: "exponential", delay: 30_000 } },
  [QueueName.OwnerAlerts]: { ...base, attempts: 20, backoff: { type: "capped", delay: 5_000 } },
  [QueueName.Backups]: { ...base, attempts: 3, backoff: { type: "exponential", delay: 60_000 } },
  // An owner's Telegram out for a while: retried for ~15 min; the next hourly tick carries on after that.
  [QueueName.StatsReports]: { ...base, attempts: 20, backoff: { type: "capped", delay: 5_000 } },
  // A job is one attempt; the delivery's own schedule (shop/events/attempts.ts) queues the next one.
  // These retries only cover a job that threw (database hiccup) before it could record its attempt.
  [QueueName.Outbound]: { ...base, attempts: 5, backoff: { type: "capped", delay: 5_000 } },
};

/** Thrown when a producer hands a payload that does not match the catalogue. */
export class InvalidPayloadError extends Error {
  constructor(queue: QueueName, detail: string) {
    super(`invalid payload for queue ${queue}: ${detail}`);
    this.name = "InvalidPayloadError";
  }
}

/** Validates a payload against the catalogue; used by both producers and workers. */
export function parsePayload<Q extends QueueName>(queue: Q, data: unknown): Payload<Q> {
  const result = payloadSchemas[queue].safeParse(data);
  if (!result.success) {
    throw new InvalidPayloadError(queue, result.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; "));
  }
  return result.data as Payload<Q>;
}

/**
 * Queues whose keyed jobs are durable: recorded in Postgres (`job_outbox`) before they reach
 * Redis. These are the jobs a customer or the money depends on: a provisioning run, a payment
 * follow-up, a customer message, an owner alert, a VPS action.
 */
export const DURABLE_QUEUES: ReadonlySet<QueueName> = new Set<QueueName>([
  QueueName.Provisioning,
  QueueName.InstanceActions,
  QueueName.PaymentFollowups,
  QueueName.Notifications,
  QueueName.OwnerAlerts,
  QueueName.Outbound,
]);

/** A scheduler tick id (jobs/scheduler.ts tickId): the minute, or the second for a six-field cron. */
const SCHEDULER_TICK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * Whether a job is kept in the Postgres outbox: a durable queue and a job id to key it by, or
 * any queue's job made by a scheduler tick. A tick is claimed once across every scheduler
 * (scheduler_ticks) and its job recorded in the claim's transaction: the outbox is what keeps a
 * claimed tick from being lost to a crash or a Redis wipe, and from running twice after one.
 */
export function isDurableJob(queue: QueueName, jobId: string | undefined, payload?: unknown): jobId is string {
  if (!jobId) return false;
  const tick = (payload as { tick?: unknown } | undefined)?.tick;
  return DURABLE_QUEUES.has(queue) || (typeof tick === "string" && SCHEDULER_TICK.test(tick));
}

/**
 * Queues whose jobs run at most this many at a time across every worker process (BullMQ's global
 * concurrency, kept in Redis), whatever each worker's own concurrency. Lifecycle: its sweeps (order
 * and instance expiry, the orphan sweep, reminders) ran one at a time when there was one worker;
 * with a worker per host a backlog of ticks (the worker role down for a while) would otherwise run
 * two orphan sweeps at once, both deleting the same orphan and both telling the owner.
 */
export const GLOBAL_CONCURRENCY: Partial<Record<QueueName, number>> = {
  [QueueName.Lifecycle]: 1,
};

/**
 * Producer side of every queue. One instance per process; queues are created
 * lazily so a role that never enqueues to a queue never opens it.
 *
 * With an outbox (every role in production), a keyed job of a durable queue is written to
 * Postgres first and then pushed to Redis; when the push fails (Redis restarting, wiped), the
 * job is not lost: the recovery sweep (jobs/recovery.ts) pushes it again. A job id that has
 * already run is never queued again, however long ago Redis forgot it.
 */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly logger: Logger,
    readonly outbox?: JobOutbox,
  ) {}

  /** The BullMQ queue object (for schedulers, inspection and tests). */
  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix, defaultJobOptions: defaultJobOptions[name] });
      // A Queue without an error listener crashes the process on a Redis hiccup.
      queue.on("error", (err) => this.logger.warn({ err, queue: name }, "queue connection error"));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Validates and adds a job. A `jobId` makes the add idempotent; for a durable job it makes it
   * idempotent for good (Postgres remembers it). Resolves with the BullMQ job, or undefined when
   * the job already ran or was recorded durably but could not reach Redis yet.
   */
  async enqueue<Q extends QueueName>(name: Q, payload: PayloadInput<Q>, opts: JobsOptions = {}) {
    const data = parsePayload(name, payload);
    if (this.outbox && isDurableJob(name, opts.jobId, data)) {
      const status = await this.outbox.record(name, opts.jobId, data, opts.delay ?? 0);
      if (status !== "PENDING") return undefined;
      try {
        return await this.get(name).add(name, data, opts);
      } catch (err) {
        // Recorded in Postgres: the recovery sweep pushes it once Redis answers again.
        this.logger.warn({ err, queue: name, jobId: opts.jobId }, "job recorded but not queued yet; recovery will push it");
        return undefined;
      }
    }
    return this.get(name).add(name, data, opts);
  }

  /** Pushes a recorded job to Redis again (recovery). BullMQ ignores it if the id is still known. */
  async push(name: QueueName, jobId: string, data: unknown, delayMs: number) {
    return this.get(name).add(name, data, { jobId, ...(delayMs > 0 ? { delay: delayMs } : {}) });
  }

  /**
   * Writes GLOBAL_CONCURRENCY into Redis (the worker role, at start). Redis wiped meanwhile loses
   * it until a worker starts again; the lifecycle's work stays safe run twice at once (state
   * machine compare-and-sets, claims in Postgres), only a sweep's report may then come twice.
   */
  async applyGlobalConcurrency(): Promise<void> {
    await Promise.all(Object.entries(GLOBAL_CONCURRENCY).map(([name, n]) => this.get(name as QueueName).setGlobalConcurrency(n)));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/** BullMQ custom job ids may not contain ":"; this builds safe, readable ones. */
export function jobId(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_.-]/g, "-")).join("-");
}
