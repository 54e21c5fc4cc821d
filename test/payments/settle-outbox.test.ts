/**
 * The transactional outbox of settlement: settle_payment records the follow-up job its result
 * needs in job_outbox, in the same transaction, with exactly the id and payload the job layer
 * would queue (jobs/dispatch-settlement.ts `followupOf`). So a crash right after the settlement
 * commits loses nothing, and the webhook only pushes the job to Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { dispatchSettled, followupOf } from "../../jobs/dispatch-settlement.js";
import { parsePayload, QueueName } from "../../jobs/queues.js";
import type { Settled } from "../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { createPendingOrder, createWebhookHarness, type WebhookHarness } from "../webhooks/payments/harness.js";
import { paidOutcome, settle } from "./support.js";

let db: TestDatabase;
let prisma: PrismaClient;
let h: WebhookHarness;
const prefix = uniquePrefix("settle-outbox");

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
});

afterAll(async () => {
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const outboxRows = (paymentId: number) =>
  prisma.jobOutbox.findMany({ where: { queue: QueueName.PaymentFollowups, payload: { path: ["paymentId"], equals: paymentId } }, select: { jobId: true, payload: true, status: true }, orderBy: { jobId: "asc" } });

/** The row settle_payment wrote equals what the job layer would have queued for the result. */
async function expectRecorded(settled: Settled) {
  const followup = followupOf(settled.settlement)!;
  expect(followup).toBeDefined();
  expect(await outboxRows(settled.paymentId!)).toEqual([{ jobId: followup.id, payload: parsePayload(QueueName.PaymentFollowups, followup.payload), status: "PENDING" }]);
}

describe("settle_payment records the follow-up of its result", () => {
  it("paid, review (with its why), expired (when the order ended) and refunded: the job layer's id and payload", async () => {
    const paid = await createPendingOrder(prisma);
    await expectRecorded(await settle(prisma, paid, paidOutcome(paid.totalIdr)));

    const review = await createPendingOrder(prisma);
    await expectRecorded(await settle(prisma, review, paidOutcome(1_000)));

    const expired = await createPendingOrder(prisma);
    await expectRecorded(await settle(prisma, expired, { kind: "expired" }));

    const refunded = await settle(prisma, paid, { kind: "refunded" });
    expect((await outboxRows(paid.paymentId)).map((r) => r.jobId).sort()).toEqual([`paid-${paid.paymentId}`, `refunded-${paid.paymentId}`]);
    expect(followupOf(refunded.settlement)?.id).toBe(`refunded-${paid.paymentId}`);
  });

  it("nothing for results that need no follow-up (pending, an attempt that ends while another is open, a duplicate)", async () => {
    const p = await createPendingOrder(prisma);
    await settle(prisma, p, { kind: "pending" });
    await prisma.payment.create({ data: { orderId: p.orderId, gateway: "MIDTRANS", attemptRef: `${p.attemptRef}-open`, amountIdr: p.amountIdr, totalIdr: p.amountIdr } });
    expect((await settle(prisma, p, { kind: "failed" })).settlement).toMatchObject({ result: "expired", orderExpired: false });
    expect(await outboxRows(p.paymentId)).toEqual([]);
  });

  it("a challenge, then a capture of the wrong amount: a second review follow-up under the new reason (the first one's card is done)", async () => {
    const p = await createPendingOrder(prisma, { gateway: "MIDTRANS" });
    const challenged = await settle(prisma, p, { kind: "challenge", amountIdr: p.totalIdr });
    expect(challenged.settlement).toMatchObject({ result: "review", why: "challenge" });
    await prisma.jobOutbox.updateMany({ where: { jobId: `review-${p.paymentId}-challenge` }, data: { status: "DONE" } });
    const mismatch = await settle(prisma, p, paidOutcome(p.totalIdr - 500));
    expect(mismatch.settlement).toMatchObject({ result: "review", why: "amount_mismatch" });
    expect((await outboxRows(p.paymentId)).map((r) => [r.jobId, r.status])).toEqual([
      [`review-${p.paymentId}-amount_mismatch`, "PENDING"],
      [`review-${p.paymentId}-challenge`, "DONE"],
    ]);
    expect(followupOf(mismatch.settlement)?.id).toBe(`review-${p.paymentId}-amount_mismatch`);
  });

  it("a challenge the gateway denies: its expired follow-up (the sellers' card is withdrawn)", async () => {
    const p = await createPendingOrder(prisma, { gateway: "MIDTRANS" });
    await settle(prisma, p, { kind: "challenge", amountIdr: p.totalIdr });
    const denied = await settle(prisma, p, { kind: "failed" });
    expect(denied.settlement).toMatchObject({ result: "expired", orderExpired: true, challengeEnded: true });
    expect((await outboxRows(p.paymentId)).map((r) => r.jobId)).toEqual([`expired-${p.paymentId}`, `review-${p.paymentId}-challenge`]);
    expect(followupOf(denied.settlement)?.id).toBe(`expired-${p.paymentId}`);
  });

  it("the webhook path only pushes it: the job reaches Redis under that id, the outbox keeps one row", async () => {
    const p = await createPendingOrder(prisma);
    const settled = await settle(prisma, p, paidOutcome(p.totalIdr));
    await dispatchSettled(h.queues, settled);
    expect((await h.queues.get(QueueName.PaymentFollowups).getJob(`paid-${p.paymentId}`))?.data).toEqual({ kind: "paid", paymentId: p.paymentId });
    expect(await outboxRows(p.paymentId)).toHaveLength(1);
  });
});
