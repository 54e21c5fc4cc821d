/**
 * The two-person rule: approving more than the configured amount takes two different staff
 * members. The first approval is recorded on the payment's card (audited, under the payment's
 * row lock, so two first taps at once make one "1/2" and one second approval); the second, by
 * someone else, is an ordinary approval (approvePayment, which locks and checks again). The
 * same member approving twice is refused. Rejecting or giving money back needs one person.
 */
import type { Db, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { approvePayment, type ReviewResult, type Reviewer } from "../payments/review.js";
import { effectiveStaff, grantFrom, GRANT_SELECT, type Permission, type StaffRoster } from "../users/staff.js";
import { cardKeys } from "./cards.js";

export type ApprovalResult =
  | ReviewResult
  /** The first of two approvals was recorded; `version` is the card's, for editing its copies. */
  | { result: "first_of_two"; key: string; version: number; paymentId: number; amountIdr: number }
  | { result: "same_member"; key: string; paymentId: number };

export interface ApprovalInput {
  paymentId: number;
  reviewer: Reviewer;
  reviewerName: string;
  secondAboveIdr: number;
  /** Who is staff now (configRoster(config)): a first approver who lost payments.review no longer counts. */
  roster: StaffRoster;
}

/**
 * The amount the rule looks at: the larger of what came in and what approving settles (an
 * underpayment under review still marks the whole order paid).
 */
export const ruleAmountIdr = (p: { receivedIdr: number | null; totalIdr: number }) => Math.max(p.receivedIdr ?? 0, p.totalIdr);

/**
 * Approves a payment, or records the first of two approvals when its amount is above
 * `secondAboveIdr` (0: the rule is off and this is approvePayment).
 */
export async function approveWithRule(prisma: PrismaClient, input: ApprovalInput): Promise<ApprovalResult> {
  if (input.secondAboveIdr > 0) {
    const gate = await firstApproval(prisma, input);
    if (gate) return gate;
  }
  return approvePayment(prisma, { paymentId: input.paymentId, reviewer: input.reviewer });
}

/** Records the first approval (or refuses a repeat by the same member); null: go on and approve. */
async function firstApproval(prisma: PrismaClient, input: ApprovalInput): Promise<ApprovalResult | null> {
  return prisma.$transaction(async (tx) => {
    // The lock approvePayment and settlement take first: first approvals and decisions queue up here.
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId }, select: { id: true, status: true, gateway: true, totalIdr: true, receivedIdr: true, orderId: true } });
    if (!payment) return null;
    const amountIdr = ruleAmountIdr(payment);
    if (amountIdr <= input.secondAboveIdr) return null;
    let key: string;
    if (payment.status === "REVIEW") key = cardKeys.review(payment.id);
    else if (payment.gateway === "MANUAL_TRANSFER" && (payment.status === "PENDING" || payment.status === "EXPIRED")) {
      const proof = await tx.transferProof.findFirst({ where: { paymentId: payment.id, status: "PENDING" }, orderBy: { id: "desc" }, select: { id: true } });
      key = proof ? cardKeys.proof(proof.id) : cardKeys.review(payment.id);
    } else return null; // not approvable: approvePayment says why
    return gateCard(tx, { ...input, key, paymentId: payment.id, orderId: payment.orderId, amountIdr, action: "payment.approve.first", permission: "payments.review" });
  });
}

/** The payment's mark-paid card (the orders console's own first approval of a gateway payment). */
export const markPaidKey = (paymentId: number) => `markpaid:${paymentId}`;

/**
 * The two-person rule for the orders console's "mark paid" (a gateway payment whose callback
 * never came): above `secondAboveIdr` the first member's mark-paid (with its reason) is recorded
 * as the first of two, under the payment's row lock and audited; the same member again is
 * refused; a second, different member goes on (null) and settles. Null too when the rule is off,
 * the amount is at most the threshold, or the payment cannot be marked paid (the action says why).
 */
export async function markPaidWithRule(prisma: PrismaClient, input: ApprovalInput & { reason: string }): Promise<Extract<ApprovalResult, { result: "first_of_two" | "same_member" }> | null> {
  if (input.secondAboveIdr <= 0) return null;
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId }, select: { id: true, status: true, totalIdr: true, receivedIdr: true, orderId: true } });
    if (!payment || !["PENDING", "EXPIRED", "FAILED"].includes(payment.status)) return null;
    const amountIdr = ruleAmountIdr(payment);
    if (amountIdr <= input.secondAboveIdr) return null;
    const gate = await gateCard(tx, { ...input, key: markPaidKey(payment.id), paymentId: payment.id, orderId: payment.orderId, amountIdr, action: "payment.mark-paid.first", permission: "orders.manage" });
    return gate && (gate.result === "first_of_two" || gate.result === "same_member") ? gate : null;
  });
}

interface GateInput extends ApprovalInput {
  key: string;
  orderId: number;
  amountIdr: number;
  /** The audit action of a first approval on this card. */
  action: string;
  /** What its giver must still hold for it to count. */
  permission: Permission;
  reason?: string;
}

/** Records the first approval on card `key` (or refuses a repeat by the same member); null: the second member, go on. */
async function gateCard(tx: Db, input: GateInput): Promise<ApprovalResult | null> {
  const { key, amountIdr } = input;
  const payment = { id: input.paymentId, orderId: input.orderId };
  await tx.$executeRaw`INSERT INTO staff_cards (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING`;
  const [card] = await tx.$queryRaw<Array<{ version: number; outcome: string | null; first_approver_id: number | null }>>`
    SELECT version, outcome, first_approver_id FROM staff_cards WHERE key = ${key} FOR UPDATE`;
  if (!card) return null;
  // A closed card whose payment can still be approved (a refused screenshot, a stale button)
  // never means "approve alone": the card opens again and this is a fresh first approval.
  let reset: string | null = card.outcome !== null ? "card_closed" : null;
  if (!reset && card.first_approver_id !== null) {
    reset = await staleFirstApproval(tx, input, card.first_approver_id);
    if (!reset && card.first_approver_id === input.reviewer.userId) return { result: "same_member", key, paymentId: payment.id };
    if (!reset) return null; // the second, different member: approve
  }
  const [updated] = await tx.$queryRaw<Array<{ version: number }>>`
    UPDATE staff_cards SET first_approver_id = ${input.reviewer.userId}, first_approver_name = ${input.reviewerName}, first_approved_at = now(),
           outcome = NULL, actor_user_id = NULL, actor_name = NULL, acted_at = NULL,
           version = version + 1, updated_at = now()
     WHERE key = ${key} RETURNING version`;
  await audit(tx, {
    actorUserId: input.reviewer.userId,
    actorType: input.reviewer.role,
    action: input.action,
    targetType: "payment",
    targetId: payment.id,
    details: {
      orderId: payment.orderId,
      amountIdr,
      thresholdIdr: input.secondAboveIdr,
      before: { approvals: reset ? 0 : card.first_approver_id === null ? 0 : 1, firstApproverId: card.first_approver_id, outcome: card.outcome },
      after: { approvals: 1, needed: 2 },
      ...(reset ? { reset } : {}),
      ...(input.reason ? { reason: input.reason.trim().slice(0, 500) } : {}),
    },
  });
  return { result: "first_of_two", key, version: updated!.version, paymentId: payment.id, amountIdr };
}

/**
 * Why a recorded first approval no longer counts (null: it does): the amount changed since it
 * was given (its audit row says what was approved), or its giver no longer holds the permission it needs.
 */
async function staleFirstApproval(tx: Db, input: GateInput, approverId: number): Promise<string | null> {
  const { roster, amountIdr } = input;
  const first = await tx.auditLog.findFirst({
    where: { action: input.action, targetType: "payment", targetId: String(input.paymentId), actorUserId: approverId },
    orderBy: { id: "desc" },
    select: { details: true },
  });
  const approved = (first?.details as { amountIdr?: unknown } | null)?.amountIdr;
  if (approved !== amountIdr) return "amount_changed";
  const user = await tx.user.findUnique({ where: { id: approverId }, select: { telegramId: true, blocked: true, bannedAt: true, staffMembership: { select: GRANT_SELECT } } });
  if (!user || user.blocked || user.bannedAt) return "approver_gone";
  const { permissions } = effectiveStaff(roster.roleOf(Number(user.telegramId)), grantFrom(user.staffMembership));
  return permissions.includes(input.permission) ? null : "approver_gone";
}
