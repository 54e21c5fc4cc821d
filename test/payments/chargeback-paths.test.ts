/**
 * Money a gateway gives back (refund, chargeback) or never captured (a denied fraud challenge),
 * on real Postgres and Redis through the payment follow-up processor: a chargeback takes back
 * what a seller or the system refunded to the wallet; nothing is retried, refunded, credited or
 * provisioned for a refunded payment; a challenge under review cannot be applied or refunded to
 * the wallet and ends when the gateway denies it; a refund of money under review ends its order
 * without holding anything; the owner's notice is queued even when the power-off keeps failing,
 * and the recovery sweep re-runs the follow-up of a hold whose notice was never queued.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId, QueueName } from "../../jobs/queues.js";
import { paymentFollowupsProcessor } from "../../jobs/processors/payment-followups.processor.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { CloudError } from "../../shop/cloud/provider.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { refundFollowupsLeftUndone } from "../../shop/orders/stranded.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { createLogger } from "../../shop/platform/logger.js";
import { holdAfterGatewayRefund } from "../../shop/payments/chargeback.js";
import { approvePayment, refundReviewedPayment } from "../../shop/payments/review.js";
import { provisionOrder, type ProvisionDeps } from "../../shop/provisioning/provision.js";
import { refundFailedOrder, retryProvisioning } from "../../shop/provisioning/staff-actions.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { creditTopUp } from "../../shop/wallet/credits.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { createPendingOrder, createWebhookHarness, type WebhookHarness } from "../webhooks/payments/harness.js";
import { anotherAttempt, paidOutcome, recordingCloud, renewalOrder, settle, topUpOrder, vpsOf } from "./support.js";

const SELLER = 7_600_001;
const OWNER = 7_600_002;
let db: TestDatabase;
let h: WebhookHarness;
let seller: { userId: number; role: "SELLER" };
const prefix = uniquePrefix("chargeback-paths");
const cloud = recordingCloud();

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
  seller = { userId: (await h.prisma.user.create({ data: { telegramId: BigInt(SELLER), firstName: "Penjual", role: "SELLER" } })).id, role: "SELLER" };
});

afterAll(async () => {
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const STAFF = { sellerIds: [SELLER], ownerIds: [OWNER] };
const processor = (provider: CloudProvider = cloud.provider) => paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, providers: { DIGITALOCEAN: provider }, staff: STAFF });
const job = (queue: QueueName, ...id: Array<string | number>) => h.queues.get(queue).getJob(jobId(...id));
const orderOf = (orderId: number) => h.prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { couponRedemption: true } });

/** A new-VPS order paid through the gateway whose provisioning failed for good. */
async function failedOrder() {
  const p = await createPendingOrder(h.prisma);
  expect((await settle(h.prisma, p, paidOutcome(p.totalIdr))).settlement.result).toBe("paid");
  const moved = await transitionOrder(h.prisma, p.orderId, "PROVISIONING_FAILED", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PAID"] });
  expect(moved.ok).toBe(true);
  return p;
}

describe("a chargeback after a refund to the wallet", () => {
  it("takes back what the seller refunded after a failed provisioning (the refund names the paying payment)", async () => {
    const p = await failedOrder();
    const refunded = await refundFailedOrder({ prisma: h.prisma, providers: {} }, p.orderId, seller);
    expect(refunded).toMatchObject({ ok: true, amountIdr: p.totalIdr });
    expect(await walletBalance(h.prisma, p.userId)).toBe(p.totalIdr);

    expect((await settle(h.prisma, p, { kind: "refunded" })).settlement.result).toBe("refunded");
    expect(await processor()({ kind: "refunded", paymentId: p.paymentId })).toMatchObject({ held: true, reversedIdr: p.totalIdr });
    // The customer does not keep both the card refund and the wallet balance.
    expect(await walletBalance(h.prisma, p.userId)).toBe(0);
    expect((await h.prisma.wallet.findUniqueOrThrow({ where: { userId: p.userId } })).heldAt).toBeInstanceOf(Date);
  });

  it("takes back the system's refund of a renewal paid after its VPS was deleted", async () => {
    const first = await createPendingOrder(h.prisma);
    const vps = await vpsOf(h.prisma, first, { status: "DELETED", expiresAt: new Date(Date.now() - 8 * 86_400_000) });
    const renewal = await renewalOrder(h.prisma, vps.id);
    await settle(h.prisma, renewal, paidOutcome(renewal.totalIdr));
    await processor()({ kind: "paid", paymentId: renewal.paymentId });
    expect(await walletBalance(h.prisma, renewal.userId)).toBe(renewal.totalIdr);

    await settle(h.prisma, renewal, { kind: "refunded" });
    expect(await processor()({ kind: "refunded", paymentId: renewal.paymentId })).toMatchObject({ held: true, reversedIdr: renewal.totalIdr });
    expect(await walletBalance(h.prisma, renewal.userId)).toBe(0);
  });
});

describe("a payment the gateway refunded", () => {
  it("stops a seller's retry and refund of its failed order (clear reason), and its hold covers the failed VPS", async () => {
    const p = await failedOrder();
    const vps = await vpsOf(h.prisma, p, { status: "FAILED" });
    await settle(h.prisma, p, { kind: "refunded" });
    await processor()({ kind: "refunded", paymentId: p.paymentId });
    const hold = await h.prisma.paymentHold.findUniqueOrThrow({ where: { paymentId: p.paymentId } });
    expect(hold).toMatchObject({ instanceId: vps.id, instanceStatusBefore: "FAILED" });

    const retry = await retryProvisioning({ prisma: h.prisma }, p.orderId, seller);
    expect(retry).toMatchObject({ ok: false, why: expect.stringContaining("refunded payment") });
    const refund = await refundFailedOrder({ prisma: h.prisma, providers: {} }, p.orderId, seller);
    expect(refund).toMatchObject({ ok: false, why: expect.stringContaining("refunded payment") });
    expect(await walletBalance(h.prisma, p.userId)).toBe(0);
    expect((await orderOf(p.orderId)).status).toBe("PROVISIONING_FAILED");
  });

  it("credits no top-up when its `paid` follow-up runs after the `refunded` one", async () => {
    const top = await topUpOrder(h.prisma, { totalIdr: 70_000 });
    await settle(h.prisma, top, paidOutcome(top.totalIdr));
    await settle(h.prisma, top, { kind: "refunded" });
    await processor()({ kind: "refunded", paymentId: top.paymentId }); // nothing credited yet: reverses 0
    expect(await processor()({ kind: "paid", paymentId: top.paymentId })).toMatchObject({ skipped: expect.stringContaining("refunded") });
    expect(await walletBalance(h.prisma, top.userId)).toBe(0);
    // The ledger itself refuses too (a follow-up that read the payment just before the refund).
    await expect(creditTopUp(h.prisma, { userId: top.userId, amountIdr: top.totalIdr, orderId: top.orderId, paymentId: top.paymentId, gatewayCode: "TRIPAY" })).rejects.toThrow(/refunded/);
  });

  it("is not provisioned: neither a paid follow-up after it nor a provisioning run already queued", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    await settle(h.prisma, p, { kind: "refunded" });
    await processor()({ kind: "paid", paymentId: p.paymentId });
    expect(await job(QueueName.Provisioning, "provision", p.orderId)).toBeUndefined();
    const run = await provisionOrder({ prisma: h.prisma, providers: {} } as unknown as ProvisionDeps, p.orderId);
    expect(run).toMatchObject({ status: "skipped", why: expect.stringContaining("refunded payment") });
    expect((await orderOf(p.orderId)).status).toBe("PAID");
  });
});

describe("a fraud challenge under review", () => {
  it("cannot be approved nor refunded to the wallet; the card offers only 'returned outside'", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS" });
    expect((await settle(h.prisma, p, { kind: "challenge", amountIdr: p.totalIdr })).settlement).toMatchObject({ result: "review", why: "challenge" });
    expect(await approvePayment(h.prisma, { paymentId: p.paymentId, reviewer: seller })).toMatchObject({ result: "not_reviewable", why: expect.stringContaining("not captured") });
    expect(await refundReviewedPayment(h.prisma, { paymentId: p.paymentId, reviewer: seller, reason: "x", to: "wallet" })).toMatchObject({ result: "not_reviewable" });
    expect(await walletBalance(h.prisma, p.userId)).toBe(0);
    expect((await orderOf(p.orderId)).status).toBe("PAYMENT_REVIEW");

    await processor()({ kind: "review", paymentId: p.paymentId, why: "challenge" });
    const card = await job(QueueName.Notifications, "review-staff", p.paymentId, "challenge", SELLER);
    expect((card?.data.buttons as Array<Array<{ data: string }>>).flat().map((b) => b.data)).toEqual([`rev:out:${p.paymentId}`]);
  });

  it("denied by the gateway: the payment fails, the order is cancelled (coupon released), sellers and customer are told", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS", coupon: true });
    await settle(h.prisma, p, { kind: "challenge", amountIdr: p.totalIdr });
    const denied = await settle(h.prisma, p, { kind: "failed" });
    expect(denied.settlement).toMatchObject({ result: "expired", orderExpired: true, challengeEnded: true });
    expect(await h.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } })).toMatchObject({ status: "FAILED" });
    const order = await orderOf(p.orderId);
    expect(order.status).toBe("CANCELLED");
    expect(order.couponRedemption?.status).toBe("RELEASED");

    await processor()({ kind: "expired", paymentId: p.paymentId });
    expect((await job(QueueName.Notifications, "review-ended", p.paymentId, SELLER))?.data).toMatchObject({ key: "review-challenge-ended", params: { reference: p.orderReference } });
    expect((await job(QueueName.Notifications, "payment-expired", p.orderId))?.data).toMatchObject({ key: "notify-payment-expired" });
    // Nothing left to decide.
    expect(await approvePayment(h.prisma, { paymentId: p.paymentId, reviewer: seller })).toMatchObject({ result: "not_reviewable" });
  });

  it("captured after all but with the wrong amount: a new card under the new reason", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS" });
    await settle(h.prisma, p, { kind: "challenge", amountIdr: p.totalIdr });
    await processor()({ kind: "review", paymentId: p.paymentId, why: "challenge" });
    const mismatch = await settle(h.prisma, p, paidOutcome(p.totalIdr - 1_000));
    expect(mismatch.settlement).toMatchObject({ result: "review", why: "amount_mismatch" });
    await processor()({ kind: "review", paymentId: p.paymentId, why: "amount_mismatch" });
    const card = await job(QueueName.Notifications, "review-staff", p.paymentId, "amount_mismatch", SELLER);
    expect(card?.data.params).toMatchObject({ why: "t:review-why-amount_mismatch" });
    expect((card?.data.buttons as Array<Array<{ data: string }>>).flat().map((b) => b.data)).toContain(`rev:ok:${p.paymentId}`);
  });
});

describe("a gateway refund of money under review", () => {
  it("ends its order (cancelled, coupon released) and holds nothing", async () => {
    const p = await createPendingOrder(h.prisma, { coupon: true });
    expect((await settle(h.prisma, p, paidOutcome(1_000))).settlement).toMatchObject({ result: "review", why: "amount_mismatch" });
    await settle(h.prisma, p, { kind: "refunded" });
    expect(await processor()({ kind: "refunded", paymentId: p.paymentId })).toMatchObject({ held: false, orderCancelled: true });
    await processor()({ kind: "refunded", paymentId: p.paymentId }); // a retry changes nothing
    const order = await orderOf(p.orderId);
    expect(order.status).toBe("CANCELLED");
    expect(order.couponRedemption?.status).toBe("RELEASED");
    expect(await h.prisma.paymentHold.count({ where: { paymentId: p.paymentId } })).toBe(0);
    expect((await h.prisma.wallet.findUnique({ where: { userId: p.userId } }))?.heldAt ?? null).toBeNull();
    expect((await job(QueueName.Notifications, "review-refunded-gateway", p.paymentId))?.data).toMatchObject({ key: "notify-payment-refunded-review" });
    expect(await h.prisma.auditLog.count({ where: { action: "payment.review_refunded_by_gateway", targetId: String(p.paymentId) } })).toBe(1);
  });

  it("a double payment refunded while under review leaves the paid order and its VPS alone", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    const vps = await vpsOf(h.prisma, p);
    const second = await anotherAttempt(h.prisma, p);
    expect((await settle(h.prisma, { attemptRef: second.attemptRef }, paidOutcome(second.totalIdr))).settlement).toMatchObject({ result: "review", why: "already_paid" });
    await settle(h.prisma, { attemptRef: second.attemptRef }, { kind: "refunded" });
    expect(await processor()({ kind: "refunded", paymentId: second.id })).toMatchObject({ held: false, orderCancelled: false });
    expect((await h.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
    expect((await orderOf(p.orderId)).status).toBe("PAID");
  });
});

describe("a hold whose power-off keeps failing", () => {
  it("queues the owner's Release/Keep notice and the customer's before the power-off, then fails the job for a retry", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    const vps = await vpsOf(h.prisma, p);
    await settle(h.prisma, p, { kind: "refunded" });
    const down = {
      code: "DIGITALOCEAN",
      async getServer() {
        throw new CloudError("DIGITALOCEAN", "unavailable", "provider down", true);
      },
      async action() {
        throw new CloudError("DIGITALOCEAN", "unavailable", "provider down", true);
      },
    } as unknown as CloudProvider;
    await expect(processor(down)({ kind: "refunded", paymentId: p.paymentId })).rejects.toThrow(/provider down/);
    const hold = await h.prisma.paymentHold.findUniqueOrThrow({ where: { paymentId: p.paymentId } });
    expect(hold).toMatchObject({ status: "HELD", instanceId: vps.id });
    expect((await job(QueueName.Notifications, "hold", hold.id, OWNER))?.data).toMatchObject({ key: "hold-owner-notice" });
    expect((await job(QueueName.Notifications, "hold-customer", hold.id))?.data).toMatchObject({ key: "notify-payment-refunded-hold" });
    // The provider answers again: the retry powers it off and queues nothing twice.
    await processor()({ kind: "refunded", paymentId: p.paymentId });
    expect(cloud.actions).toContainEqual({ id: vps.providerInstanceId, action: "power_off" });
  });
});

describe("a refund follow-up that failed for good with work left", () => {
  const sweep = () => recoverJobs({ prisma: h.prisma, queues: h.queues, processors: {}, logger: createLogger({ role: "test", level: "silent" }), graceMs: 0 });
  /** The follow-up job the sweep queued again for this payment. */
  const rerunOf = async (paymentId: number) =>
    (await h.queues.get(QueueName.PaymentFollowups).getJobs(["waiting", "delayed", "prioritized"])).find((j) => j.id?.startsWith(jobId("refunded", paymentId, "again")));

  it("a HELD hold with no owner notice: the sweep runs it again, which queues the owner's Release/Keep notice once", async () => {
    const top = await topUpOrder(h.prisma, { totalIdr: 40_000 });
    await settle(h.prisma, top, paidOutcome(top.totalIdr));
    await settle(h.prisma, top, { kind: "refunded" });
    // The follow-up placed the hold, then its job failed for good before any notice was queued.
    const placed = await holdAfterGatewayRefund({ prisma: h.prisma, providers: {}, staff: STAFF, formatDate: (d: Date) => d.toISOString() }, top.paymentId);
    const holdId = placed.summary.holdId as number;
    // Every other hold here had its notices queued.
    expect(await refundFollowupsLeftUndone(h.prisma, 0)).toEqual([top.paymentId]);

    await sweep();
    const rerun = await rerunOf(top.paymentId);
    expect(rerun?.data).toEqual({ kind: "refunded", paymentId: top.paymentId });
    await processor()(rerun!.data);
    expect((await job(QueueName.Notifications, "hold", holdId, OWNER))?.data).toMatchObject({ key: "hold-owner-notice" });
    expect(await refundFollowupsLeftUndone(h.prisma, 0)).toEqual([]);
    expect(await h.prisma.paymentHold.count({ where: { paymentId: top.paymentId } })).toBe(1);
  });

  it("money under review refunded, its follow-up never run: the sweep runs it, which ends the order", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(2_000));
    await settle(h.prisma, p, { kind: "refunded" });
    expect(await refundFollowupsLeftUndone(h.prisma, 0)).toEqual([p.paymentId]);
    await sweep();
    await processor()((await rerunOf(p.paymentId))!.data);
    expect((await orderOf(p.orderId)).status).toBe("CANCELLED");
    expect(await refundFollowupsLeftUndone(h.prisma, 0)).toEqual([]);
  });
});
