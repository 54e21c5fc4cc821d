/**
 * Redis Sentinel under load: a real master, replica and three sentinels (quorum 2, the shipped
 * ops/redis/sentinel.conf.example), the app's config (REDIS_SENTINELS) and createRedis, and the
 * project's real durable queue path — Queues with the Postgres JobOutbox, the worker registry,
 * the recovery sweep. Hundreds of durable notification jobs are put through (their effect: one
 * row each in Postgres) and the master is killed with SIGKILL while they flow.
 *
 * Expected: the sentinels promote the replica; the same client objects follow it without a
 * restart; every job's effect is in Postgres exactly once. Jobs Redis lost in the asynchronous
 * replication window, and jobs whose push failed while no master answered, are pushed again by
 * the recovery sweep from job_outbox (called directly here, as the worker role does every minute).
 */
import type { Redis } from "ioredis";
import { createPrisma } from "../../db/client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobOutbox } from "../../jobs/outbox.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { closeRedis, createRedis, reachedNode, waitForRedis } from "../../jobs/redis.js";
import { checkReadiness } from "../../shop/platform/readiness.js";
import { closeWorkers, registerWorkers, type ProcessorMap } from "../../jobs/workers.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startSentinelGroup, type SentinelGroup } from "../support/sentinel.js";
import { redisChecks } from "../../shop/doctor/redis.check.js";
import type { DoctorContext } from "../../shop/doctor/types.js";

const JOBS = 400;
const logger = createLogger({ role: "test", level: "silent" });
let group: SentinelGroup;
let db: TestDatabase;
const opened: Redis[] = [];

beforeAll(async () => {
  [group, db] = await Promise.all([startSentinelGroup(), createTestDatabase()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.map((r) => closeRedis(r)));
  await group?.stop();
  await db?.drop();
});

const effects = async () => (await db.prisma.processedEvent.count({ where: { source: "sentinel-load" } }));

describe("Redis Sentinel failover during a load of durable jobs", () => {
  it("promotes the replica, the clients follow it, and every job runs exactly once", { timeout: 300_000 }, async () => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      DATABASE_URL: db.url,
      REDIS_URL: "redis://mymaster/0",
      REDIS_SENTINELS: group.sentinelsEnv,
      REDIS_SENTINEL_MASTER: group.masterName,
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(config.redis.sentinels).toHaveLength(3);
    const track = (r: Redis) => (opened.push(r), r);
    const producer = track(createRedis(config.redis, "producer"));
    const workerConn = track(createRedis(config.redis, "worker"));
    const general = track(createRedis(config.redis, "general"));
    for (const r of [producer, workerConn, general]) r.on("error", () => undefined);
    expect(await waitForRedis(producer, 20_000)).toBe(true);
    expect(await waitForRedis(general, 20_000)).toBe(true);
    expect(reachedNode(general)).toBe(`${group.masterName} at 127.0.0.1:${group.masterPort}`);
    // The doctor names the master it reached and its replica.
    const doctorLine = async () => (await redisChecks({ redis: general, timeoutMs: 5_000 } as DoctorContext)).find((l) => l.name === "Redis Sentinel");
    await expect.poll(doctorLine, { timeout: 30_000 }).toMatchObject({ status: "PASS", detail: `${group.masterName} at 127.0.0.1:${group.masterPort}, 1 replica connected` });

    const prefix = "sentinel-test";
    // The worker role's own pool (15, as ops/runtime.ts gives it); the producers and the sweep use the test's.
    const workerDb = createPrisma(db.url, { max: 15 });
    const queues = new Queues(producer, prefix, logger, new JobOutbox(db.prisma));
    const workerQueues = new Queues(producer, prefix, logger, new JobOutbox(workerDb));
    // Runs that found their effect already there: a retry after an attempt that failed between the
    // effect and the outbox's DONE (at least once, hence idempotent effects), or a job run twice
    // after the failover (must not happen).
    const rerunsAfterFailedAttempt: string[] = [];
    const duplicates: string[] = [];
    const processors: ProcessorMap = {
      [QueueName.Notifications]: {
        // The effect a real notification has (a message recorded once, idempotent), in Postgres.
        process: async (_payload, job) => {
          await new Promise((r) => setTimeout(r, 15)); // a Telegram call's worth of time, so a backlog builds up in Redis
          const rows = await workerDb.$queryRaw<{ key: string }[]>`
            INSERT INTO processed_events (source, key) VALUES ('sentinel-load', ${job.id!}) ON CONFLICT DO NOTHING RETURNING key`;
          if (rows.length === 0) (job.attemptsMade > 0 ? rerunsAfterFailedAttempt : duplicates).push(job.id!);
        },
        concurrency: 8,
        // A job that was running on the dead master is taken over once its lock lapses: short here, so the test is quick.
        lockDuration: 10_000,
        stalledInterval: 5_000,
      },
    };
    const workers = registerWorkers({ connection: workerConn, prefix, processors, logger, metrics: createMetrics(), queues: workerQueues });
    const sweep = () => recoverJobs({ prisma: db.prisma, queues, processors, logger, graceMs: 0 });

    const pushed = new Set<string>();
    const notPushed = new Set<string>();
    const ids = Array.from({ length: JOBS }, (_, i) => jobId("sentinel-load", i));
    let produced = 0;
    // Eight producers at once (as web, bot and worker processes enqueue side by side).
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < JOBS; i = next++) {
        const job = await queues.enqueue(QueueName.Notifications, { chatId: 9_000_000 + i, key: "sentinel-load", params: {} }, { jobId: ids[i]! });
        (job ? pushed : notPushed).add(ids[i]!);
        produced++;
      }
    };
    const production = Promise.all(Array.from({ length: 8 }, lane));

    try {
      // Kill the master while jobs are being produced and processed.
      await expect.poll(effects, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(60);
      const atKill = { produced, done: await effects() };
      group.killNode(group.masterPort);

      await expect.poll(() => group.currentMaster(), { timeout: 90_000, interval: 250 }).toBe(`127.0.0.1:${group.replicaPort!}`);
      // The same connection objects, no restart: they asked the sentinels and reached the promoted replica.
      await expect.poll(() => producer.status === "ready" && general.status === "ready" && reachedNode(general), { timeout: 60_000, interval: 200 }).toBe(`${group.masterName} at 127.0.0.1:${group.replicaPort}`);
      expect(await general.call("ROLE").then((r) => (r as string[])[0])).toBe("master");
      // Readiness (/health/ready, the owner's /health) names the master this process now follows.
      expect((await checkReadiness({ prisma: db.prisma, redis: general })).checks.redis).toMatchObject({ ok: true, node: `${group.masterName} at 127.0.0.1:${group.replicaPort}` });
      await production;

      // Jobs Redis acknowledged but the replica never received (asynchronous replication).
      const lostByRedis: string[] = [];
      for (const id of pushed) {
        if ((await queues.outbox!.status(QueueName.Notifications, id)) !== "PENDING") continue;
        if ((await queues.get(QueueName.Notifications).getJobState(id)) === "unknown") lostByRedis.push(id);
      }

      let repushed = 0;
      const outboxLeft = async () =>
        (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job_outbox WHERE queue = ${QueueName.Notifications} AND status <> 'DONE'`)[0]!.n;
      await expect
        .poll(
          async () => {
            repushed += (await sweep()).repushed.length;
            return { effects: await effects(), outboxLeft: await outboxLeft() };
          },
          { timeout: 120_000, interval: 1_000 },
        )
        .toEqual({ effects: JOBS, outboxLeft: 0 });
      console.log(
        `sentinel failover: master killed after ${atKill.produced}/${JOBS} jobs produced and ${atKill.done} done; ` +
          `${notPushed.size} pushes failed while no master answered, ${lostByRedis.length} jobs acknowledged by the old master were lost by Redis; ` +
          `the recovery sweep pushed ${repushed} again; ${JOBS} effects in Postgres; ${rerunsAfterFailedAttempt.length} retries after a failed attempt found their effect done, ${duplicates.length} other repeats`,
      );
      expect(duplicates).toEqual([]);
      // Every lost or unpushed job came back through the outbox, none through luck.
      expect(repushed).toBeGreaterThanOrEqual(lostByRedis.length);
      // The promoted master has no replica left (the old master is dead): the doctor says so.
      expect(await doctorLine()).toMatchObject({ status: "WARN", detail: expect.stringMatching(/no replica connected: a failover has nothing to promote/) });
    } finally {
      await production.catch(() => undefined);
      await closeWorkers(workers);
      await Promise.all([queues.close(), workerQueues.close()]);
      await workerDb.$disconnect();
    }
  });
});
