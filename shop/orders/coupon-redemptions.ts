import type { Db } from "../../db/client.js";

/**
 * Gives a coupon use back when its order will never be paid (expired or
 * cancelled). Idempotent: only an ACTIVE redemption is released, once.
 */
export async function releaseCouponRedemption(db: Db, orderId: number, now = new Date()): Promise<boolean> {
  const redemption = await db.couponRedemption.findUnique({ where: { orderId } });
  if (!redemption || redemption.status !== "ACTIVE") return false;
  const { count } = await db.couponRedemption.updateMany({
    where: { id: redemption.id, status: "ACTIVE" },
    data: { status: "RELEASED", releasedAt: now },
  });
  if (count === 0) return false;
  await db.coupon.update({ where: { id: redemption.couponId }, data: { usedCount: { decrement: 1 } } });
  return true;
}
