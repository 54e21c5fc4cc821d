/**
 * An order placed through the reseller API: the same rules as the chat's checkout (createOrder
 * prices it from the catalog with the reseller's tier, takes stock, limits orders per minute) and
 * the same wallet payment as "Pay all from balance" (payGroupFromWallet: every sibling or none).
 * An API order is paid at once or not placed: the balance is checked first, and orders whose
 * payment was refused after creation (a race with another spend) are cancelled at once, which
 * gives their stock back, so a client never holds orders it did not ask to leave unpaid.
 */
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import type { Buyer, Catalog, Quote, QuoteUnavailable } from "../catalog/catalog.js";
import { createOrder, MAX_ORDER_QUANTITY, type CreatedOrder } from "../orders/create-order.js";
import { allowOrderCreation } from "../orders/order-rate-limit.js";
import { transitionOrder } from "../orders/state-machine.js";
import type { PayableCheck } from "../payments/checkout.js";
import { payGroupFromWallet } from "../resellers/group-orders.js";
import { parseClientLabel, type LabelRejection } from "../resellers/labels.js";
import { walletBalance } from "../wallet/ledger.js";

export interface PlaceOrderDeps {
  prisma: PrismaClient;
  catalog: Catalog;
  redis: Redis;
  queuePrefix: string;
  paymentTtlHours: number;
  payable: (orderId: number, userId: number) => Promise<PayableCheck>;
}

export interface PlaceOrderInput {
  buyer: Buyer;
  planCode: string;
  durationMonths: number;
  imageCode: string;
  region?: string;
  quantity: number;
  clientLabel?: string;
  /** When given, the order is placed only at this unit price (the catalog may have moved). */
  expectedUnitPriceIdr?: number;
  /** The API key's prefix, recorded in the audit row so staff can tell which tool placed it. */
  keyPrefix: string;
  /**
   * Called right before the wallet is charged; if it throws, nothing is charged. The caller's
   * Idempotency-Key then never lets a retry place the order again, even if the process dies
   * between the payment and the stored answer (the unpaid orders of a payment that did not
   * happen expire like any unpaid order).
   */
  beforePayment?: () => Promise<void>;
}

export type PlaceOrderResult =
  | { ok: true; orders: Array<CreatedOrder & { paymentId: number }>; quote: Quote; paidIdr: number; balanceAfterIdr: number }
  | { ok: false; reason: "plan_not_found" | "image_not_found" | "region_mismatch" | QuoteUnavailable | "quantity_not_allowed" | "held" | "not_payable" | "rate_limited" }
  | { ok: false; reason: "bad_label"; label: LabelRejection }
  | { ok: false; reason: "price_changed"; unitPriceIdr: number }
  | { ok: false; reason: "insufficient_balance"; balanceIdr: number; neededIdr: number };

/** Places and pays an order of `quantity` identical VPS from the reseller's wallet. */
export async function placeApiOrder(deps: PlaceOrderDeps, input: PlaceOrderInput, now = new Date()): Promise<PlaceOrderResult> {
  const { prisma, catalog } = deps;
  const userId = input.buyer.userId;
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_ORDER_QUANTITY) return { ok: false, reason: "quantity_not_allowed" };
  let clientLabel: string | null = null;
  if (input.clientLabel !== undefined) {
    const parsed = parseClientLabel(input.clientLabel);
    if (!parsed.ok) return { ok: false, reason: "bad_label", label: parsed.reason };
    clientLabel = parsed.label;
  }
  const plan = await prisma.plan.findUnique({ where: { code: input.planCode }, select: { id: true, region: true, providerId: true } });
  if (!plan) return { ok: false, reason: "plan_not_found" };
  if (input.region !== undefined && input.region !== plan.region) return { ok: false, reason: "region_mismatch" };
  const image = await prisma.osImage.findFirst({ where: { code: input.imageCode, providerId: plan.providerId }, select: { id: true } });
  if (!image) return { ok: false, reason: "image_not_found" };

  const request = { planId: plan.id, durationMonths: input.durationMonths, imageId: image.id, couponCode: null };
  const quoted = await catalog.quote(prisma, request, input.buyer, now);
  if (!quoted.ok) return { ok: false, reason: quoted.reason };
  const unitPriceIdr = quoted.quote.breakdown.totalIdr;
  if (input.expectedUnitPriceIdr !== undefined && input.expectedUnitPriceIdr !== unitPriceIdr) return { ok: false, reason: "price_changed", unitPriceIdr };
  const neededIdr = unitPriceIdr * input.quantity;
  const balanceIdr = await walletBalance(prisma, userId);
  if (balanceIdr < neededIdr) return { ok: false, reason: "insufficient_balance", balanceIdr, neededIdr };
  // The chat's per-customer order limit, shared: API and chat orders count together.
  if (!(await allowOrderCreation(deps.redis, deps.queuePrefix, userId, 10, now.getTime(), input.quantity))) return { ok: false, reason: "rate_limited" };

  const created = await createOrder(prisma, catalog, {
    buyer: input.buyer,
    request,
    expectedTotalIdr: unitPriceIdr,
    paymentTtlHours: deps.paymentTtlHours,
    now,
    clientLabel,
    quantity: input.quantity,
  });
  if (created.status === "price_changed") return { ok: false, reason: "price_changed", unitPriceIdr: created.quote.breakdown.totalIdr };
  if (created.status === "unavailable") return { ok: false, reason: created.reason };
  if (created.status !== "created") return { ok: false, reason: "quantity_not_allowed" };

  await input.beforePayment?.();
  const paid = await payGroupFromWallet(prisma, { userId, anchorOrderId: created.order.id, now, payable: deps.payable });
  if (!paid.ok) {
    for (const order of created.orders) {
      await transitionOrder(prisma, order.id, "CANCELLED", { type: "CUSTOMER", id: String(userId) }, { onlyFrom: ["PENDING_PAYMENT"], reason: `API order not paid: ${paid.reason}` });
    }
    if (paid.reason === "insufficient") return { ok: false, reason: "insufficient_balance", balanceIdr: paid.balanceIdr, neededIdr: paid.neededIdr };
    if (paid.reason === "held") return { ok: false, reason: "held" };
    if (paid.reason === "unpayable" && paid.check.reason === "sold_out") return { ok: false, reason: "sold_out" };
    return { ok: false, reason: "not_payable" };
  }
  await audit(prisma, {
    actorUserId: userId,
    actorType: "CUSTOMER",
    action: "api.order.place",
    targetType: "order",
    targetId: created.order.id,
    details: { keyPrefix: input.keyPrefix, references: created.orders.map((o) => o.reference), paidIdr: paid.paidIdr },
  });
  const paymentOf = new Map(paid.paid.map((p) => [p.orderId, p.paymentId]));
  return {
    ok: true,
    orders: created.orders.map((o) => ({ ...o, paymentId: paymentOf.get(o.id)! })),
    quote: created.quote,
    paidIdr: paid.paidIdr,
    balanceAfterIdr: paid.balanceAfterIdr,
  };
}
