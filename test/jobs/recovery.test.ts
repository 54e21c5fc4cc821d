/**
 * Postgres is the truth, Redis is disposable (jobs/outbox.ts, jobs/recovery.ts): the worker role
 * of the real service, the fake clouds and the fake Telegram; Redis is "wiped" by deleting every
 * key of the service's prefix (a real FLUSHALL would wipe the other test files' keys too).
 *
 * - a paid order whose follow-up was never queued (a Redis blip or a crash right after the money
 *   commit) reaches ACTIVE, the customer told once;
 * - a wipe after the follow-up was recorded, and another after everything ran: still one server,
 *   one "payment received", one "VPS ready";
 * - an enqueue while Redis is unreachable does not throw and is not lost;
 * - a PROVISIONING order with no run alive, and a job BullMQ failed without a `failed` event
 *   (stalled too often), end PROVISIONING_FAILED with the customer and the sellers told once;
 * - a provisioning job that finds the order's lease held waits without spending an attempt.
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { provisioningFailureHandler } from "../../jobs/processors/provisioning.processor.js";
import type { ProcessorMap } from "../../jobs/workers.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { createLogger } from "../../shop/platform/logger.js";
import { acquireLease, releaseLease } from "../../shop/leases.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { orderTag, provisioningLeaseKey, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { createProviders } from "../../shop/cloud/providers.js";
import { fakeOf, newPaidOrder, NOW, provisionWith, serversTagged } from "../provisioning/fixtures.js";
import { deleteKeys } from "../support/redis.js";
import { SELLER_ID, startTestService, type TestService } from "../support/service.js";

let t: TestService;
let seller: FakeUser;
let nextTelegramId = 7_310_000;
const logger = createLogger({ role: "test", level: "silent" });

beforeAll(async () => {
  t = await startTestService({ roles: ["worker"], clouds: true, env: { PROVISION_POLL_MS: "50" } });
  await seedDemoCatalog(t.service.prisma, NOW);
  seller = t.fake.user(SELLER_ID, { firstName: "Penjual" });
  await t.service.prisma.user.create({ data: { telegramId: BigInt(SELLER_ID), firstName: "Penjual", role: "SELLER" } });
});
afterAll(async () => {
  await t?.stop();
});

/** A customer known to the fake Telegram and to the shop. */
async function customer() {
  const telegramId = ++nextTelegramId;
  const user = t.fake.user(telegramId, { firstName: "Pembeli", languageCode: "id" });
  const row = await t.service.prisma.user.create({ data: { telegramId: BigInt(telegramId), firstName: "Pembeli" } });
  return { user, userId: row.id };
}

/** A NEW_VPS order paid by a PAID payment (as settlement leaves it), with no job queued. */
async function paidOrderWithoutJobs(userId: number) {
  const { prisma } = t.service;
  const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId });
  const [payment] = await prisma.$queryRaw<{ id: number }[]>`
    INSERT INTO payments (order_id, gateway, attempt_ref, amount_idr, fee_idr, total_idr, status, paid_at, updated_at)
    VALUES (${order.id}, 'WALLET', ${`W-${order.reference}`}, ${order.totalIdr}, 0, ${order.totalIdr}, 'PAID', ${NOW}, now()) RETURNING id`;
  return { order, payment: payment! };
}

const sweep = (over: Partial<Parameters<typeof recoverJobs>[0]> = {}) =>
  recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0, ...over });

const count = (user: FakeUser, pattern: RegExp) => user.messages().filter((m) => pattern.test(m.text ?? m.caption ?? "")).length;
const wipeRedis = () => deleteKeys(t.service.config.queuePrefix);

describe("recovery sweep", () => {
  it("drives a paid order whose follow-up was never queued to ACTIVE, telling the customer once", async () => {
    const { user, userId } = await customer();
    const { order } = await paidOrderWithoutJobs(userId);
    const report = await sweep();
    expect(report.ensured).toBeGreaterThan(0);
    await expect.poll(async () => (await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status, { timeout: 20_000 }).toBe("ACTIVE");
    await user.waitForMessage(/VPS aktif/, { timeoutMs: 10_000 });
    // Sweeping again (and again after a wipe) changes nothing and sends nothing.
    await sweep();
    await wipeRedis();
    await sweep();
    await sweep();
    expect(serversTagged(fakeOf(t.clouds!, "DIGITALOCEAN"), orderTag(order.reference))).toHaveLength(1);
    expect(count(user, /Pembayaran pesanan .* diterima/)).toBe(1);
    expect(count(user, /VPS aktif/)).toBe(1);
  });

  it("loses nothing when Redis is wiped after the follow-up was recorded but before it ran", async () => {
    const { user, userId } = await customer();
    const { order, payment } = await paidOrderWithoutJobs(userId);
    // Recorded while no worker consumes payment follow-ups, then Redis forgets everything.
    const worker = (await t.service.queues.get(QueueName.PaymentFollowups).getWorkers()).length;
    expect(worker).toBeGreaterThan(0);
    const outbox = t.service.queues.outbox!;
    await outbox.record(QueueName.PaymentFollowups, jobId("paid", payment.id), { kind: "paid", paymentId: payment.id });
    await wipeRedis();
    expect(await t.service.queues.get(QueueName.PaymentFollowups).getJobState(jobId("paid", payment.id))).toBe("unknown");
    await sweep();
    await expect.poll(async () => (await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status, { timeout: 20_000 }).toBe("ACTIVE");
    await user.waitForMessage(/VPS aktif/, { timeoutMs: 10_000 });
    await wipeRedis();
    await sweep();
    expect(serversTagged(fakeOf(t.clouds!, "DIGITALOCEAN"), orderTag(order.reference))).toHaveLength(1);
    expect(count(user, /VPS aktif/)).toBe(1);
  });

  it("an enqueue while Redis is unreachable does not throw; the job is pushed once Redis answers", async () => {
    const { user } = await customer();
    const dead = new Redis("redis://127.0.0.1:9", { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on("error", () => undefined);
    const offline = new Queues(dead, t.service.config.queuePrefix, logger, new JobOutbox(t.service.prisma));
    const chatId = Number((await t.service.prisma.user.findFirstOrThrow({ where: { telegramId: BigInt(nextTelegramId) } })).telegramId);
    const id = jobId("test-note", chatId);
    await expect(offline.enqueue(QueueName.Notifications, { chatId, key: "notify-payment-expired", params: { reference: "ORD-X" } }, { jobId: id })).resolves.toBeUndefined();
    expect(await t.service.queues.outbox!.status(QueueName.Notifications, id)).toBe("PENDING");
    await sweep();
    await user.waitForMessage(/ORD-X/, { timeoutMs: 10_000 });
    await expect.poll(() => t.service.queues.outbox!.status(QueueName.Notifications, id), { timeout: 10_000 }).toBe("DONE");
    // The same job id again, after Redis forgot it: recorded as done, so never sent twice.
    await wipeRedis();
    await expect(t.service.queues.enqueue(QueueName.Notifications, { chatId, key: "notify-payment-expired", params: { reference: "ORD-X" } }, { jobId: id })).resolves.toBeUndefined();
    await sweep();
    expect(count(user, /ORD-X/)).toBe(1);
    await offline.close();
    dead.disconnect();
  });

  it("fails a PROVISIONING order that has no run alive, once, for a seller to act", async () => {
    const { user, userId } = await customer();
    const { order } = await paidOrderWithoutJobs(userId);
    await transitionOrder(t.service.prisma, order.id, "PROVISIONING", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PAID"] });
    const processors: ProcessorMap = { [QueueName.Provisioning]: { process: async () => undefined, onFinalFailure: provisioningFailureHandler({ prisma: t.service.prisma, queues: t.service.queues, staff: t.config, providers: {}, logger }) } };
    // A run holding the lease is alive: left alone.
    const lease = await acquireLease(t.service.prisma, provisioningLeaseKey(order.id), 60_000);
    expect((await sweep({ processors, staleProvisioningMs: 0 })).staleProvisioning).toEqual([]);
    await releaseLease(t.service.prisma, lease!);
    expect((await sweep({ processors, staleProvisioningMs: 0 })).staleProvisioning).toEqual([order.id]);
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");
    await user.waitForMessage(new RegExp(order.reference), { timeoutMs: 10_000 });
    await seller.waitFor((m) => (m.text ?? "").includes(order.reference), { timeoutMs: 10_000 });
    await sweep({ processors, staleProvisioningMs: 0 });
    await wipeRedis();
    await sweep({ processors, staleProvisioningMs: 0 });
    expect(count(user, new RegExp(order.reference))).toBe(1);
    expect(seller.messages().filter((m) => (m.text ?? "").includes(order.reference))).toHaveLength(1);
  });

  it("settles a job BullMQ failed without a `failed` event (stalled too often): the order becomes PROVISIONING_FAILED", async () => {
    const { userId } = await customer();
    const { order } = await paidOrderWithoutJobs(userId);
    const prefix = `${t.service.config.queuePrefix}-stalled`;
    const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const queues = new Queues(redis, prefix, logger, new JobOutbox(t.service.prisma));
    await queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id), attempts: 1 });
    // What BullMQ's stalled check does to a job whose workers died twice: straight to failed.
    const bare = new Worker(QueueName.Provisioning, null, { connection: redis, prefix, autorun: false });
    const job = await bare.getNextJob("tok");
    await job!.moveToFailed(new Error("job stalled more than allowable limit"), "tok", false);
    const processors: ProcessorMap = { [QueueName.Provisioning]: { process: async () => undefined, onFinalFailure: provisioningFailureHandler({ prisma: t.service.prisma, queues, staff: t.config, providers: {}, logger }) } };
    const report = await recoverJobs({ prisma: t.service.prisma, queues, processors, logger, graceMs: 0 });
    expect(report.settledFailures).toEqual([`${QueueName.Provisioning}/${jobId("provision", order.id)}`]);
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");
    expect(await queues.outbox!.status(QueueName.Provisioning, jobId("provision", order.id))).toBe("FAILED");
    await bare.close();
    await queues.close();
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it("a provisioning job that finds the order's lease held waits without spending an attempt", async () => {
    const { userId } = await customer();
    const { order } = await paidOrderWithoutJobs(userId);
    const lease = await acquireLease(t.service.prisma, provisioningLeaseKey(order.id), 1_500);
    await t.service.queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) });
    const queue = t.service.queues.get(QueueName.Provisioning);
    await expect.poll(() => queue.getJobState(jobId("provision", order.id)), { timeout: 10_000 }).toBe("delayed");
    expect((await queue.getJob(jobId("provision", order.id)))!.attemptsMade).toBe(0);
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PAID");
    await releaseLease(t.service.prisma, lease!);
    await expect.poll(async () => (await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status, { timeout: 20_000 }).toBe("ACTIVE");
  });
});

describe("outbox retention", () => {
  it("prunes finished rows older than the retention, never pending ones", async () => {
    const outbox = t.service.queues.outbox!;
    const { prisma } = t.service;
    await outbox.record(QueueName.OwnerAlerts, "old-done", { severity: "info", title: "x" });
    await outbox.markDone(QueueName.OwnerAlerts, "old-done");
    await outbox.record(QueueName.OwnerAlerts, "old-pending", { severity: "info", title: "y" });
    await prisma.$executeRaw`UPDATE job_outbox SET done_at = now() - interval '91 days', created_at = now() - interval '91 days' WHERE job_id IN ('old-done', 'old-pending')`;
    expect(await outbox.prune(90)).toBe(1);
    expect(await outbox.status(QueueName.OwnerAlerts, "old-done")).toBeUndefined();
    expect(await outbox.status(QueueName.OwnerAlerts, "old-pending")).toBe("PENDING");
  });
});

describe("final provisioning failure", () => {
  it("deletes the server a deadline-failed run left at the provider", async () => {
    const { userId } = await customer();
    const { order } = await paidOrderWithoutJobs(userId);
    const providers = createProviders(t.config.providers);
    const fake = fakeOf(t.clouds!, "DIGITALOCEAN");
    fake.setBootDelay(10 * 60_000);
    try {
      await expect(provisionWith({ prisma: t.service.prisma, providers }, order.id, { deadlineMs: 1_000, encryptionKey: t.config.encryptionKey })).rejects.toThrow(/within/);
    } finally {
      fake.setBootDelay(100, 20);
    }
    expect(serversTagged(fake, orderTag(order.reference)).filter((s) => s.status !== "deleted")).toHaveLength(1);
    await recordProvisioningFailure(t.service.prisma, order.id, new Error("deadline"), false);
    await provisioningFailureHandler({ prisma: t.service.prisma, queues: t.service.queues, staff: t.config, providers, logger })({ orderId: order.id }, "deadline");
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");
    expect(serversTagged(fake, orderTag(order.reference)).filter((s) => s.status !== "deleted")).toHaveLength(0);
  });
});
