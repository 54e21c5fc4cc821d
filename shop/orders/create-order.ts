import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import type { Buyer, Catalog, Quote, QuoteRequest, QuoteUnavailable } from "../catalog/catalog.js";
import { normalizeCouponCode, type CouponRejection } from "../pricing/coupon-rules.js";
import { newOrderReference } from "./reference.js";

/** Most identical VPS one checkout may order (each is its own order; see `quantity`). */
export const MAX_ORDER_QUANTITY = 10;

export interface CreatedOrder {
  id: number;
  reference: string;
  totalIdr: number;
  paymentDeadline: string;
}

export type CreateOrderResult =
  /**
   * `order` is the first of `orders` (one order per VPS; `orders.length` = the quantity).
   * `replayed`: the request (`requestKey`) had already placed these orders; nothing new was written.
   */
  | { status: "created"; order: CreatedOrder; orders: CreatedOrder[]; quote: Quote; replayed: boolean }
  /** The catalog price moved since the customer saw the summary: show the new one and ask again. */
  | { status: "price_changed"; quote: Quote }
  /** The coupon stopped being usable (e.g. the last use was taken a moment ago). */
  | { status: "coupon_rejected"; quote: Quote; rejection: { reason: CouponRejection; minOrderIdr?: number } }
  | { status: "unavailable"; reason: QuoteUnavailable }
  /** More than one VPS in a checkout is for buyers with a reseller tier (read at creation, not when the checkout began). */
  | { status: "quantity_not_allowed" };

/**
 * Creates a PENDING_PAYMENT order with an immutable pricing snapshot taken from
 * the catalog inside the same transaction. The coupon row is locked first, so
 * concurrent orders racing for a coupon's last use are serialised and at most
 * `usageLimit` redemptions ever exist (a CHECK constraint backs this up).
 * A plan with stock gives up one unit here, in the same transaction (see takePlanStock);
 * the trigger `orders_plan_stock` gives it back when the order ends without a VPS.
 *
 * `quantity` N > 1 (resellers: several identical VPS in one checkout) creates N ordinary sibling
 * orders in this one transaction, sharing a `checkoutGroup`, each priced like a single order (so
 * the total is N × the unit total, `expectedTotalIdr` is the unit total) and each holding one unit
 * of stock; all N units are taken at once or the checkout is refused with nothing written. Why
 * siblings and not one order of N: payment settlement, provisioning (task, lease, tag lookup,
 * instance per order), renewals, refunds and stock release are all exactly-once per order today;
 * siblings reuse every one of them unchanged. A coupon is for one VPS: quantity > 1 takes none.
 * Quantity > 1 is for buyers with a reseller tier; the tier is read from users in the transaction
 * (input.buyer's copy may be older than the checkout), and it prices the order.
 *
 * `requestKey` names the request placing the order (a chat checkout's id). A request handled a
 * second time gets the orders it placed the first time, unchanged (`replayed`), before any price,
 * coupon or stock check: those may say no now precisely because the first time took the last
 * coupon use or unit. This is how a chat update handled again after its process died or was cut
 * off between the order's commit and saving the chat's state (bot/inbox.ts hands the update to
 * another process) places no second order. A UNIQUE (user_id, request_key) index decides between
 * two processes handling it at the same moment; the loser reads the winner's orders.
 */
export async function createOrder(
  prisma: PrismaClient,
  catalog: Catalog,
  input: {
    buyer: Buyer;
    request: QuoteRequest;
    /** The total the buyer saw; null when none could be shown (any price is then a change). */
    expectedTotalIdr: number | null;
    paymentTtlHours: number;
    now?: Date;
    /** Resellers: the client or project the order is for, already validated (shop/resellers/labels.ts). */
    clientLabel?: string | null;
    /** How many identical VPS (1 … MAX_ORDER_QUANTITY); 1 when absent. */
    quantity?: number;
    /** The request placing it (see above); stored on the first order. */
    requestKey?: string | null;
  },
): Promise<CreateOrderResult> {
  const now = input.now ?? new Date();
  const couponCode = input.request.couponCode ? normalizeCouponCode(input.request.couponCode) : null;
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_ORDER_QUANTITY) throw new RangeError(`createOrder: quantity ${quantity} outside 1…${MAX_ORDER_QUANTITY}`);
  if (quantity > 1 && couponCode) throw new RangeError("createOrder: a coupon is for a single VPS order");
  const checkoutGroup = quantity > 1 ? randomUUID() : null;
  for (let attempt = 0; ; attempt++) {
    try {
      return await prisma.$transaction(async (tx) => {
        if (input.requestKey) {
          const placed = await ordersOfRequest(tx, input.buyer.userId, input.requestKey);
          if (placed) return placed;
        }
        // The buyer's tier as it is now: a checkout that began before a tier was taken away (or
        // given) must not order at the old terms; a different price then answers price_changed.
        const [row] = await tx.$queryRaw<{ reseller_tier_id: number | null }[]>`SELECT reseller_tier_id FROM users WHERE id = ${input.buyer.userId}`;
        const buyer: Buyer = { ...input.buyer, resellerTierId: row ? row.reseller_tier_id : input.buyer.resellerTierId };
        if (quantity > 1 && buyer.resellerTierId === null) return { status: "quantity_not_allowed" } as const;
        if (couponCode) await tx.$queryRaw`SELECT id FROM coupons WHERE code = ${couponCode} FOR UPDATE`;
        const result = await catalog.quote(tx, { ...input.request, couponCode }, buyer, now);
        if (!result.ok) return { status: "unavailable", reason: result.reason } as const;
        const { quote } = result;
        if (result.couponRejection) return { status: "coupon_rejected", quote, rejection: result.couponRejection } as const;
        if (quote.breakdown.totalIdr !== input.expectedTotalIdr) return { status: "price_changed", quote } as const;

        const stockHeld = await takePlanStock(tx, quote.planId, quantity);
        if (stockHeld === "sold_out") return { status: "unavailable", reason: "sold_out" } as const;

        const paymentDeadline = new Date(now.getTime() + input.paymentTtlHours * 3600_000);
        const { breakdown } = quote;
        const orders: CreatedOrder[] = [];
        for (let unit = 0; unit < quantity; unit++) {
          const order = await tx.order.create({
            data: {
              reference: newOrderReference(now),
              userId: buyer.userId,
              kind: "NEW_VPS",
              status: "PENDING_PAYMENT",
              planId: quote.planId,
              planCode: quote.planCode,
              planName: quote.planName,
              providerCode: quote.providerCode,
              providerSizeSlug: quote.providerSizeSlug,
              region: quote.region,
              imageCode: quote.imageCode,
              imageName: quote.imageName,
              providerImageRef: quote.providerImageRef,
              durationMonths: quote.durationMonths,
              basePriceIdr: breakdown.basePriceIdr,
              promoDiscountIdr: breakdown.promoDiscountIdr,
              couponDiscountIdr: breakdown.couponDiscountIdr,
              couponCode: quote.coupon?.code ?? null,
              totalIdr: breakdown.totalIdr,
              snapshot: JSON.parse(JSON.stringify({ ...quote, buyer })) as Prisma.InputJsonObject,
              paymentDeadline,
              stockHeld,
              clientLabel: input.clientLabel ?? null,
              checkoutGroup,
              requestKey: unit === 0 ? (input.requestKey ?? null) : null,
              createdAt: now,
            },
          });
          await tx.orderStatusHistory.create({
            data: { orderId: order.id, fromStatus: null, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(input.buyer.userId), reason: "order placed", createdAt: now },
          });
          if (quote.coupon) {
            await tx.couponRedemption.create({
              data: { couponId: quote.coupon.id, userId: input.buyer.userId, orderId: order.id, discountIdr: breakdown.couponDiscountIdr, createdAt: now },
            });
            await tx.coupon.update({ where: { id: quote.coupon.id }, data: { usedCount: { increment: 1 } } });
          }
          orders.push({ id: order.id, reference: order.reference, totalIdr: order.totalIdr, paymentDeadline: paymentDeadline.toISOString() });
        }
        return { status: "created", order: orders[0]!, orders, quote, replayed: false } as const;
      });
    } catch (err) {
      // A reference collision (1 in ~28 million per day) just draws a new one.
      if (attempt < 3 && isUniqueViolation(err, ["reference"])) continue;
      // The same request placed its order in another process a moment ago: the next attempt reads it.
      if (attempt < 3 && isUniqueViolation(err, ["request_key"])) continue;
      throw err;
    }
  }
}

/** The orders `requestKey` already placed for this buyer (its checkout group, in order), or null. */
async function ordersOfRequest(tx: Prisma.TransactionClient, userId: number, requestKey: string) {
  const first = await tx.order.findUnique({ where: { userId_requestKey: { userId, requestKey } } });
  if (!first) return null;
  const rows = first.checkoutGroup ? await tx.order.findMany({ where: { checkoutGroup: first.checkoutGroup }, orderBy: { id: "asc" } }) : [first];
  const orders: CreatedOrder[] = rows.map((o) => ({ id: o.id, reference: o.reference, totalIdr: o.totalIdr, paymentDeadline: o.paymentDeadline!.toISOString() }));
  // The snapshot is the quote the order was placed at, plus the buyer.
  const { buyer: _buyer, ...quote } = first.snapshot as unknown as Quote & { buyer: Buyer };
  return { status: "created", order: orders[0]!, orders, quote: quote as Quote, replayed: true } as const;
}

/**
 * Takes `units` units of a plan's stock inside the order transaction: one conditional UPDATE, so
 * of two buyers racing for the last units the second waits on the row and then finds too few left,
 * and a checkout of N takes all N or none. Returns what each order records in `stock_held`: true
 * (it holds a unit), null (unlimited stock).
 */
async function takePlanStock(tx: Prisma.TransactionClient, planId: number, units: number): Promise<true | null | "sold_out"> {
  const taken = await tx.$executeRaw`UPDATE plans SET stock = stock - ${units}, updated_at = now() WHERE id = ${planId} AND stock >= ${units}`;
  if (taken === 1) return true;
  const plan = await tx.plan.findUnique({ where: { id: planId }, select: { stock: true } });
  return plan?.stock === null ? null : "sold_out";
}
