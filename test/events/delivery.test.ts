/**
 * Reseller webhooks end to end on the worker role of the real service (real Postgres and Redis):
 * an event recorded in a transaction reaches a local HTTP receiver as a signed POST, once.
 *
 * - the wire format: body {id, type, created_at, data}, X-Shop-Event, X-Shop-Delivery and an
 *   X-Shop-Signature that verifies with the endpoint's secret over the raw body;
 * - exactly once per subject: the same event recorded again (and concurrently) sends nothing more;
 * - a receiver answering 500 is retried on the schedule, every attempt recorded on the delivery
 *   row (attempts, last status, last error, next attempt), then delivered; a receiver that never
 *   answers times out and is retried; one that always fails ends FAILED;
 * - Redis wiped before the job was queued, and again while a retry waited: the recovery sweep
 *   queues what is due and nothing is lost or sent twice.
 *
 * The outbound worker here is the real processor with a short retry schedule (100 ms – 1.5 s).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CustomerEventType } from "../../db/client.js";
import { randomBytes } from "node:crypto";
import { outboundFailureHandler, outboundProcessor, queueOutbound } from "../../jobs/processors/outbound.processor.js";
import { QueueName, type Payload } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { recordCustomerEvent } from "../../shop/events/record.js";
import { verifyWebhookSignature } from "../../shop/events/signature.js";
import { createLogger } from "../../shop/platform/logger.js";
import { deleteKeys } from "../support/redis.js";
import { startTestService, type TestService } from "../support/service.js";
import { resellerWithEndpoint, startReceiver, type Receiver } from "./support.js";

/** After the 2nd failure a longer wait, so a test can look at the row between attempts. */
const RETRY_DELAYS_MS = [100, 1_500, 300];
const TIMEOUT_MS = 600;

let t: TestService;
let receiver: Receiver;
let outbound: ((payload: Payload<"outbound">) => Promise<unknown>) | undefined;
let subject = 0;
const logger = createLogger({ role: "test", level: "silent" });

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startTestService({
    roles: ["worker"],
    env: { WEBHOOK_ALLOW_PRIVATE: "true" },
    // The service's worker runs the real processor, made once the service (its prisma, queues) exists.
    processors: (base) => ({ ...base, [QueueName.Outbound]: { process: (payload) => outbound!(payload), concurrency: 4 } }),
  });
  outbound = outboundProcessor({
    prisma: t.service.prisma,
    queues: t.service.queues,
    webhook: { encryptionKey: t.config.encryptionKey, policy: { allowPrivate: true }, timeoutMs: TIMEOUT_MS, retryDelaysMs: RETRY_DELAYS_MS },
  });
});
afterAll(async () => {
  await t?.stop();
  await receiver?.stop();
});
beforeEach(() => {
  receiver.respond = () => 200;
});

const reseller = () => resellerWithEndpoint(t.service.prisma, t.config.encryptionKey, receiver.url);

/** Records an event in a transaction (as the domain does); returns its delivery ids without queueing them. */
async function record(userId: number, type: CustomerEventType = "VPS_ACTIVE", subjectKey = `instance:${++subject}`) {
  const jobs = await t.service.prisma.$transaction((tx) => recordCustomerEvent(tx, { userId, type, subjectKey, data: { instance_id: subject, label: "vps-a" } }));
  return { jobs, subjectKey };
}

const delivery = (id: number) => t.service.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
const sweep = () => recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0 });
const wipeRedis = () => deleteKeys(t.config.queuePrefix);

describe("reseller webhooks", () => {
  it("POSTs the event signed with the endpoint's secret, once, and logs the delivery", async () => {
    const { userId, secret } = await reseller();
    const { jobs } = await record(userId, "VPS_ACTIVE");
    expect(jobs).toHaveLength(1);
    await queueOutbound(t.service.queues, jobs);
    const id = jobs[0]!.deliveryId;
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("DELIVERED");

    const [req, ...more] = receiver.forDelivery(id);
    expect(more).toHaveLength(0);
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers["x-shop-event"]).toBe("vps.active");
    const check = verifyWebhookSignature(secret, req!.headers["x-shop-signature"] as string, req!.body);
    expect(check.ok).toBe(true);
    expect(verifyWebhookSignature("whsec_wrong", req!.headers["x-shop-signature"] as string, req!.body).ok).toBe(false);

    const event = await t.service.prisma.customerEvent.findFirstOrThrow({ where: { webhookDeliveries: { some: { id } } } });
    expect(JSON.parse(req!.body)).toEqual({ id: `evt_${event.id}`, type: "vps.active", created_at: event.createdAt.toISOString(), data: { instance_id: expect.any(Number), label: "vps-a" } });
    expect(await delivery(id)).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null, deliveredAt: expect.any(Date), url: receiver.url });
  });

  it("records an event once per subject, however often and concurrently it is recorded", async () => {
    const { userId } = await reseller();
    const subjectKey = `action:${++subject}`;
    const runs = await Promise.all([1, 2, 3, 4, 5].map(() => record(userId, "VPS_ACTION_DONE", subjectKey)));
    const jobs = runs.flatMap((r) => r.jobs);
    expect(jobs).toHaveLength(1);
    expect(await t.service.prisma.customerEvent.count({ where: { type: "VPS_ACTION_DONE", subjectKey } })).toBe(1);
    // Queued twice (a retried caller), swept twice: still one request.
    await queueOutbound(t.service.queues, jobs);
    await queueOutbound(t.service.queues, jobs);
    const id = jobs[0]!.deliveryId;
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("DELIVERED");
    await sweep();
    await sweep();
    expect(await record(userId, "VPS_ACTION_DONE", subjectKey)).toMatchObject({ jobs: [] });
    expect(receiver.forDelivery(id)).toHaveLength(1);
  });

  it("retries a receiver answering 500 with backoff, recording each attempt, then delivers", async () => {
    const { userId, secret } = await reseller();
    receiver.respond = (req) => (receiver.forDelivery(Number(req.headers["x-shop-delivery"])).length <= 2 ? 500 : 204);
    const { jobs } = await record(userId, "ORDER_PAID");
    const id = jobs[0]!.deliveryId;
    await queueOutbound(t.service.queues, jobs);

    // Two failed attempts, each on the row: the status it got, the error, when the next is due.
    await expect.poll(async () => (await delivery(id)).attempts, { timeout: 15_000 }).toBe(2);
    const between = await delivery(id);
    expect(between).toMatchObject({ status: "PENDING", lastStatus: 500, lastError: "HTTP 500", deliveredAt: null });
    expect(between.nextAttemptAt.getTime()).toBeGreaterThan(receiver.forDelivery(id)[1]!.at + RETRY_DELAYS_MS[1]! - 100);
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("DELIVERED");

    const requests = receiver.forDelivery(id);
    expect(await delivery(id)).toMatchObject({ attempts: 3, lastStatus: 204, lastError: null });
    expect(requests).toHaveLength(3);
    // The same event every time, each attempt signed afresh; waits no shorter than the schedule.
    expect(new Set(requests.map((r) => JSON.parse(r.body).id)).size).toBe(1);
    for (const r of requests) expect(verifyWebhookSignature(secret, r.headers["x-shop-signature"] as string, r.body).ok).toBe(true);
    for (let i = 1; i < requests.length; i++) expect(requests[i]!.at - requests[i - 1]!.at).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i - 1]! - 5);
  });

  it("times out a receiver that never answers, and retries", async () => {
    const { userId } = await reseller();
    receiver.respond = (req) => (receiver.forDelivery(Number(req.headers["x-shop-delivery"])).length === 1 ? "hang" : 200);
    const { jobs } = await record(userId, "VPS_EXPIRING");
    const id = jobs[0]!.deliveryId;
    await queueOutbound(t.service.queues, jobs);
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("DELIVERED");
    expect(receiver.forDelivery(id)).toHaveLength(2);
    expect(await delivery(id)).toMatchObject({ attempts: 2, lastStatus: 200 });
    expect(receiver.forDelivery(id)[1]!.at - receiver.forDelivery(id)[0]!.at).toBeGreaterThanOrEqual(TIMEOUT_MS);
  });

  it("ends FAILED after the last attempt, with the last status and error", async () => {
    const { userId } = await reseller();
    receiver.respond = () => 503;
    const { jobs } = await record(userId, "VPS_PROVISION_FAILED");
    const id = jobs[0]!.deliveryId;
    await queueOutbound(t.service.queues, jobs);
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("FAILED");
    expect(await delivery(id)).toMatchObject({ attempts: RETRY_DELAYS_MS.length + 1, lastStatus: 503, lastError: "HTTP 503", deliveredAt: null });
    expect(receiver.forDelivery(id)).toHaveLength(RETRY_DELAYS_MS.length + 1);
    // Nothing more: the sweep does not bring a FAILED delivery back.
    await sweep();
    expect(receiver.forDelivery(id)).toHaveLength(RETRY_DELAYS_MS.length + 1);
  });

  it("loses nothing when Redis is wiped before the job is queued or while a retry waits", async () => {
    const { userId } = await reseller();
    // 1. Committed, then the process "died" before queueing: only Postgres knows.
    const { jobs: lost } = await record(userId, "VPS_ACTIVE");
    await wipeRedis();
    // 2. Queued, failed once; its retry job is wiped while it waits.
    let first = true;
    receiver.respond = (req) => {
      if (first && req.headers["x-shop-delivery"] === String(retried[0]!.deliveryId)) {
        first = false;
        return 500;
      }
      return 200;
    };
    const { jobs: retried } = await record(userId, "ORDER_PAID");
    await queueOutbound(t.service.queues, retried);
    await expect.poll(async () => (await delivery(retried[0]!.deliveryId)).attempts, { timeout: 15_000 }).toBe(1);
    await wipeRedis();

    // The sweep (every minute in production) queues whatever is due, until both are delivered.
    await expect
      .poll(
        async () => {
          await sweep();
          return (await t.service.prisma.webhookDelivery.findMany({ where: { id: { in: [lost[0]!.deliveryId, retried[0]!.deliveryId] } } })).map((d) => d.status);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual(["DELIVERED", "DELIVERED"]);
    await sweep();
    expect(receiver.forDelivery(lost[0]!.deliveryId)).toHaveLength(1);
    expect(receiver.forDelivery(retried[0]!.deliveryId)).toHaveLength(2);
    expect(await delivery(retried[0]!.deliveryId)).toMatchObject({ attempts: 2, lastStatus: 200 });
  });

  it("an endpoint secret that cannot be opened is a failed attempt like any other, never a request", async () => {
    // Sealed under another DATA_ENCRYPTION_KEY (the key was changed without re-sealing).
    const { userId } = await resellerWithEndpoint(t.service.prisma, new Uint8Array(randomBytes(32)), receiver.url);
    const { jobs } = await record(userId, "VPS_ACTIVE");
    const id = jobs[0]!.deliveryId;
    await queueOutbound(t.service.queues, jobs);
    await expect.poll(async () => (await delivery(id)).status, { timeout: 15_000 }).toBe("FAILED");
    expect(await delivery(id)).toMatchObject({ attempts: RETRY_DELAYS_MS.length + 1, lastStatus: null, lastError: expect.stringMatching(/signing secret/) });
    expect(receiver.forDelivery(id)).toEqual([]);
  });

  it("a job that failed for good before recording its attempt gives the row a new due time (the sweep's next job)", async () => {
    const { userId } = await reseller();
    const { jobs } = await record(userId, "VPS_ACTIVE");
    const job = jobs[0]!;
    // Not queued: as if its job had thrown on every try (database unreachable), then failed for good.
    await outboundFailureHandler({ prisma: t.service.prisma })({ kind: "webhook", deliveryId: job.deliveryId, dueAt: job.dueAt! }, "connect ECONNREFUSED");
    const row = await delivery(job.deliveryId);
    expect(row).toMatchObject({ status: "PENDING", attempts: 0, lastError: "connect ECONNREFUSED" });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.parse(job.dueAt!) + 30_000);
    // A stale failure (the row moved on since) changes nothing.
    await outboundFailureHandler({ prisma: t.service.prisma })({ kind: "webhook", deliveryId: job.deliveryId, dueAt: job.dueAt! }, "late");
    expect((await delivery(job.deliveryId)).lastError).toBe("connect ECONNREFUSED");
    await t.service.prisma.webhookDelivery.delete({ where: { id: job.deliveryId } });
  });

  it("records no webhook for a user without an endpoint or with a disabled one", async () => {
    const off = await resellerWithEndpoint(t.service.prisma, t.config.encryptionKey, receiver.url, { disabled: true });
    expect((await record(off.userId, "VPS_ACTIVE")).jobs).toEqual([]);
    const plain = await t.service.prisma.user.create({ data: { telegramId: 7_499_999n, firstName: "Pembeli" } });
    expect((await record(plain.id, "VPS_ACTIVE")).jobs).toEqual([]);
    expect(await t.service.prisma.customerEvent.count({ where: { userId: { in: [off.userId, plain.id] } } })).toBe(2);
  });

  it("sends nothing to a reseller banned, restricted or demoted, whether before the event or while it waits", async () => {
    const db = t.service.prisma;
    for (const change of [{ bannedAt: new Date() }, { blocked: true }, { resellerTierId: null }]) {
      const before = await reseller();
      await db.user.update({ where: { id: before.userId }, data: change });
      expect((await record(before.userId, "VPS_ACTIVE")).jobs, JSON.stringify(change)).toEqual([]);

      const after = await reseller();
      const { jobs } = await record(after.userId, "VPS_ACTIVE");
      expect(jobs).toHaveLength(1);
      await db.user.update({ where: { id: after.userId }, data: change });
      const seen = receiver.received.length;
      await queueOutbound(t.service.queues, jobs);
      await expect.poll(async () => (await delivery(jobs[0]!.deliveryId)).status, { timeout: 20_000 }).toBe("FAILED");
      expect((await delivery(jobs[0]!.deliveryId)).lastError).toMatch(/no longer served/);
      expect(receiver.received.length).toBe(seen);
    }
  });
});
