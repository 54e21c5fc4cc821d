import { Hono } from "hono";
import { paymentDecided, queueCardEdits } from "../../../jobs/card-edits.js";
import { dispatchSettlement } from "../../../jobs/dispatch-settlement.js";
import { tellReviewOutcome } from "../../../jobs/review-outcome.js";
import type { Queues } from "../../../jobs/queues.js";
import type { PrismaClient } from "../../../db/client.js";
import { ProofUnavailableError, readProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { refundReviewedPayment, rejectPayment } from "../../../shop/payments/review.js";
import { approveWithRule } from "../../../shop/pending/approval.js";
import { ageOf, pendingItems } from "../../../shop/pending/items.js";
import { can, configRoster, type Permission } from "../../../shop/users/staff.js";
import { appError, idParam, jsonBody } from "../reply.js";
import { actorFor, requirePermission, type StaffEnv } from "./guard.js";

/** What /pending lists, and for whom: money items for payments.review, provisioning for provisioning.retry. */
const QUEUE_PERMISSIONS: Permission[] = ["payments.review", "provisioning.retry"];

/** The longest reason kept (the chat keeps as much of a typed one). */
const REASON_MAX = 500;

export interface PendingApiDeps {
  prisma: PrismaClient;
  queues: Queues;
  /** The two-person rule (APPROVAL_SECOND_STAFF_ABOVE_IDR), who is staff (OWNER_IDS/SELLER_IDS), and where screenshots are kept sealed. */
  config: { pending: { secondStaffAboveIdr: number }; ownerIds: number[]; sellerIds: number[]; encryptionKey: Uint8Array; dataDir: string };
}

/**
 * The pending queue, oldest first with its age, exactly the items /pending lists for the same
 * member (shop/pending/items.ts). From a row: the transfer screenshot, and approving a payment
 * the way the card's ✅ does (the two-person rule, every staff copy of the card edited, the
 * settlement's follow-up queued); refusing a screenshot or giving money under review back (to the
 * wallet or outside) with the reason the customer reads, as the card's ❌ and its reason step do
 * (one person, `rejectPayment` / `refundReviewedPayment`, audited there, every staff copy of the
 * card edited, the customer told).
 */
export function pendingApi(deps: PendingApiDeps) {
  const app = new Hono<StaffEnv>();

  app.get("/", requirePermission(...QUEUE_PERMISSIONS), async (c) => {
    const held = QUEUE_PERMISSIONS.filter((p) => can(c.get("appUser"), p));
    const items = await pendingItems(deps.prisma, held);
    return c.json({ items: items.map((item) => ({ ...item, age: ageOf(item.since) })) });
  });

  app.get("/proofs/:id/image", requirePermission("payments.review"), async (c) => {
    const proofId = idParam(c.req.param("id"));
    if (!proofId) return appError(c, 404, "not_found", "No such screenshot.");
    try {
      const image = await readProof(deps.prisma, { key: deps.config.encryptionKey, dataDir: deps.config.dataDir, proofId });
      return c.body(new Uint8Array(image), 200, { "content-type": "image/jpeg", "cache-control": "no-store" });
    } catch (err) {
      if (!(err instanceof ProofUnavailableError)) throw err;
      return appError(c, 404, "not_found", err.message);
    }
  });

  app.post("/payments/:id/approve", requirePermission("payments.review"), async (c) => {
    const paymentId = idParam(c.req.param("id"));
    if (!paymentId) return appError(c, 404, "not_found", "No such payment.");
    const reviewer = actorFor(c, "payments.review");
    const actor = { userId: reviewer.userId, name: c.get("appUser").firstName };
    const result = await approveWithRule(deps.prisma, {
      paymentId,
      reviewer,
      reviewerName: actor.name,
      secondAboveIdr: deps.config.pending.secondStaffAboveIdr,
      roster: configRoster(deps.config),
    });
    if (result.result === "same_member") return appError(c, 409, "same_member", "You gave the first approval: a second, different member must approve.");
    if (result.result === "first_of_two") {
      await queueCardEdits(deps.queues, [{ key: result.key, version: result.version }]);
      return c.json({ result: "first_of_two", amountIdr: result.amountIdr });
    }
    if (result.result !== "paid" && result.result !== "review") {
      const why = "why" in result && result.why ? result.why : result.result;
      return appError(c, 409, "not_possible", `Not approved: ${why}.`);
    }
    // "paid" ended the payment; "review" (a late transfer) put its money under review: that card stays open.
    await paymentDecided(deps, paymentId, "approved", actor, result.result === "paid");
    await dispatchSettlement(deps.queues, result);
    return c.json({ result: result.result });
  });

  // The card's ❌: a screenshot is refused, money under review goes back (`to`), with a reason the customer reads.
  app.post("/payments/:id/reject", requirePermission("payments.review"), async (c) => {
    const paymentId = idParam(c.req.param("id"));
    if (!paymentId) return appError(c, 404, "not_found", "No such payment.");
    const body = await jsonBody(c);
    const reason = typeof body?.reason === "string" ? body.reason.trim() : "";
    if (reason.length === 0 || reason.length > REASON_MAX) return appError(c, 400, "bad_reason", `A reason is needed (1 to ${REASON_MAX} characters): the customer reads it.`);
    const to = body?.to === undefined ? null : body.to === "wallet" || body.to === "outside" ? body.to : undefined;
    if (to === undefined) return appError(c, 400, "bad_refund", 'to must be "wallet" or "outside" (money under review), or left out (a screenshot).');
    const reviewer = actorFor(c, "payments.review");
    const result = to === null ? await rejectPayment(deps.prisma, { paymentId, reviewer, reason }) : await refundReviewedPayment(deps.prisma, { paymentId, reviewer, reason, to });
    if (result.result !== "rejected" && result.result !== "returned") {
      const why = "why" in result && result.why ? result.why : result.result;
      return appError(c, 409, "not_possible", `Not refused: ${why}.`);
    }
    const outcome = result.result === "rejected" ? "rejected" : result.to === "wallet" ? "refunded-wallet" : "refunded-outside";
    await paymentDecided(deps, paymentId, outcome, { userId: reviewer.userId, name: c.get("appUser").firstName }, result.result === "returned");
    await tellReviewOutcome(deps, result, reason);
    return c.json({ result: result.result, ...(result.result === "returned" ? { to: result.to, amountIdr: result.amountIdr, orderCancelled: result.orderCancelled } : {}) });
  });

  return app;
}
