import type { PrismaClient } from "../db/client.js";
import { isLeaseHeld, withLease, LeaseBusyError } from "../shop/leases.js";
import { refundFollowupsLeftUndone, unfinishedInstanceActions, waitingOrders, type WaitingOrder } from "../shop/orders/stranded.js";
import { isReviewWhy } from "../shop/payments/settle.js";
import { provisioningLeaseKey } from "../shop/provisioning/provision.js";
import type { Logger } from "../shop/platform/logger.js";
import { ensureBroadcastRuns } from "./broadcast-runs.js";
import { requeueOverdueDeliveries } from "./processors/outbound.processor.js";
import { redispatchFollowup } from "./dispatch-settlement.js";
import type { OutboxRow } from "./outbox.js";
import { QueueName, jobId, type Queues } from "./queues.js";
import { settleFinalFailure, type ProcessorMap } from "./workers.js";

export interface RecoveryDeps {
  prisma: PrismaClient;
  queues: Queues;
  /** The worker role's processors: their final-failure handlers settle jobs BullMQ failed silently. */
  processors: ProcessorMap;
  logger: Logger;
  /** How long a recorded job or a waiting order is left to the normal path first (default 30 s). */
  graceMs?: number;
  /** A PROVISIONING order with no run alive for this long is failed for a seller to act (default 2 min). */
  staleProvisioningMs?: number;
  /** Rows read per query; every page is read, so rows that wait for long never hide newer ones (default 500). */
  pageSize?: number;
}

/**
 * Every row of a keyset-paged query, page after page: rows that stay in the list for days (an
 * order waiting for a seller's review, a job delayed for long) cannot fill a single window and
 * starve the rows behind them.
 */
async function* pages<T, C>(page: (after: C | undefined) => Promise<T[]>, cursorOf: (row: T) => C): AsyncGenerator<T> {
  let after: C | undefined;
  for (;;) {
    const rows = await page(after);
    yield* rows;
    if (rows.length === 0) return;
    const next = cursorOf(rows[rows.length - 1]!);
    if (next === after) return;
    after = next;
  }
}

export interface RecoveryReport {
  /** Jobs Redis had lost, pushed again from the outbox. */
  repushed: string[];
  /** Jobs derived from orders/actions waiting in Postgres (recorded now or found recorded). */
  ensured: number;
  /** Jobs BullMQ had failed without telling a worker (stalled too often), settled now. */
  settledFailures: string[];
  /** PROVISIONING orders with no run alive, moved to PROVISIONING_FAILED. */
  staleProvisioning: number[];
  /** Finished outbox rows deleted (at most once an hour). */
  pruned?: number;
  /** Broadcast runs queued again (Redis lost them, a run ended with work left) or started (a schedule came due). */
  broadcasts?: string[];
  /** Webhook and email deliveries overdue (their job lost or never queued), queued for their due time. */
  outbound?: number;
  /** Skipped: another process was sweeping. */
  busy?: boolean;
}

/**
 * The recovery sweep: makes Redis disposable. It runs at worker start-up and every minute, one
 * process at a time (a Postgres lease), and
 * 1. derives from Postgres the work that money is waiting for — PAID and PAYMENT_REVIEW orders
 *    get their payment follow-up, new VPS orders whose follow-up ran get their provisioning
 *    run, unfinished VPS actions get their job — recorded with the same job ids as the normal
 *    path, so nothing is ever done twice;
 * 2. pushes again every recorded job that Redis no longer knows (wiped, restarted empty, or the
 *    push failed), keeping what is left of its delay;
 * 3. settles jobs BullMQ failed for good without a `failed` event (stalled more than
 *    `maxStalledCount`), so e.g. their order becomes PROVISIONING_FAILED for a seller;
 * 4. fails PROVISIONING orders that have no run alive any more (no pending job, no lease);
 * 5. gives every SENDING broadcast (and one being unsent) a live run, and starts scheduled ones
 *    that came due (jobs/broadcast-runs.ts).
 */
export async function recoverJobs(deps: RecoveryDeps): Promise<RecoveryReport> {
  try {
    return await withLease(deps.prisma, "recovery-sweep", 30_000, () => sweep(deps));
  } catch (err) {
    if (err instanceof LeaseBusyError) return { repushed: [], ensured: 0, settledFailures: [], staleProvisioning: [], busy: true };
    throw err;
  }
}

async function sweep(deps: RecoveryDeps): Promise<RecoveryReport> {
  const { prisma, queues } = deps;
  const outbox = queues.outbox;
  if (!outbox) throw new Error("recovery needs the job outbox (Queues created without one)");
  const graceMs = deps.graceMs ?? 30_000;
  const pageSize = deps.pageSize ?? 500;
  const report: RecoveryReport = { repushed: [], ensured: 0, settledFailures: [], staleProvisioning: [] };

  for await (const order of pages<WaitingOrder, number>((after) => waitingOrders(prisma, graceMs, pageSize, after), (o) => o.orderId)) {
    if (order.status === "PROVISIONING") {
      const alive = (await outbox.hasPending(QueueName.Provisioning, "orderId", order.orderId)) || (await isLeaseHeld(prisma, provisioningLeaseKey(order.orderId)));
      if (!alive && order.since.getTime() < Date.now() - (deps.staleProvisioningMs ?? 120_000)) {
        await settleFinalFailure(QueueName.Provisioning, deps.processors[QueueName.Provisioning], undefined, undefined, { orderId: order.orderId }, "stalled: no provisioning run is alive for this order");
        report.staleProvisioning.push(order.orderId);
      }
      continue;
    }
    if (order.paymentId === null || order.paymentStatus === null) continue;
    await redispatchFollowup(queues, { id: order.paymentId, status: order.paymentStatus, ...(isReviewWhy(order.reviewWhy) ? { reviewWhy: order.reviewWhy } : {}) });
    report.ensured++;
    if (order.status === "PAID" && order.kind === "NEW_VPS" && (await outbox.status(QueueName.PaymentFollowups, jobId("paid", order.paymentId))) === "DONE") {
      // The customer has been told; the provisioning run it queued must exist too.
      await queues.enqueue(QueueName.Provisioning, { orderId: order.orderId }, { jobId: jobId("provision", order.orderId) });
      report.ensured++;
    }
  }
  for (const paymentId of await refundFollowupsLeftUndone(prisma, graceMs)) {
    // Its refund follow-up failed for good with work left (the owner's Release/Keep notice, an
    // order left in review): run it again, at most once an hour; it does each step once.
    await queues.enqueue(QueueName.PaymentFollowups, { kind: "refunded", paymentId }, { jobId: jobId("refunded", paymentId, "again", new Date().toISOString().slice(0, 13)) });
    report.ensured++;
  }
  for await (const actionId of pages<number, number>((after) => unfinishedInstanceActions(prisma, graceMs, pageSize, after), (id) => id)) {
    const id = jobId("action", actionId);
    const status = await outbox.status(QueueName.InstanceActions, id);
    if (status === "FAILED" || status === "DONE") {
      // Its job is over but the action is still open (the job died without recording it): fail
      // it, or the VPS takes no action ever again (one open action per VPS) and no resume after renewal.
      await settleFinalFailure(QueueName.InstanceActions, deps.processors[QueueName.InstanceActions], outbox, id, { actionId }, `its job is ${status.toLowerCase()} but the action never finished`);
      report.settledFailures.push(`${QueueName.InstanceActions}/${id}`);
      continue;
    }
    await queues.enqueue(QueueName.InstanceActions, { actionId }, { jobId: id });
    report.ensured++;
  }

  for await (const row of pages<OutboxRow, OutboxRow>((after) => outbox.pending(graceMs, pageSize, after), (r) => r)) {
    const name = row.queue as QueueName;
    const state = await queues.get(name).getJobState(row.jobId);
    if (state === "unknown") {
      await queues.push(name, row.jobId, row.payload, Math.max(0, row.runAt.getTime() - Date.now()));
      await outbox.countRepush(name, row.jobId);
      report.repushed.push(`${name}/${row.jobId}`);
    } else if (state === "completed") {
      await outbox.markDone(name, row.jobId);
    } else if (state === "failed") {
      const job = await queues.get(name).getJob(row.jobId);
      await settleFinalFailure(name, deps.processors[name], outbox, row.jobId, row.payload, job?.failedReason || "failed");
      report.settledFailures.push(`${name}/${row.jobId}`);
    }
  }
  report.outbound = await requeueOverdueDeliveries(prisma, queues, graceMs, pageSize);
  report.broadcasts = await ensureBroadcastRuns(deps.prisma, queues);
  report.pruned = await pruneOutbox(outbox);
  if (report.repushed.length || report.settledFailures.length || report.staleProvisioning.length || (report.broadcasts?.length ?? 0) > 0) {
    deps.logger.warn({ ...report }, "recovery sweep restored lost work");
  }
  return report;
}

/**
 * Finished rows are kept 90 days: long past any gateway's retry window and any redelivery, so a
 * job id stays unique for as long as anything could ask for it again. Pruned once an hour.
 */
const OUTBOX_KEEP_DAYS = 90;
let lastPrune = 0;
async function pruneOutbox(outbox: NonNullable<Queues["outbox"]>): Promise<number> {
  if (Date.now() - lastPrune < 3_600_000) return 0;
  lastPrune = Date.now();
  return outbox.prune(OUTBOX_KEEP_DAYS);
}

/** Runs the sweep now and then every `everyMs` (default 1 min) until stopped. */
export function startRecovery(deps: RecoveryDeps, everyMs = 60_000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = recoverJobs(deps).catch((err) => deps.logger.error({ err }, "recovery sweep failed; next try in a minute"));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
