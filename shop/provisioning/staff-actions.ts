import type { PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { transitionOrder } from "../orders/state-machine.js";
import { refundToWallet } from "../wallet/ledger.js";

export interface Staff {
  userId: number;
  role: "SELLER" | "OWNER";
}

export type StaffActionResult = { ok: true; orderId: number; reference: string; chatId: number; attempt?: number; amountIdr?: number } | { ok: false; why: string };

/** Finds an order by its reference (what sellers type) or id (what buttons carry). */
async function findOrder(prisma: PrismaClient, ref: string | number) {
  return typeof ref === "number"
    ? prisma.order.findUnique({ where: { id: ref }, include: { user: true, provisioningTask: true } })
    : prisma.order.findUnique({ where: { reference: ref.trim().toUpperCase() }, include: { user: true, provisioningTask: true } });
}

/**
 * A seller retries provisioning — only from PROVISIONING_FAILED — with an audit
 * row. The caller enqueues a new provisioning job for the returned attempt.
 */
export async function retryProvisioning(prisma: PrismaClient, ref: string | number, staff: Staff): Promise<StaffActionResult> {
  const order = await findOrder(prisma, ref);
  if (!order) return { ok: false, why: "order not found" };
  return prisma.$transaction(async (tx) => {
    const moved = await transitionOrder(tx, order.id, "PROVISIONING", { type: staff.role, id: String(staff.userId) }, { reason: "retry requested by seller", onlyFrom: ["PROVISIONING_FAILED"] });
    if (!moved.ok) return { ok: false, why: `only a PROVISIONING_FAILED order can be retried (this one is ${"current" in moved ? moved.current : "?"})` } as const;
    await tx.instance.updateMany({ where: { orderId: order.id, status: "FAILED" }, data: { status: "PROVISIONING" } });
    await tx.provisioningTask.updateMany({ where: { orderId: order.id }, data: { status: "QUEUED" } });
    await audit(tx, { actorUserId: staff.userId, actorType: staff.role, action: "provisioning.retry", targetType: "order", targetId: order.id, details: { reference: order.reference } });
    return { ok: true, orderId: order.id, reference: order.reference, chatId: Number(order.user.telegramId), attempt: (order.provisioningTask?.attempts ?? 0) + 1 } as const;
  });
}

/** A seller gives up on a failed order and refunds it to the customer's wallet (through the ledger). */
export async function refundFailedOrder(prisma: PrismaClient, ref: string | number, staff: Staff): Promise<StaffActionResult> {
  const order = await findOrder(prisma, ref);
  if (!order) return { ok: false, why: "order not found" };
  if (order.status !== "PROVISIONING_FAILED") return { ok: false, why: `only a PROVISIONING_FAILED order can be refunded here (this one is ${order.status})` };
  const refund = await refundToWallet(prisma, { userId: order.userId, amountIdr: order.totalIdr + order.paymentFeeIdr, orderId: order.id, reason: "provisioning failed", createdById: staff.userId });
  if (!refund.ok && refund.reason !== "already_refunded") return { ok: false, why: `refund refused: ${refund.reason}` };
  const moved = await transitionOrder(prisma, order.id, "REFUNDED", { type: staff.role, id: String(staff.userId) }, { reason: "refunded to wallet after failed provisioning", onlyFrom: ["PROVISIONING_FAILED"] });
  if (!moved.ok) return { ok: false, why: "order changed meanwhile" };
  await audit(prisma, { actorUserId: staff.userId, actorType: staff.role, action: "order.refund", targetType: "order", targetId: order.id, details: { amountIdr: order.totalIdr + order.paymentFeeIdr } });
  return { ok: true, orderId: order.id, reference: order.reference, chatId: Number(order.user.telegramId), amountIdr: order.totalIdr + order.paymentFeeIdr };
}
