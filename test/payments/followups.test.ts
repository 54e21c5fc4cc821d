/**
 * Payment follow-up jobs (jobs/processors/payment-followups.processor.ts → shop/payments/followups.ts)
 * on real Postgres and Redis: what a seller's review card says, what a renewal paid during
 * suspension queues (once, and a failure is not hidden), and what a gateway refund holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId, QueueName } from "../../jobs/queues.js";
import { paymentFollowupsProcessor } from "../../jobs/processors/payment-followups.processor.js";
import { decideHold } from "../../shop/payments/chargeback.js";
import { payOrderFromWallet } from "../../shop/wallet/pay-from-wallet.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { createPendingOrder, createWebhookHarness, type WebhookHarness } from "../webhooks/payments/harness.js";
import { anotherAttempt, paidOutcome, recordingCloud, renewalOrder, settle, topUpOrder, vpsOf } from "./support.js";

const SELLER = 7_100_001;
const OWNER = 7_100_002;
let db: TestDatabase;
let h: WebhookHarness;
const prefix = uniquePrefix("followups");
const cloud = recordingCloud();

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
});

afterAll(async () => {
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const processor = () => paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, providers: { DIGITALOCEAN: cloud.provider }, staff: { sellerIds: [SELLER], ownerIds: [OWNER] } });
const job = (queue: QueueName, ...id: Array<string | number>) => h.queues.get(queue).getJob(jobId(...id));

describe("the review card", () => {
  it("shows what the gateway reported and what was expected, with the reason the settlement gave", async () => {
    const p = await createPendingOrder(h.prisma); // 60.000 + 1.170 fee
    const settled = await settle(h.prisma, p, paidOutcome(60_000));
    expect(settled.settlement).toMatchObject({ result: "review", why: "amount_mismatch" });
    // The order's history is for people; the reason travels with the job (and sits on the payment).
    await h.prisma.orderStatusHistory.updateMany({ where: { orderId: p.orderId, toStatus: "PAYMENT_REVIEW" }, data: { reason: "challenge: edited" } });

    await processor()({ kind: "review", paymentId: p.paymentId, why: "amount_mismatch" });
    const card = await job(QueueName.Notifications, "review-staff", p.paymentId, "amount_mismatch", SELLER);
    expect(card?.data).toMatchObject({
      chatId: SELLER,
      key: "review-needed",
      params: { why: "t:review-why-amount_mismatch", reference: p.orderReference, received: "Rp 60.000", expected: "Rp 61.170", gateway: "TRIPAY" },
    });
    const buttons = (card?.data.buttons as Array<Array<{ data: string }>>).flat().map((b) => b.data);
    expect(buttons).toEqual([`rev:ok:${p.paymentId}`, `rev:wal:${p.paymentId}`, `rev:out:${p.paymentId}`]);
    expect((await job(QueueName.Notifications, "review-customer", p.paymentId, "amount_mismatch"))?.data).toMatchObject({
      key: "notify-payment-review-amount",
      params: { reference: p.orderReference, received: "Rp 60.000", expected: "Rp 61.170" },
    });
    expect((await job(QueueName.OwnerAlerts, "alert-review", p.paymentId, "amount_mismatch"))?.data.detail).toContain("diterima Rp 60.000, seharusnya Rp 61.170");
  });

  it("offers no approval for a double payment (the order is paid): only the ways to give it back", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    const second = await anotherAttempt(h.prisma, p);
    expect((await settle(h.prisma, { attemptRef: second.attemptRef }, paidOutcome(second.totalIdr))).settlement).toMatchObject({ result: "review", why: "already_paid" });
    await processor()({ kind: "review", paymentId: second.id });
    const card = await job(QueueName.Notifications, "review-staff", second.id, "already_paid", SELLER);
    expect(card?.data.params).toMatchObject({ why: "t:review-why-already_paid", received: "Rp 61.170" });
    expect((card?.data.buttons as Array<Array<{ data: string }>>).flat().map((b) => b.data)).toEqual([`rev:wal:${second.id}`, `rev:out:${second.id}`]);
  });
});

describe("a renewal paid while the VPS is suspended", () => {
  it("queues one power-on, also when the follow-up runs again, and tells the customer", async () => {
    const first = await createPendingOrder(h.prisma);
    const vps = await vpsOf(h.prisma, first, { status: "SUSPENDED", expiresAt: new Date(Date.now() - 4 * 86_400_000) });
    const renewal = await renewalOrder(h.prisma, vps.id);
    expect((await settle(h.prisma, renewal, paidOutcome(renewal.totalIdr))).settlement.result).toBe("paid");

    await processor()({ kind: "paid", paymentId: renewal.paymentId });
    await processor()({ kind: "paid", paymentId: renewal.paymentId }); // a retry
    const actions = await h.prisma.instanceAction.findMany({ where: { instanceId: vps.id } });
    expect(actions).toMatchObject([{ type: "POWER_ON", status: "QUEUED" }]);
    expect((await job(QueueName.InstanceActions, "action", actions[0]!.id))?.data).toEqual({ actionId: actions[0]!.id });
    expect((await job(QueueName.Notifications, "renewed", renewal.orderId))?.data).toMatchObject({ key: "renew-done" });
  });

  it("fails the job (reported, retried) when the power-on cannot be queued, instead of hiding it", async () => {
    const first = await createPendingOrder(h.prisma);
    const vps = await vpsOf(h.prisma, first, { status: "SUSPENDED", expiresAt: new Date(Date.now() - 4 * 86_400_000) });
    await h.prisma.instanceAction.create({ data: { instanceId: vps.id, userId: vps.userId, type: "REBOOT", status: "RUNNING" } });
    const renewal = await renewalOrder(h.prisma, vps.id);
    await settle(h.prisma, renewal, paidOutcome(renewal.totalIdr));
    await expect(processor()({ kind: "paid", paymentId: renewal.paymentId })).rejects.toThrow(/open REBOOT action/);
    expect(await h.prisma.instanceAction.count({ where: { instanceId: vps.id, type: "POWER_ON" } })).toBe(0);
  });
});

describe("a renewal paid after the VPS was deleted", () => {
  it("tells the customer the money went back to the wallet, once, with no 'paid, renewing' notice or invoice", async () => {
    const first = await createPendingOrder(h.prisma);
    const vps = await vpsOf(h.prisma, first, { status: "DELETED", expiresAt: new Date(Date.now() - 8 * 86_400_000) });
    const renewal = await renewalOrder(h.prisma, vps.id);
    expect((await settle(h.prisma, renewal, paidOutcome(renewal.totalIdr))).settlement.result).toBe("paid");
    await processor()({ kind: "paid", paymentId: renewal.paymentId });
    await processor()({ kind: "paid", paymentId: renewal.paymentId }); // a retry
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: renewal.orderId } })).status).toBe("REFUNDED");
    expect((await job(QueueName.Notifications, "renewal-refunded", renewal.orderId))?.data).toMatchObject({ key: "renew-refunded-deleted" });
    expect(await job(QueueName.Notifications, "paid", renewal.orderId)).toBeUndefined();
    expect(await job(QueueName.Notifications, "renewed", renewal.orderId)).toBeUndefined();
  });
});

describe("a gateway refund", () => {
  it("takes back the balance a top-up bought, holds the wallet until the owner releases it", async () => {
    const top = await topUpOrder(h.prisma, { totalIdr: 100_000 });
    await settle(h.prisma, top, paidOutcome(top.totalIdr));
    await processor()({ kind: "paid", paymentId: top.paymentId });
    expect(await walletBalance(h.prisma, top.userId)).toBe(100_000);
    const spend = await createPendingOrder(h.prisma);
    await h.prisma.order.update({ where: { id: spend.orderId }, data: { userId: top.userId } });
    expect(await payOrderFromWallet(h.prisma, { orderId: spend.orderId, userId: top.userId })).toMatchObject({ ok: true });

    expect((await settle(h.prisma, top, { kind: "refunded" })).settlement.result).toBe("refunded");
    const out = await processor()({ kind: "refunded", paymentId: top.paymentId });
    expect(out).toMatchObject({ held: true, reversedIdr: 100_000 });
    await processor()({ kind: "refunded", paymentId: top.paymentId }); // a retry changes nothing
    expect(await walletBalance(h.prisma, top.userId)).toBe(-60_000);
    const hold = await h.prisma.paymentHold.findUniqueOrThrow({ where: { paymentId: top.paymentId } });
    expect(hold).toMatchObject({ status: "HELD", reversedIdr: 100_000, userId: top.userId });
    const notice = await job(QueueName.Notifications, "hold", hold.id, OWNER);
    expect((notice?.data.buttons as Array<Array<{ data: string }>>).flat().map((b) => b.data)).toEqual([`hold:rel:${hold.id}`, `hold:keep:${hold.id}`]);
    expect((await job(QueueName.Notifications, "hold-customer", hold.id))?.data).toMatchObject({ key: "notify-payment-refunded-hold" });

    // Held: the wallet cannot spend (a later credit does not lift it).
    const next = await createPendingOrder(h.prisma, { totalIdr: 1_000 });
    await h.prisma.order.update({ where: { id: next.orderId }, data: { userId: top.userId } });
    expect(await payOrderFromWallet(h.prisma, { orderId: next.orderId, userId: top.userId })).toEqual({ ok: false, reason: "held" });

    const ownerRow = await h.prisma.user.create({ data: { telegramId: BigInt(OWNER) + BigInt(hold.id), firstName: "Owner", role: "OWNER" } });
    expect(await decideHold(h.prisma, { holdId: hold.id, owner: { userId: ownerRow.id, role: "OWNER" }, decision: "keep" })).toMatchObject({ ok: true, decision: "keep" });
    expect((await h.prisma.wallet.findUniqueOrThrow({ where: { userId: top.userId } })).heldAt).toBeInstanceOf(Date);
    expect(await decideHold(h.prisma, { holdId: hold.id, owner: { userId: ownerRow.id, role: "OWNER" }, decision: "release" })).toMatchObject({ ok: true, decision: "release" });
    expect((await h.prisma.wallet.findUniqueOrThrow({ where: { userId: top.userId } })).heldAt).toBeNull();
    expect(await h.prisma.auditLog.count({ where: { action: { startsWith: "payment.hold" }, targetId: String(top.paymentId) } })).toBe(3);
  });

  it("suspends the VPS the order bought (powered off at the provider) and powers it on when released", async () => {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    const vps = await vpsOf(h.prisma, p);
    await settle(h.prisma, p, { kind: "refunded" });
    await processor()({ kind: "refunded", paymentId: p.paymentId });
    expect((await h.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("SUSPENDED");
    expect(cloud.actions).toContainEqual({ id: vps.providerInstanceId, action: "power_off" });

    const hold = await h.prisma.paymentHold.findUniqueOrThrow({ where: { paymentId: p.paymentId } });
    expect(hold).toMatchObject({ instanceId: vps.id, instanceStatusBefore: "ACTIVE" });
    const decided = await decideHold(h.prisma, { holdId: hold.id, owner: { userId: p.userId, role: "OWNER" }, decision: "release" });
    expect(decided).toMatchObject({ ok: true, resumed: { ok: true, created: true } });
    expect(await h.prisma.instanceAction.findMany({ where: { instanceId: vps.id } })).toMatchObject([{ type: "POWER_ON", status: "QUEUED" }]);
  });
});
