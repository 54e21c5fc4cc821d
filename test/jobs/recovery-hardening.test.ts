/**
 * The recovery sweep and the final-failure handlers where they used to leave work stuck or undo
 * newer work (jobs/recovery.ts, jobs/workers.ts, jobs/outbox.ts):
 * - a VPS action whose job failed for good without recording it (a non-cloud error on its last
 *   attempt, or its outbox row FAILED while the action stays open) is failed and the customer
 *   told once, so the VPS is not blocked for good (one open action per VPS; resume after renewal);
 * - the final failure of an OLD provisioning job, settled by the sweep after a seller's Retry put
 *   the order back in PROVISIONING, leaves the order to the newer run;
 * - rows that stay in the sweep's lists for long (orders under review, long-delayed jobs) cannot
 *   fill the window: a stranded paid order behind 500 of them is still found;
 * - the outbox prune deletes in batches until done.
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { instanceActionFailureHandler } from "../../jobs/processors/instance-actions.processor.js";
import { provisioningFailureHandler } from "../../jobs/processors/provisioning.processor.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { closeWorkers, registerWorkers, type ProcessorMap } from "../../jobs/workers.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { createProviders } from "../../shop/cloud/providers.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { requestAction } from "../../shop/vps/actions.js";
import { resumeSuspended } from "../../shop/vps/resume.js";
import { activeInstance, DAY, newPaidOrder, NOW } from "../provisioning/fixtures.js";
import { deleteKeys } from "../support/redis.js";
import { startTestService, type TestService } from "../support/service.js";

let t: TestService;
let nextTelegramId = 7_420_000;
const logger = createLogger({ role: "test", level: "silent" });

beforeAll(async () => {
  t = await startTestService({ roles: ["worker"], clouds: true, env: { PROVISION_POLL_MS: "50" } });
  await seedDemoCatalog(t.service.prisma, NOW);
});
afterAll(async () => {
  await t?.stop();
});

async function customer(): Promise<{ user: FakeUser; userId: number }> {
  const telegramId = ++nextTelegramId;
  const user = t.fake.user(telegramId, { firstName: "Pembeli", languageCode: "id" });
  const row = await t.service.prisma.user.create({ data: { telegramId: BigInt(telegramId), firstName: "Pembeli" } });
  return { user, userId: row.id };
}

/** Queues on a prefix of their own that no worker consumes: the test drives every job's fate. */
async function quietQueues(tag: string) {
  const prefix = `${t.service.config.queuePrefix}-${tag}`;
  const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
  const queues = new Queues(redis, prefix, logger, new JobOutbox(t.service.prisma));
  return {
    queues,
    redis,
    prefix,
    async close() {
      await queues.close();
      await deleteKeys(prefix);
      redis.disconnect();
    },
  };
}

const messagesAbout = (user: FakeUser, pattern: RegExp) => user.messages().filter((m) => pattern.test(m.text ?? m.caption ?? "")).length;

describe("VPS actions whose job died without recording it", () => {
  it("the sweep fails an open action whose outbox job is FAILED: the customer is told once, the resume after renewal runs", async () => {
    const { prisma } = t.service;
    const { user, userId } = await customer();
    const vps = await activeInstance({ prisma, providers: createProviders(t.config.providers) }, "DIGITALOCEAN", { userId });
    const requested = await requestAction(prisma, createProviders(t.config.providers), { userId, instanceId: vps.id, action: "reboot" });
    if (!requested.ok) throw new Error(requested.reason);
    const id = jobId("action", requested.actionId);
    // Its job stalled out: the outbox says FAILED, the action row still says RUNNING.
    await prisma.instanceAction.update({ where: { id: requested.actionId }, data: { status: "RUNNING", startedAt: new Date() } });
    await t.service.queues.outbox!.record(QueueName.InstanceActions, id, { actionId: requested.actionId });
    await t.service.queues.outbox!.markFailed(QueueName.InstanceActions, id, "job stalled more than allowable limit");
    const processors: ProcessorMap = { [QueueName.InstanceActions]: { process: async () => undefined, onFinalFailure: instanceActionFailureHandler({ prisma, queues: t.service.queues }) } };
    const sweep = () => recoverJobs({ prisma, queues: t.service.queues, processors, logger, graceMs: 0 });

    expect((await sweep()).settledFailures).toContain(`${QueueName.InstanceActions}/${id}`);
    expect((await prisma.instanceAction.findUniqueOrThrow({ where: { id: requested.actionId } })).status).toBe("FAILED");
    await user.waitForMessage(/gagal/, { timeoutMs: 10_000 });
    await sweep();
    expect(messagesAbout(user, /gagal/)).toBe(1);
    // Suspended at expiry, then renewed: the power-on is queued instead of ResumeBlockedError forever.
    await prisma.instance.update({ where: { id: vps.id }, data: { status: "SUSPENDED", expiresAt: new Date(Date.now() + 30 * DAY) } });
    await expect(resumeSuspended(prisma, { instanceId: vps.id })).resolves.toMatchObject({ ok: true, created: true });
  });

  it("a non-cloud error on the last attempt fails the action through the worker's final-failure handler", async () => {
    const { prisma } = t.service;
    const { user, userId } = await customer();
    const vps = await activeInstance({ prisma, providers: createProviders(t.config.providers) }, "DIGITALOCEAN", { userId });
    const requested = await requestAction(prisma, createProviders(t.config.providers), { userId, instanceId: vps.id, action: "power_off" });
    if (!requested.ok) throw new Error(requested.reason);
    const quiet = await quietQueues("actions");
    const workerRedis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const workers = registerWorkers({
      connection: workerRedis,
      prefix: quiet.prefix,
      logger,
      metrics: createMetrics(),
      queues: quiet.queues,
      processors: {
        [QueueName.InstanceActions]: {
          process: async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'status')");
          },
          onFinalFailure: instanceActionFailureHandler({ prisma, queues: t.service.queues }),
        },
      },
    });
    try {
      await quiet.queues.enqueue(QueueName.InstanceActions, { actionId: requested.actionId }, { jobId: jobId("action", requested.actionId), attempts: 1 });
      await expect.poll(async () => (await prisma.instanceAction.findUniqueOrThrow({ where: { id: requested.actionId } })).status, { timeout: 20_000 }).toBe("FAILED");
      await expect.poll(() => quiet.queues.outbox!.status(QueueName.InstanceActions, jobId("action", requested.actionId)), { timeout: 10_000 }).toBe("FAILED");
      await user.waitForMessage(/gagal/, { timeoutMs: 10_000 });
    } finally {
      await closeWorkers(workers);
      workerRedis.disconnect();
      await quiet.close();
    }
  });
});

describe("the final failure of an old provisioning job", () => {
  it("settled by the sweep after a seller's Retry, it leaves the retried order in PROVISIONING", async () => {
    const { prisma } = t.service;
    const { userId } = await customer();
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId });
    const quiet = await quietQueues("old-provision");
    try {
      await quiet.queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id), attempts: 1 });
      // The run failed for good and recorded it; its failed event was lost (worker killed right after).
      const bare = new Worker(QueueName.Provisioning, null, { connection: quiet.redis, prefix: quiet.prefix, autorun: false });
      const job = await bare.getNextJob("tok");
      await job!.moveToFailed(new Error("deadline: server was not active in time"), "tok", false);
      await bare.close();
      await transitionOrder(prisma, order.id, "PROVISIONING", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PAID"] });
      await recordProvisioningFailure(prisma, order.id, new Error("deadline"), true);
      // A seller taps Retry: the order is PROVISIONING again, a new run recorded (what provisioning.staff.ts does).
      await transitionOrder(prisma, order.id, "PROVISIONING", { type: "SELLER", id: "1" }, { onlyFrom: ["PROVISIONING_FAILED"] });
      await quiet.queues.outbox!.record(QueueName.Provisioning, jobId("provision", order.id, "retry", 2), { orderId: order.id });

      const processors: ProcessorMap = { [QueueName.Provisioning]: { process: async () => undefined, onFinalFailure: provisioningFailureHandler({ prisma, queues: quiet.queues, staff: t.config, providers: {}, logger }) } };
      const report = await recoverJobs({ prisma, queues: quiet.queues, processors, logger, graceMs: 0, staleProvisioningMs: 60 * 60_000 });
      expect(report.settledFailures).toContain(`${QueueName.Provisioning}/${jobId("provision", order.id)}`);
      expect(await quiet.queues.outbox!.status(QueueName.Provisioning, jobId("provision", order.id))).toBe("FAILED");
      expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING");
      expect(await prisma.orderStatusHistory.count({ where: { orderId: order.id, toStatus: "PROVISIONING_FAILED" } })).toBe(1);
    } finally {
      await quiet.close();
    }
  });
});

describe("rows that stay listed for long do not starve the sweep", () => {
  it("a stranded paid order behind 500 orders waiting for a review still gets its follow-up", async () => {
    const { prisma } = t.service;
    const { userId } = await customer();
    const template = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId });
    // 501 orders under review with lower ids (as a shop accumulates them): cloned from the template row.
    const columns = (await prisma.$queryRaw<{ name: string }[]>`
      SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = 'orders' AND column_name NOT IN ('id', 'reference', 'status')`).map((c) => `"${c.name}"`);
    await prisma.$executeRawUnsafe(
      `INSERT INTO orders (reference, status, ${columns.join(", ")})
       SELECT 'BULK-' || g, 'PAYMENT_REVIEW', ${columns.join(", ")} FROM orders, generate_series(1, 501) g WHERE id = $1`,
      template.id,
    );
    await prisma.order.update({ where: { id: template.id }, data: { status: "CANCELLED" } });
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId });
    const [payment] = await prisma.$queryRaw<{ id: number }[]>`
      INSERT INTO payments (order_id, gateway, attempt_ref, amount_idr, fee_idr, total_idr, status, paid_at, updated_at)
      VALUES (${order.id}, 'WALLET', ${`W-${order.reference}`}, ${order.totalIdr}, 0, ${order.totalIdr}, 'PAID', ${NOW}, now()) RETURNING id`;
    const quiet = await quietQueues("starved");
    try {
      await recoverJobs({ prisma, queues: quiet.queues, processors: {}, logger, graceMs: 0 });
      expect(await quiet.queues.outbox!.status(QueueName.PaymentFollowups, jobId("paid", payment!.id))).toBe("PENDING");
    } finally {
      await prisma.$executeRaw`DELETE FROM orders WHERE reference LIKE 'BULK-%'`;
      await prisma.order.update({ where: { id: order.id }, data: { status: "CANCELLED" } });
      await quiet.close();
    }
  });

  it("a lost job recorded after long-delayed ones is pushed again, whatever the page size", async () => {
    const quiet = await quietQueues("paged");
    try {
      const alert = (n: number) => ({ severity: "info" as const, title: `paged ${n}` });
      for (const n of [1, 2, 3]) await quiet.queues.enqueue(QueueName.OwnerAlerts, alert(n), { jobId: `paged-delayed-${n}`, delay: 3_600_000 });
      await quiet.queues.outbox!.record(QueueName.OwnerAlerts, "paged-lost", alert(4));
      const report = await recoverJobs({ prisma: t.service.prisma, queues: quiet.queues, processors: {}, logger, graceMs: 0, pageSize: 1 });
      expect(report.repushed).toContain(`${QueueName.OwnerAlerts}/paged-lost`);
      expect(report.repushed.filter((r) => r.includes("paged-delayed"))).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe("outbox prune", () => {
  it("deletes old finished rows batch after batch until none is left, never pending ones", async () => {
    const outbox = t.service.queues.outbox!;
    const { prisma } = t.service;
    for (const n of [1, 2, 3, 4, 5]) {
      await outbox.record(QueueName.OwnerAlerts, `prune-${n}`, { severity: "info", title: "x" });
      await outbox.markDone(QueueName.OwnerAlerts, `prune-${n}`);
    }
    await outbox.record(QueueName.OwnerAlerts, "prune-pending", { severity: "info", title: "y" });
    await prisma.$executeRaw`UPDATE job_outbox SET done_at = now() - interval '91 days', created_at = now() - interval '91 days' WHERE job_id LIKE 'prune-%'`;
    expect(await outbox.prune(90, 2)).toBe(5);
    expect(await prisma.jobOutbox.count({ where: { jobId: { startsWith: "prune-" } } })).toBe(1);
    expect(await outbox.status(QueueName.OwnerAlerts, "prune-pending")).toBe("PENDING");
  });
});
