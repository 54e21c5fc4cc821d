import type { PrismaClient } from "../../db/client.js";
import { overdueDeliveries, pendingDueAt, postpone, type DeliveryTable, type DueDelivery } from "../../shop/events/attempts.js";
import type { OutboundJob } from "../../shop/events/record.js";
import { deliverWebhook, type WebhookDeliveryDeps } from "../../shop/events/webhook-delivery.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface OutboundDeps {
  prisma: PrismaClient;
  queues: Queues;
  webhook: Omit<WebhookDeliveryDeps, "prisma">;
  /** One attempt at an email copy (shop/email/deliver.ts emailDelivery); absent without SMTP_URL. */
  email?: (deliveryId: number, dueAt?: Date) => Promise<{ outcome: string; error?: string }>;
}

const TABLE: Record<OutboundJob["kind"], DeliveryTable> = { webhook: "webhook_deliveries", email: "email_deliveries" };

/**
 * One job = one attempt at one delivery. The attempt records itself on the delivery row (and
 * sets when the next one is due); this queues that next attempt as its own job, named by the
 * row and its due time, so every attempt is a distinct durable job and a repeated one is a no-op.
 */
export function outboundProcessor(deps: OutboundDeps) {
  return async (payload: Payload<"outbound">) => {
    const dueAt = payload.dueAt ? new Date(payload.dueAt) : undefined;
    const result = payload.kind === "webhook" ? await deliverWebhook({ prisma: deps.prisma, ...deps.webhook }, payload.deliveryId, dueAt) : await emailAttempt(deps, payload.deliveryId, dueAt);
    if (result.outcome === "retry") {
      const next = await pendingDueAt(deps.prisma, TABLE[payload.kind], payload.deliveryId);
      if (next && next.getTime() !== dueAt?.getTime()) await queueOutbound(deps.queues, [{ kind: payload.kind, deliveryId: payload.deliveryId, dueAt: next.toISOString() }]);
    }
    // A reseller's endpoint that keeps failing is theirs to fix (their delivery log says why);
    // email copies that cannot be sent are ours: the SMTP server or its credentials.
    if (payload.kind === "email" && result.outcome === "failed") {
      await deps.queues.enqueue(
        QueueName.OwnerAlerts,
        { severity: "warning", title: "Email salinan ke pelanggan gagal terkirim", detail: `email_deliveries #${payload.deliveryId}: ${result.error ?? "failed"}`.slice(0, 3000), fingerprint: "outbound:email-failed", kind: "email-failed", nextStep: "Periksa SMTP_URL (host, port, kata sandi) dan log worker; pengiriman yang gagal tercatat di tabel email_deliveries (last_error)." },
        { jobId: jobId("email-failed", payload.deliveryId) },
      );
    }
    return result;
  };
}

/**
 * An attempt's job failed for good without recording the attempt (it threw each time: the
 * database was unreachable). Its row still waits for that job's due time, which the sweep would
 * only queue again under the same, finished job id: the row is given a new due time instead.
 */
export function outboundFailureHandler(deps: Pick<OutboundDeps, "prisma">) {
  return async (payload: Payload<"outbound">, reason: string): Promise<void> => {
    if (!payload.dueAt) return;
    await postpone(deps.prisma, TABLE[payload.kind], payload.deliveryId, new Date(payload.dueAt), reason);
  };
}

async function emailAttempt(deps: OutboundDeps, deliveryId: number, dueAt: Date | undefined): Promise<{ outcome: string; error?: string }> {
  if (deps.email) return deps.email(deliveryId, dueAt);
  // Recorded while SMTP was configured, and it is not any more: nothing can send it. The owner
  // turned email off on purpose, so this is no mail failure to alert about.
  await deps.prisma.emailDelivery.updateMany({ where: { id: deliveryId, status: "PENDING" }, data: { status: "FAILED", lastError: "SMTP_URL is not set" } });
  return { outcome: "cancelled", error: "SMTP_URL is not set" };
}

/** The job id of one attempt: the delivery and the due time it was queued for. */
export function outboundJobId(job: OutboundJob): string {
  return jobId("outbound", job.kind, job.deliveryId, job.dueAt ? Date.parse(job.dueAt) : 0);
}

/**
 * Queues the jobs recordCustomerEvent returned (after the transaction that recorded them has
 * committed), each delayed to its due time. A job that never reaches Redis is not lost: its
 * delivery row stays PENDING and the recovery sweep queues it (requeueOverdueDeliveries).
 */
export async function queueOutbound(queues: Queues, jobs: readonly OutboundJob[]): Promise<void> {
  for (const job of jobs) {
    const delay = job.dueAt ? Math.max(0, Date.parse(job.dueAt) - Date.now()) : 0;
    await queues.enqueue(QueueName.Outbound, { kind: job.kind, deliveryId: job.deliveryId, ...(job.dueAt ? { dueAt: job.dueAt } : {}) }, { jobId: outboundJobId(job), ...(delay > 0 ? { delay } : {}) });
  }
}

/**
 * For the recovery sweep: every PENDING delivery overdue by more than `graceMs` gets a job for
 * its current due time (the same id as the one its last attempt queued, so a job still in Redis
 * is not doubled; a row whose attempt died mid-way is due again after its claim lapsed, under a
 * new id). Returns how many were queued.
 */
export async function requeueOverdueDeliveries(prisma: PrismaClient, queues: Queues, graceMs: number, pageSize = 500): Promise<number> {
  let n = 0;
  let after: DueDelivery | undefined;
  for (;;) {
    const rows = await overdueDeliveries(prisma, graceMs, pageSize, after);
    if (rows.length === 0) return n;
    await queueOutbound(queues, rows.map((r) => ({ kind: r.kind, deliveryId: r.deliveryId, dueAt: r.dueAt.toISOString() })));
    n += rows.length;
    after = rows[rows.length - 1];
  }
}
