/**
 * The whole path on the real worker role (fake clouds and Telegram, real Postgres and Redis): a
 * reseller's paid VPS order goes through the payment follow-up and provisioning, and the
 * reseller's receiver gets "order.paid" then "vps.active", signed, once each — with Redis wiped
 * in the middle (after the payment's webhook, while the VPS is being made) and the recovery
 * sweep run again and again after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { verifyWebhookSignature } from "../../shop/events/signature.js";
import { createLogger } from "../../shop/platform/logger.js";
import { newPaidOrder, NOW } from "../provisioning/fixtures.js";
import { deleteKeys } from "../support/redis.js";
import { startTestService, type TestService } from "../support/service.js";
import { resellerWithEndpoint, startReceiver, type Receiver } from "./support.js";

let t: TestService;
let receiver: Receiver;
const logger = createLogger({ role: "test", level: "silent" });

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startTestService({ roles: ["worker"], clouds: true, env: { PROVISION_POLL_MS: "50", WEBHOOK_ALLOW_PRIVATE: "true" } });
  await seedDemoCatalog(t.service.prisma, NOW);
});
afterAll(async () => {
  await t?.stop();
  await receiver?.stop();
});

const sweep = () => recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0 });
const types = () => receiver.received.map((r) => r.headers["x-shop-event"]);

describe("order paid → VPS active, as the reseller's receiver sees it", () => {
  it("gets order.paid then vps.active, signed, once each, through a Redis wipe", async () => {
    const { prisma } = t.service;
    const { userId, secret } = await resellerWithEndpoint(prisma, t.config.encryptionKey, receiver.url);
    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    t.fake.user(Number(user.telegramId), { firstName: "Reseller", languageCode: "id" });
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId });
    const payment = await prisma.payment.create({
      data: { orderId: order.id, gateway: "WALLET", attemptRef: `W-${order.reference}`, amountIdr: order.totalIdr, feeIdr: 0, totalIdr: order.totalIdr, status: "PAID", paidAt: NOW },
    });
    await t.service.queues.enqueue(QueueName.PaymentFollowups, { kind: "paid", paymentId: payment.id }, { jobId: jobId("paid", payment.id) });

    await expect.poll(types, { timeout: 20_000 }).toContain("order.paid");
    await deleteKeys(t.config.queuePrefix);
    // Every minute in production; here until the VPS is active and announced.
    await expect
      .poll(
        async () => {
          await sweep();
          return types();
        },
        { timeout: 40_000, interval: 300 },
      )
      .toContain("vps.active");
    for (let i = 0; i < 3; i++) await sweep();
    await expect.poll(async () => prisma.webhookDelivery.count({ where: { status: "PENDING" } })).toBe(0);

    expect(types()).toEqual(["order.paid", "vps.active"]);
    for (const r of receiver.received) expect(verifyWebhookSignature(secret, r.headers["x-shop-signature"] as string, r.body).ok).toBe(true);
    const [paid, active] = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    const instance = await prisma.instance.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(paid!.data).toMatchObject({ order_id: order.id, reference: order.reference, payment_id: payment.id });
    expect(active!.data).toMatchObject({ instance_id: instance.id, order_id: order.id, ipv4: instance.ipv4, reference: order.reference });
    expect(await prisma.instance.count({ where: { orderId: order.id } })).toBe(1);
  });
});
