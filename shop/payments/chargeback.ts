/**
 * A gateway gave a payment's money back to the payer (a refund from its dashboard, a card
 * chargeback). What the money bought is then unpaid: the wallet balance it credited (a top-up,
 * a seller's refund-to-wallet of money under review, or a refund of its order to the wallet by
 * a seller or the system: `refundToWallet` names the order's paying payment) is taken back
 * through the ledger, and the customer's wallet and the VPS it paid for are held until the owner
 * decides — release the hold, or keep it. One hold per payment, however often the follow-up
 * runs. Money still under review bought nothing: its order ends instead, with no hold. Retry,
 * refund and provisioning of the order stop on it (`orderMoneyTakenBack`).
 */
import type { Db, InstanceStatus, Prisma, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { releaseCouponRedemption } from "../orders/coupon-redemptions.js";
import { transitionOrder } from "../orders/state-machine.js";
import { CloudError } from "../cloud/provider.js";
import { formatIdr } from "../money.js";
import { configRoster, staffChatIds } from "../users/staff.js";
import { resumeSuspended, type ResumeResult } from "../vps/resume.js";
import { gatewayAccount, walletAccount } from "../wallet/accounts.js";
import { holdWallet, releaseWallet } from "../wallet/holds.js";
import { postLedger } from "../wallet/post-ledger.js";
import { loadPayment, PermanentFollowupError, type FollowupDeps, type FollowupOutcome, type FollowupWork } from "./followup-work.js";

type Loaded = Awaited<ReturnType<typeof loadPayment>>;

/** Ledger key of the reversal of what one payment credited. */
export const reversalKey = (paymentId: number) => `chargeback:payment:${paymentId}`;

/** The `refunded` follow-up: take back, hold, tell the owner (with the decision buttons) and the customer. */
export async function holdAfterGatewayRefund(deps: FollowupDeps, paymentId: number): Promise<FollowupOutcome> {
  const loaded = await loadPayment(deps, paymentId);
  const { payment, order } = loaded;
  if (!payment.gatewayRefundedAt) return { work: [], summary: { skipped: "not refunded by the gateway" } };
  const amount = formatIdr(payment.receivedIdr ?? payment.totalIdr);
  if (payment.reviewResolution === "OUTSIDE") {
    // A seller had already given this money back outside the shop, most likely through this very
    // gateway's dashboard: nothing here bought anything. The owner checks it was not paid twice.
    const alert: FollowupWork = {
      kind: "alert-owner",
      id: ["refund-after-outside", payment.id],
      severity: "info",
      title: `Refund gateway untuk ${order.reference}`,
      detail: `Payment #${payment.id} (${payment.gateway}, ${amount}) sudah ditandai dikembalikan oleh penjual; ${payment.gateway} kini juga melaporkan refund. Pastikan uangnya tidak dikembalikan dua kali.`,
    };
    return { work: [alert], summary: { held: false, why: "already refunded outside by a seller" } };
  }
  if (payment.gateway === "WALLET") throw new PermanentFollowupError(`payment ${payment.id} is a wallet payment: no gateway can refund it`);
  if (refundedUnderReview(payment)) return endRefundedReview(deps, loaded);

  const hold = await placeHold(deps.prisma, loaded);
  const work = await holdNotices(deps, loaded, hold);
  // The notices are queued first, and the power-off is a separate step after them: a provider
  // that stays down fails (and retries) this job, but the owner already has the Release/Keep
  // buttons and the customer knows why (the retry re-finds the hold; the notices are queued once).
  let failAfterWork: Error | undefined;
  if (hold.status === "HELD" && hold.instanceId && hold.instanceStatusBefore === "ACTIVE") {
    failAfterWork = await powerOffHeld(deps, hold.instanceId).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
  }
  return { work, summary: { held: true, holdId: hold.id, reversedIdr: hold.reversedIdr, instanceId: hold.instanceId }, ...(failAfterWork ? { failAfterWork } : {}) };
}

/** The owner's notice (with the Release/Keep buttons) and the customer's, for one hold. */
async function holdNotices(deps: FollowupDeps, { payment, order, chatId, locale }: Loaded, hold: { id: number; instanceId: number | null; reversedIdr: number }): Promise<FollowupWork[]> {
  const amount = formatIdr(payment.receivedIdr ?? payment.totalIdr);
  const vps = hold.instanceId ? (await deps.prisma.instance.findUnique({ where: { id: hold.instanceId }, select: { label: true } }))?.label : undefined;
  const params = { reference: order.reference, gateway: payment.gateway, amount, reversed: formatIdr(hold.reversedIdr), vps: vps ?? "-" };
  const owners = await staffChatIds(deps.prisma, configRoster(deps.staff), "payments.holds");
  const work: FollowupWork[] = owners.map((owner) => ({
    kind: "notify",
    id: ["hold", hold.id, owner],
    chatId: owner,
    key: "hold-owner-notice",
    params,
    buttons: [[{ text: "t:hold-release", data: `hold:rel:${hold.id}` }, { text: "t:hold-keep", data: `hold:keep:${hold.id}` }]],
  }));
  work.push({ kind: "notify", id: ["hold-customer", hold.id], chatId, key: "notify-payment-refunded-hold", locale, params: { reference: order.reference, amount } });
  return work;
}

/**
 * A payment still under review (no seller decided; settle_payment clears review_why when a
 * challenge is cleared and the payment pays) whose money the gateway gave back: it bought
 * nothing, so nothing is taken back or held.
 */
const refundedUnderReview = (payment: Loaded["payment"]) => payment.reviewWhy !== null && payment.reviewResolution === null;

/**
 * The gateway refunded money a seller had not decided about yet: the review ends. Its order, if
 * it was waiting for this money (PAYMENT_REVIEW) and no other payment of it is under review,
 * ends too (CANCELLED, coupon released), instead of staying in review with nothing to review.
 * No hold: no wallet was credited and no VPS was bought with it. Once, under the locks.
 */
async function endRefundedReview(deps: FollowupDeps, { payment, order, chatId, locale }: Loaded): Promise<FollowupOutcome> {
  const cancelled = await deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${payment.id} FOR UPDATE`;
    await tx.$queryRaw`SELECT id FROM orders WHERE id = ${order.id} FOR UPDATE`;
    const stillInReview = await tx.payment.count({ where: { orderId: order.id, status: "REVIEW" } });
    if (stillInReview > 0) return false;
    const moved = await transitionOrder(tx, order.id, "CANCELLED", { type: "SYSTEM", id: "payment-followups" }, { reason: `${payment.gateway} refunded payment #${payment.id} while it was under review`, onlyFrom: ["PAYMENT_REVIEW"] });
    if (!moved.ok) return false;
    await releaseCouponRedemption(tx, order.id);
    await audit(tx, { actorType: "SYSTEM", action: "payment.review_refunded_by_gateway", targetType: "payment", targetId: payment.id, details: { orderId: order.id, why: payment.reviewWhy } });
    return true;
  });
  const amount = formatIdr(payment.receivedIdr ?? payment.totalIdr);
  const work: FollowupWork[] = [
    { kind: "notify", id: ["review-refunded-gateway", payment.id], chatId, key: "notify-payment-refunded-review", locale, params: { reference: order.reference, amount } },
    {
      kind: "alert-owner",
      id: ["review-refunded-gateway", payment.id],
      severity: "info",
      title: `Refund gateway untuk ${order.reference} (masih ditinjau)`,
      detail: `Payment #${payment.id} (${payment.gateway}, ${amount}, ${payment.reviewWhy}) dikembalikan oleh ${payment.gateway} sebelum penjual memutuskan; tidak ada saldo atau VPS yang ditahan.${cancelled ? " Pesanan dibatalkan." : ""}`,
    },
  ];
  return { work, summary: { held: false, why: "refunded while under review", orderCancelled: cancelled } };
}

/**
 * Why an order's money is no longer the shop's, or null: a gateway refunded (charged back) the
 * payment that paid it (a payment paid as usual, or applied by a seller after review). A seller's
 * retry and refund and provisioning stop on it: the owner decides through the refund hold.
 */
export async function orderMoneyTakenBack(db: Db, orderId: number): Promise<string | null> {
  const refunded = await db.payment.findFirst({
    where: { orderId, gatewayRefundedAt: { not: null }, OR: [{ reviewWhy: null }, { reviewResolution: "APPLIED" }] },
    select: { id: true, gateway: true },
  });
  return refunded ? `${refunded.gateway} refunded payment #${refunded.id} of this order (refund/chargeback): the owner decides through its hold` : null;
}

/** Reverses the wallet credit, holds the wallet and suspends the VPS, in one transaction, once. */
async function placeHold(prisma: PrismaClient, { payment, order }: Loaded) {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${payment.id} FOR UPDATE`;
    const existing = await tx.paymentHold.findUnique({ where: { paymentId: payment.id } });
    if (existing) return existing;
    const reason = `${payment.gateway} refunded payment #${payment.id} (${order.reference})`;
    const reversedIdr = await reverseWalletCredit(tx, payment, order.userId);
    await holdWallet(tx, order.userId, reason);
    const instance = await suspendForHold(tx, order.kind === "RENEWAL" ? order.instanceId : ((await tx.instance.findUnique({ where: { orderId: order.id }, select: { id: true } }))?.id ?? null));
    const hold = await tx.paymentHold.create({
      data: { paymentId: payment.id, userId: order.userId, instanceId: instance?.id ?? null, instanceStatusBefore: instance?.before ?? null, reversedIdr, reason },
    });
    await audit(tx, {
      actorType: "SYSTEM",
      action: "payment.hold",
      targetType: "payment",
      targetId: payment.id,
      details: { holdId: hold.id, orderId: order.id, reversedIdr, instanceId: hold.instanceId, reason },
    });
    return hold;
  });
}

/**
 * Takes back the wallet balance this payment credited (all its postings on the customer's
 * wallet), even into the negative: the money is gone, and the hold stops it being spent.
 */
async function reverseWalletCredit(tx: Prisma.TransactionClient, payment: Loaded["payment"], userId: number): Promise<number> {
  const account = walletAccount(userId);
  const { _sum } = await tx.ledgerEntry.aggregate({
    where: { account, transaction: { paymentId: payment.id, idempotencyKey: { not: reversalKey(payment.id) } } },
    _sum: { amountIdr: true },
  });
  const credited = _sum.amountIdr ?? 0;
  if (credited <= 0 || payment.gateway === "WALLET") return 0;
  await postLedger(tx, {
    kind: "ADJUSTMENT",
    idempotencyKey: reversalKey(payment.id),
    entries: [
      { account, userId, amountIdr: -credited },
      { account: gatewayAccount(payment.gateway), amountIdr: credited },
    ],
    orderId: payment.orderId,
    paymentId: payment.id,
    memo: `refund by ${payment.gateway} of payment #${payment.id} taken back`,
    allowOverdraft: true,
  });
  return credited;
}

/**
 * The VPS the refunded order paid for: suspended while held (an expired one stays as it is).
 * One still being built, or whose build failed, is covered as it is: provisioning, a seller's
 * retry and refund all stop on the refunded payment (`orderMoneyTakenBack`).
 */
async function suspendForHold(tx: Prisma.TransactionClient, instanceId: number | null): Promise<{ id: number; before: InstanceStatus } | null> {
  if (instanceId === null) return null;
  await tx.$queryRaw`SELECT id FROM instances WHERE id = ${instanceId} FOR UPDATE`;
  const instance = await tx.instance.findUniqueOrThrow({ where: { id: instanceId }, select: { id: true, status: true } });
  if (instance.status === "PROVISIONING" || instance.status === "FAILED") return { id: instance.id, before: instance.status };
  if (instance.status !== "ACTIVE" && instance.status !== "OFF" && instance.status !== "SUSPENDED") return null;
  if (instance.status !== "SUSPENDED") await tx.instance.update({ where: { id: instance.id }, data: { status: "SUSPENDED", suspendedAt: new Date() } });
  return { id: instance.id, before: instance.status };
}

/** Stops the held VPS at its provider (already off, or gone: nothing to do). A failure retries the job. */
async function powerOffHeld(deps: FollowupDeps, instanceId: number): Promise<void> {
  const instance = await deps.prisma.instance.findUniqueOrThrow({ where: { id: instanceId }, select: { status: true, providerCode: true, providerInstanceId: true } });
  const provider = deps.providers[instance.providerCode];
  if (instance.status !== "SUSPENDED" || !provider || !instance.providerInstanceId) return;
  try {
    const server = await provider.getServer(instance.providerInstanceId);
    if (server && server.status !== "off") await provider.action(instance.providerInstanceId, "power_off");
  } catch (error) {
    if (error instanceof CloudError && error.code === "not_found") return;
    throw error;
  }
}

export type HoldDecision =
  | { ok: true; decision: "release" | "keep"; holdId: number; userId: number; resumed?: ResumeResult }
  | { ok: false; why: string };

/**
 * The owner's decision about a hold, audited. Release: the hold ends, the wallet is free again
 * (unless another hold still holds it) and the VPS returns to how it was (powered on again if it
 * was running). Keep: the hold stays; it can still be released later.
 */
export async function decideHold(prisma: PrismaClient, input: { holdId: number; owner: { userId: number; role: "SELLER" | "OWNER" }; decision: "release" | "keep" }): Promise<HoldDecision> {
  const decided = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payment_holds WHERE id = ${input.holdId} FOR UPDATE`;
    const hold = await tx.paymentHold.findUnique({ where: { id: input.holdId } });
    if (!hold) return { ok: false, why: "unknown hold" } as const;
    if (hold.status === "RELEASED") return { ok: false, why: "the hold was already released" } as const;
    if (input.decision === "keep" && hold.status === "KEPT") return { ok: false, why: "the hold is already kept" } as const;
    const status = input.decision === "keep" ? "KEPT" : "RELEASED";
    await tx.paymentHold.update({ where: { id: hold.id }, data: { status, decidedById: input.owner.userId, decidedAt: new Date() } });
    if (status === "RELEASED") {
      const others = await tx.paymentHold.count({ where: { userId: hold.userId, status: { in: ["HELD", "KEPT"] }, id: { not: hold.id } } });
      if (others === 0) await releaseWallet(tx, hold.userId);
      // A VPS that was off before stays off; a running one is powered on below.
      if (hold.instanceId && hold.instanceStatusBefore === "OFF") await tx.instance.updateMany({ where: { id: hold.instanceId, status: "SUSPENDED" }, data: { status: "OFF", suspendedAt: null } });
    }
    await audit(tx, { actorUserId: input.owner.userId, actorType: input.owner.role, action: `payment.hold.${input.decision}`, targetType: "payment", targetId: hold.paymentId, details: { holdId: hold.id } });
    return { ok: true, hold } as const;
  });
  if (!decided.ok) return decided;
  const { hold } = decided;
  const resumed = input.decision === "release" && hold.instanceId && hold.instanceStatusBefore === "ACTIVE" ? await resumeSuspended(prisma, { instanceId: hold.instanceId }) : undefined;
  return { ok: true, decision: input.decision, holdId: hold.id, userId: hold.userId, ...(resumed ? { resumed } : {}) };
}
