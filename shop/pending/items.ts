/**
 * Everything waiting for a human, in one list, oldest first: transfer screenshots to check,
 * money held for review, failed provisioning and provisioning that stopped moving. Read from
 * the domain's own state (no queue of its own to fall out of step): an item leaves the list the
 * moment whoever handles it (here, /order, a late gateway callback) changes that state.
 */
import type { Db } from "../../db/client.js";
import type { Permission } from "../users/staff.js";
import { cardKeys } from "./cards.js";

/** A PROVISIONING order untouched this long is listed as stuck (retry is allowed after 5 min, see STALLED_AFTER_MS). */
export const STUCK_PROVISIONING_MS = 15 * 60_000;
/** A screenshot whose order's payment deadline is this close is flagged (the order expires at the deadline). */
export const DEADLINE_NEAR_MS = 2 * 3_600_000;
/** Most items of one kind read per look (a queue this long is an incident, not a list). */
const MAX_PER_KIND = 500;

export type PendingKind = "proof" | "review" | "prov-failed" | "prov-stuck";

export interface PendingItem {
  kind: PendingKind;
  /** The card this item is shown on (shop/pending/cards.ts). */
  key: string;
  /** Since when it waits. */
  since: Date;
  orderId: number;
  reference: string;
  paymentId?: number;
  proofId?: number;
  /** What the payment expects (proof, review) or the order's total (provisioning). */
  expectedIdr: number;
  /** What the gateway reported (review). */
  receivedIdr?: number | null;
  reviewWhy?: string | null;
  /** The order's payment deadline is near (a screenshot waits: approve before the order expires). */
  deadlineNear?: boolean;
  deadline?: Date | null;
  lastError?: string | null;
}

/** The permission an item needs: money items need payments.review, provisioning items provisioning.retry. */
export function permissionFor(kind: PendingKind): Permission {
  return kind === "proof" || kind === "review" ? "payments.review" : "provisioning.retry";
}

/** Everything waiting that someone holding `permissions` can act on, oldest first. */
export async function pendingItems(db: Db, permissions: readonly Permission[], now = new Date()): Promise<PendingItem[]> {
  const items: PendingItem[] = [];
  if (permissions.includes("payments.review")) items.push(...(await proofItems(db, now)), ...(await reviewItems(db)));
  if (permissions.includes("provisioning.retry")) items.push(...(await provisioningItems(db, now)));
  return items.sort((a, b) => a.since.getTime() - b.since.getTime() || a.key.localeCompare(b.key));
}

async function proofItems(db: Db, now: Date): Promise<PendingItem[]> {
  const proofs = await db.transferProof.findMany({
    where: { status: "PENDING", payment: { gateway: "MANUAL_TRANSFER", status: { in: ["PENDING", "EXPIRED"] } } },
    omit: { sealed: true }, // the screenshot's bytes: the queue only lists it
    include: { payment: true, order: { select: { id: true, reference: true, status: true, paymentDeadline: true } } },
    orderBy: { createdAt: "asc" },
    take: MAX_PER_KIND,
  });
  return proofs.map((p) => {
    const deadline = p.order.paymentDeadline;
    const near = p.order.status === "PENDING_PAYMENT" && deadline !== null && deadline.getTime() - now.getTime() < DEADLINE_NEAR_MS;
    return {
      kind: "proof" as const,
      key: cardKeys.proof(p.id),
      since: p.createdAt,
      orderId: p.order.id,
      reference: p.order.reference,
      paymentId: p.paymentId!,
      proofId: p.id,
      expectedIdr: p.payment!.totalIdr,
      deadline,
      deadlineNear: near,
    };
  });
}

async function reviewItems(db: Db): Promise<PendingItem[]> {
  const payments = await db.payment.findMany({
    where: { status: "REVIEW" },
    include: { order: { select: { id: true, reference: true } } },
    orderBy: { updatedAt: "asc" },
    take: MAX_PER_KIND,
  });
  return payments.map((p) => ({
    kind: "review" as const,
    key: cardKeys.review(p.id),
    since: p.updatedAt,
    orderId: p.order.id,
    reference: p.order.reference,
    paymentId: p.id,
    expectedIdr: p.totalIdr,
    receivedIdr: p.receivedIdr,
    reviewWhy: p.reviewWhy,
  }));
}

async function provisioningItems(db: Db, now: Date): Promise<PendingItem[]> {
  const stuckBefore = new Date(now.getTime() - STUCK_PROVISIONING_MS);
  const orders = await db.order.findMany({
    where: {
      OR: [
        { status: "PROVISIONING_FAILED" },
        { status: "PROVISIONING", updatedAt: { lt: stuckBefore }, OR: [{ provisioningTask: null }, { provisioningTask: { updatedAt: { lt: stuckBefore } } }] },
      ],
    },
    include: {
      provisioningTask: { select: { lastError: true, updatedAt: true } },
      statusHistory: { where: { toStatus: { in: ["PROVISIONING_FAILED", "PROVISIONING"] } }, orderBy: { id: "desc" }, take: 1, select: { id: true, createdAt: true } },
    },
    orderBy: { updatedAt: "asc" },
    take: MAX_PER_KIND,
  });
  return orders.map((o) => {
    const entered = o.statusHistory[0];
    const failed = o.status === "PROVISIONING_FAILED";
    const touched = o.provisioningTask && o.provisioningTask.updatedAt > o.updatedAt ? o.provisioningTask.updatedAt : o.updatedAt;
    return {
      kind: failed ? ("prov-failed" as const) : ("prov-stuck" as const),
      key: cardKeys.provisioning(o.id, entered?.id ?? 0),
      since: failed ? (entered?.createdAt ?? o.updatedAt) : touched,
      orderId: o.id,
      reference: o.reference,
      expectedIdr: o.totalIdr + o.paymentFeeIdr,
      lastError: o.provisioningTask?.lastError ?? null,
    };
  });
}

/** The card of an order's current provisioning episode (what /pending opens for it). */
export async function provisioningCardKey(db: Db, orderId: number): Promise<string> {
  const entered = await db.orderStatusHistory.findFirst({
    where: { orderId, toStatus: { in: ["PROVISIONING_FAILED", "PROVISIONING"] } },
    orderBy: { id: "desc" },
    select: { id: true },
  });
  return cardKeys.provisioning(orderId, entered?.id ?? 0);
}

/** One page of the list (`page` from 0) and how many pages there are. */
export function pageOf<T>(items: readonly T[], page: number, size: number): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const at = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(at * size, at * size + size), page: at, pages };
}

/** How long something has waited, in whole units people read at a glance: "45 m", "3 h", "2 d". */
export function ageOf(since: Date, now = new Date()): { value: number; unit: "m" | "h" | "d" } {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 120) return { value: minutes, unit: "m" };
  if (minutes < 48 * 60) return { value: Math.floor(minutes / 60), unit: "h" };
  return { value: Math.floor(minutes / 1440), unit: "d" };
}
