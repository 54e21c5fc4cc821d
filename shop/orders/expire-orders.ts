import type { PrismaClient } from "../../db/client.js";
import { endOpenTransfers, releaseTransferCodes } from "../payments/manual-transfer.js";
import { releaseCouponRedemption } from "./coupon-redemptions.js";
import { transitionOrder } from "./state-machine.js";

export interface ExpiredOrder {
  orderId: number;
  reference: string;
  chatId: number;
  couponReleased: boolean;
}

/**
 * Expires unpaid orders whose payment deadline has passed, releasing their
 * coupon use and ending their open manual transfers (freeing the unique codes)
 * in the same transaction. Then frees the codes of orders that ended some other
 * way (paid through another attempt, cancelled). Safe to run concurrently and
 * repeatedly: an order already paid or expired is skipped by the state machine.
 */
export async function expireUnpaidOrders(prisma: PrismaClient, now = new Date(), batch = 200): Promise<ExpiredOrder[]> {
  const due = await prisma.order.findMany({
    where: { status: "PENDING_PAYMENT", paymentDeadline: { lte: now } },
    select: { id: true, reference: true, user: { select: { telegramId: true } } },
    orderBy: { paymentDeadline: "asc" },
    take: batch,
  });
  const expired: ExpiredOrder[] = [];
  for (const order of due) {
    const result = await prisma.$transaction(async (tx) => {
      const moved = await transitionOrder(tx, order.id, "EXPIRED", { type: "SCHEDULER", id: "order-expiry" }, {
        reason: "payment deadline passed",
        onlyFrom: ["PENDING_PAYMENT"],
      });
      if (!moved.ok) return null;
      await endOpenTransfers(tx, { orderIds: [order.id] });
      return { couponReleased: await releaseCouponRedemption(tx, order.id, now) };
    });
    if (result) expired.push({ orderId: order.id, reference: order.reference, chatId: Number(order.user.telegramId), ...result });
  }
  await releaseTransferCodes(prisma);
  return expired;
}
