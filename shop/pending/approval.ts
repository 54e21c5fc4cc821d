/**
 * The two-person rule: approving more than the configured amount takes two different staff
 * members. The first approval is recorded on the payment's card (audited, under the payment's
 * row lock, so two first taps at once make one "1/2" and one second approval); the second, by
 * someone else, is an ordinary approval (approvePayment, which locks and checks again). The
 * same member approving twice is refused. Rejecting or giving money back needs one person.
 */
import type { PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { approvePayment, type ReviewResult, type Reviewer } from "../payments/review.js";
import { cardKeys } from "./cards.js";

export type ApprovalResult =
  | ReviewResult
  /** The first of two approvals was recorded; `version` is the card's, for editing its copies. */
  | { result: "first_of_two"; key: string; version: number; paymentId: number; amountIdr: number }
  | { result: "same_member"; key: string; paymentId: number };

/**
 * Approves a payment, or records the first of two approvals when its amount is above
 * `secondAboveIdr` (0: the rule is off and this is approvePayment).
 */
export async function approveWithRule(
  prisma: PrismaClient,
  input: { paymentId: number; reviewer: Reviewer; reviewerName: string; secondAboveIdr: number },
): Promise<ApprovalResult> {
  if (input.secondAboveIdr > 0) {
    const gate = await firstApproval(prisma, input);
    if (gate) return gate;
  }
  return approvePayment(prisma, { paymentId: input.paymentId, reviewer: input.reviewer });
}

/** Records the first approval (or refuses a repeat by the same member); null: go on and approve. */
async function firstApproval(
  prisma: PrismaClient,
  input: { paymentId: number; reviewer: Reviewer; reviewerName: string; secondAboveIdr: number },
): Promise<ApprovalResult | null> {
  return prisma.$transaction(async (tx) => {
    // The lock approvePayment and settlement take first: first approvals and decisions queue up here.
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId }, select: { id: true, status: true, gateway: true, totalIdr: true, receivedIdr: true, orderId: true } });
    if (!payment) return null;
    const amountIdr = payment.receivedIdr ?? payment.totalIdr;
    if (amountIdr <= input.secondAboveIdr) return null;
    let key: string;
    if (payment.status === "REVIEW") key = cardKeys.review(payment.id);
    else if (payment.gateway === "MANUAL_TRANSFER" && (payment.status === "PENDING" || payment.status === "EXPIRED")) {
      const proof = await tx.transferProof.findFirst({ where: { paymentId: payment.id, status: "PENDING" }, orderBy: { id: "desc" }, select: { id: true } });
      key = proof ? cardKeys.proof(proof.id) : cardKeys.review(payment.id);
    } else return null; // not approvable: approvePayment says why
    await tx.$executeRaw`INSERT INTO staff_cards (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING`;
    const [card] = await tx.$queryRaw<Array<{ version: number; outcome: string | null; first_approver_id: number | null }>>`
      SELECT version, outcome, first_approver_id FROM staff_cards WHERE key = ${key} FOR UPDATE`;
    if (!card || card.outcome !== null) return null;
    if (card.first_approver_id === input.reviewer.userId) return { result: "same_member", key, paymentId: payment.id };
    if (card.first_approver_id !== null) return null; // the second, different member: approve
    const [updated] = await tx.$queryRaw<Array<{ version: number }>>`
      UPDATE staff_cards SET first_approver_id = ${input.reviewer.userId}, first_approver_name = ${input.reviewerName}, first_approved_at = now(),
             version = version + 1, updated_at = now()
       WHERE key = ${key} RETURNING version`;
    await audit(tx, {
      actorUserId: input.reviewer.userId,
      actorType: input.reviewer.role,
      action: "payment.approve.first",
      targetType: "payment",
      targetId: payment.id,
      details: { orderId: payment.orderId, amountIdr, thresholdIdr: input.secondAboveIdr, before: { approvals: 0 }, after: { approvals: 1, needed: 2 } },
    });
    return { result: "first_of_two", key, version: updated!.version, paymentId: payment.id, amountIdr };
  });
}
