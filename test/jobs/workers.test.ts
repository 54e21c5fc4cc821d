import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueName, Queues, InvalidPayloadError, defaultJobOptions } from "../../jobs/queues.js";
import { createRedis, waitForRedis } from "../../jobs/redis.js";
import { CAPPED_BACKOFF_MAX_MS, cappedBackoff, closeWorkers, registerWorkers } from "../../jobs/workers.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const prefix = uniquePrefix("workers");
const logger = createLogger({ role: "test", level: "silent" });
const producer = createRedis(TEST_REDIS_URL, "producer");
const workerConn = createRedis(TEST_REDIS_URL, "worker");
const queues = new Queues(producer, prefix, logger);

beforeAll(async () => {
  expect(await waitForRedis(producer)).toBe(true);
});

afterAll(async () => {
  await queues.close();
  producer.disconnect();
  workerConn.disconnect();
  await deleteKeys(prefix);
});

describe("queue catalogue", () => {
  it("refuses a payload that does not match the schema, before it reaches Redis", async () => {
    // @ts-expect-error wrong payload shape on purpose
    await expect(queues.enqueue(QueueName.Provisioning, { orderId: "12" })).rejects.toBeInstanceOf(InvalidPayloadError);
    expect(await queues.get(QueueName.Provisioning).count()).toBe(0);
  });

  it("makes adds idempotent by jobId", async () => {
    await queues.enqueue(QueueName.Lifecycle, { task: "order-expiry", tick: "2026-11-21T09:00" }, { jobId: "expiry-0900", delay: 60_000 });
    await queues.enqueue(QueueName.Lifecycle, { task: "order-expiry", tick: "2026-11-21T09:00" }, { jobId: "expiry-0900", delay: 60_000 });
    expect(await queues.get(QueueName.Lifecycle).getDelayedCount()).toBe(1);
  });
});

describe("worker registry", () => {
  it("retries a failing job, then alerts the owner once it fails for good", async () => {
    let calls = 0;
    const workers = registerWorkers({
      connection: workerConn,
      prefix,
      logger,
      metrics: createMetrics(),
      queues,
      processors: {
        [QueueName.Provisioning]: {
          process: async () => {
            calls++;
            throw new Error("cloud said no");
          },
        },
      },
    });
    const events = new QueueEvents(QueueName.Provisioning, { connection: createRedis(TEST_REDIS_URL, "worker"), prefix });
    await events.waitUntilReady();
    const job = await queues.enqueue(QueueName.Provisioning, { orderId: 7 }, { attempts: 2, backoff: { type: "fixed", delay: 10 } });
    await expect(job!.waitUntilFinished(events, 10_000)).rejects.toThrow("cloud said no");
    expect(calls).toBe(2);
    const alerts = queues.get(QueueName.OwnerAlerts);
    await expect.poll(() => alerts.count(), { timeout: 20_000 }).toBe(1);
    const [alert] = await alerts.getWaiting();
    expect(alert?.data).toMatchObject({ severity: "critical", detail: expect.stringContaining("cloud said no") });
    await events.close();
    await closeWorkers(workers);
  });

  it("fails a job with a malformed payload once, without retries", async () => {
    let calls = 0;
    const workers = registerWorkers({
      connection: workerConn,
      prefix,
      logger,
      metrics: createMetrics(),
      queues,
      processors: { [QueueName.InstanceActions]: { process: async () => void calls++ } },
    });
    const queue = queues.get(QueueName.InstanceActions);
    // Bypass the producer-side check to simulate a job written by an older release.
    const job = await queue.add("instance-actions", { actionId: -1 }, { attempts: 5 });
    await expect.poll(async () => (await queue.getJob(job.id!))?.failedReason, { timeout: 20_000 }).toMatch(/invalid payload/);
    const failed = await queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(calls).toBe(0);
    await closeWorkers(workers);
  });
});

describe("capped backoff", () => {
  it("doubles from the job's delay and never waits more than a minute", () => {
    const job = { opts: { backoff: { type: "capped", delay: 2_000 } } } as unknown as Parameters<typeof cappedBackoff>[3];
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((n) => cappedBackoff(n, "capped", undefined, job))).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(CAPPED_BACKOFF_MAX_MS).toBe(60_000);
  });

  it("notifications ride out a Telegram outage of more than 20 minutes", () => {
    const opts = defaultJobOptions[QueueName.Notifications];
    const job = { opts } as unknown as Parameters<typeof cappedBackoff>[3];
    let total = 0;
    for (let n = 1; n < (opts.attempts ?? 1); n++) total += cappedBackoff(n, (opts.backoff as { type: string }).type, undefined, job);
    expect(total).toBeGreaterThan(20 * 60_000);
  });
});
