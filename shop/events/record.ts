/**
 * Customer events: something that happened to a customer's order or VPS (paid, active,
 * provisioning failed, expiring, action done), recorded once per subject in the transaction that
 * made it true. Each event fans out to durable deliveries — a signed webhook to the reseller's
 * endpoint, an email copy to a confirmed address — whose rows are their own outbox: the job layer
 * queues the returned jobs, and the recovery sweep re-queues any PENDING delivery that is due.
 */
import type { CustomerEventType, Db } from "../../db/client.js";

/** One delivery attempt to queue (queue "outbound"); `dueAt` is the row's next_attempt_at (ISO). */
export interface OutboundJob {
  kind: "webhook" | "email";
  deliveryId: number;
  dueAt?: string;
}

/** The notices that also go out by email: all but "action done" (the customer just pressed the button). */
export const EMAIL_EVENT_TYPES: ReadonlySet<CustomerEventType> = new Set<CustomerEventType>(["ORDER_PAID", "VPS_ACTIVE", "VPS_PROVISION_FAILED", "VPS_EXPIRING"]);

/** The name an event has on the wire (webhook `type`, X-Shop-Event): the database enum's value. */
export const EVENT_WIRE_TYPES: Readonly<Record<CustomerEventType, string>> = {
  ORDER_PAID: "order.paid",
  VPS_ACTIVE: "vps.active",
  VPS_PROVISION_FAILED: "vps.provision_failed",
  VPS_EXPIRING: "vps.expiring",
  VPS_ACTION_DONE: "vps.action_done",
};

export interface CustomerEventInput {
  userId: number;
  type: CustomerEventType;
  /** What makes the event unique for its type: "order:12", "instance:7", "instance:7:2026-12-24", "action:31". */
  subjectKey: string;
  /** The webhook's `data` (and what an email renders from): ids, references, labels — never a password. */
  data: Record<string, unknown>;
}

/**
 * Records an event once per (type, subject) and its deliveries: a webhook when the user has an
 * enabled endpoint, an email when their address is confirmed and the type is in
 * EMAIL_EVENT_TYPES. Returns the jobs to queue, [] when the event was already recorded (its
 * deliveries exist already and the recovery sweep looks after them).
 *
 * Pass the transaction that makes the fact true, so the event exists exactly when the fact does.
 */
/** Who may receive reseller webhooks: the same accounts the reseller API serves (shop/api/keys.ts). */
export const WEBHOOK_RECIPIENT = { resellerTierId: { not: null }, bannedAt: null, blocked: false } as const;

export async function recordCustomerEvent(db: Db, e: CustomerEventInput): Promise<OutboundJob[]> {
  // Given the client rather than a transaction: the event and its deliveries still go in together
  // (an event recorded without them would never get them: a second call finds it and stops).
  if ("$transaction" in db && typeof db.$transaction === "function") return db.$transaction((tx) => recordCustomerEvent(tx, e));
  // createManyAndReturn with skipDuplicates is INSERT … ON CONFLICT DO NOTHING RETURNING: no
  // unique violation to catch (it would abort the caller's transaction).
  const [event] = await db.customerEvent.createManyAndReturn({
    data: [{ userId: e.userId, type: e.type, subjectKey: e.subjectKey, data: e.data as object }],
    skipDuplicates: true,
    select: { id: true },
  });
  if (!event) return [];
  const jobs: OutboundJob[] = [];
  // Only an account the API would serve gets webhooks: a reseller (has a tier), not banned, not restricted.
  const endpoint = await db.webhookEndpoint.findFirst({ where: { userId: e.userId, disabledAt: null, user: WEBHOOK_RECIPIENT }, select: { id: true, url: true } });
  if (endpoint) {
    const d = await db.webhookDelivery.create({ data: { eventId: event.id, endpointId: endpoint.id, url: endpoint.url }, select: { id: true, nextAttemptAt: true } });
    jobs.push({ kind: "webhook", deliveryId: d.id, dueAt: d.nextAttemptAt.toISOString() });
  }
  if (EMAIL_EVENT_TYPES.has(e.type)) {
    const user = await db.user.findUnique({ where: { id: e.userId }, select: { email: true, emailVerifiedAt: true } });
    if (user?.email && user.emailVerifiedAt) {
      const d = await db.emailDelivery.create({ data: { eventId: event.id, toEmail: user.email }, select: { id: true, nextAttemptAt: true } });
      jobs.push({ kind: "email", deliveryId: d.id, dueAt: d.nextAttemptAt.toISOString() });
    }
  }
  return jobs;
}
