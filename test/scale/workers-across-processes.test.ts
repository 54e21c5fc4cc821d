/**
 * The worker role's guarantees with two worker processes (`node --import tsx ops/main.ts worker`
 * twice, as on two hosts) against one Postgres and one Redis:
 *
 * - provisioning: each of 6 paid orders is given two provisioning jobs (two job ids, as a
 *   duplicate run would be) at once; with 10 jobs at a time per worker the 12 jobs are spread
 *   over both processes, so some orders have a run in each. The per-order Postgres lease lets
 *   one run build: exactly one server per order, every order ACTIVE.
 * - the lifecycle queue runs one job at a time across processes (its global concurrency), as it
 *   did with one worker;
 * - broadcasts: four broadcasts at once (two runs per worker at most, so both processes send)
 *   share one pace in Redis: the fake Telegram, whose flood control is on 10 % above the workers'
 *   rate, never answers 429, and no second of the sends exceeds its limit.
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { createLogger } from "../../shop/platform/logger.js";
import { orderTag } from "../../shop/provisioning/provision.js";
import { resolveShopId, useShopId } from "../../shop/provisioning/shop-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN, testEnv } from "../support/service.js";
import { killAll, pollUntil, type ServiceProcess, spawnService } from "../process/helpers.js";
import { fakeOf, newPaidOrder, NOW, serversTagged } from "../provisioning/fixtures.js";
import { confirmServiceBroadcast, seedCustomers, SendRecorder, startBroadcastRig, type BroadcastRig } from "../support/broadcast-proof.js";

const dbs: TestDatabase[] = [];
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  for (const db of dbs.splice(0)) await db.drop();
});

async function startedWorkers(env: Record<string, string>): Promise<ServiceProcess[]> {
  const workers = [spawnService(["worker"], env), spawnService(["worker"], env)];
  await Promise.all(workers.map((w) => w.waitForLog("service started", 90_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${w.describe()}`)))));
  return workers;
}

/** Job ids a worker process logged as completed on `queue`. */
const completed = (w: ServiceProcess, queue: string) => w.logs().filter((l) => l.msg === "job completed" && l.queue === queue).map((l) => String(l.jobId));

describe("provisioning with two worker processes", () => {
  let clouds: FakeClouds;
  let telegram: FakeTelegram;
  let redis: Redis;
  let queues: Queues;
  const prefix = uniquePrefix("workers2");

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    await seedDemoCatalog(db.prisma, NOW);
    useShopId(await resolveShopId(db.prisma));
    clouds = await startFakeClouds({ bootDelayMs: 300, ipDelayMs: 100, actionDelayMs: 50 });
    telegram = await startFakeTelegram({ token: TEST_TOKEN });
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    queues = new Queues(redis, prefix, createLogger({ role: "test", level: "silent" }), new JobOutbox(db.prisma));
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await telegram?.stop();
    await clouds?.stop();
    await deleteKeys(prefix);
  });

  it("the same order given to two processes at once builds exactly one server", { timeout: 180_000 }, async () => {
    const db = dbs[0]!;
    const env = testEnv(db, prefix, await freePort(), telegram.url, { ...clouds.env, LOG_LEVEL: "info", PROVISION_POLL_MS: "100", PROVISION_DEADLINE_MINUTES: "30", PROVISION_JOB_LOCK_MS: "10000" });
    const workers = await startedWorkers(env);

    const orders: Array<Awaited<ReturnType<typeof newPaidOrder>>> = [];
    for (let i = 0; i < 6; i++) {
      const order = await newPaidOrder(db.prisma, { provider: "DIGITALOCEAN" });
      const user = await db.prisma.user.findUniqueOrThrow({ where: { id: order.userId } });
      telegram.user(Number(user.telegramId), { firstName: "Pembeli" });
      orders.push(order);
    }
    // All first runs, then all second runs: a worker takes at most 10 at once, so the last
    // orders' second runs land in the other process while their first runs are under way.
    for (const run of ["a", "b"]) {
      for (const order of orders) await queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id, run) });
    }

    await pollUntil(
      async () => {
        const rows = await db.prisma.order.findMany({ where: { id: { in: orders.map((o) => o.id) } }, select: { status: true } });
        return rows.every((r) => r.status === "ACTIVE") || undefined;
      },
      120_000,
      "every order ACTIVE",
      200,
    ).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${workers.map((w) => w.describe()).join("\n")}`)));
    await pollUntil(async () => workers.flatMap((w) => completed(w, "provisioning")).length >= 12 || undefined, 60_000, "all 12 runs finished", 200);

    for (const order of orders) expect(serversTagged(fakeOf(clouds, "DIGITALOCEAN"), orderTag(order.reference))).toHaveLength(1);
    const byWorker = workers.map((w) => completed(w, "provisioning"));
    // Both processes ran provisioning jobs, and at least one order had a run in each.
    expect(byWorker.every((ids) => ids.length > 0)).toBe(true);
    const split = orders.filter((o) => byWorker.every((ids) => ids.some((id) => id.startsWith(`provision-${o.id}-`))));
    console.log(`provisioning: runs per worker ${byWorker.map((ids) => ids.length).join(" / ")}, orders with a run in both processes: ${split.length}`);
    expect(split.length).toBeGreaterThan(0);
  });
});

describe("lifecycle jobs one at a time across workers", () => {
  it("two workers on separate connections never run two lifecycle jobs at once", { timeout: 60_000 }, async () => {
    const prefix = uniquePrefix("global-conc");
    const producer = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    const queues = new Queues(producer, prefix, createLogger({ role: "test", level: "silent" }));
    await queues.applyGlobalConcurrency();
    let running = 0;
    let most = 0;
    let done = 0;
    const connections = [new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }), new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null })];
    const workers = connections.map(
      (connection) =>
        new Worker(
          QueueName.Lifecycle,
          async () => {
            most = Math.max(most, ++running);
            await new Promise((r) => setTimeout(r, 150));
            running--;
            done++;
          },
          { connection, prefix, concurrency: 4 },
        ),
    );
    try {
      for (let i = 0; i < 6; i++) await queues.enqueue(QueueName.Lifecycle, { task: "orphan-sweep", tick: `test-${i}` }, { jobId: jobId("orphan-sweep", "test", i) });
      await pollUntil(async () => done >= 6 || undefined, 30_000, "6 lifecycle jobs done", 50);
      expect(most).toBe(1);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      for (const c of [producer, ...connections]) c.disconnect();
      await deleteKeys(prefix);
    }
  });
});

describe("broadcasts with two worker processes", () => {
  let rig: BroadcastRig;
  /** The fake's flood limit; the workers are set 10 % under it, as the single-process proof does (290 vs 300). */
  const LIMIT = 40;
  const RATE = 36;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    await seedCustomers(db.prisma, 100);
    rig = await startBroadcastRig({
      databaseUrl: db.url,
      prefix: uniquePrefix("workers2-bc"),
      // The fake refuses more than LIMIT a second (any method), as Telegram does at 30. Four
      // broadcasts to one audience send each chat four messages; the per-chat limit is not what
      // this test is about, so it is loose here.
      rateLimit: { globalPerSecond: LIMIT, perChatPerSecond: 10 },
      env: { BROADCAST_RATE_PER_SECOND: String(RATE), BROADCAST_JOB_LOCK_MS: "5000", LOG_LEVEL: "info" },
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it("four broadcasts sent by both processes at once keep one global rate: no 429", { timeout: 180_000 }, async () => {
    const workers = [rig.spawnWorker(), rig.spawnWorker()];
    await Promise.all(workers.map((w) => w.waitForLog("service started", 90_000)));
    const marker = `Info layanan ${Date.now()}`;
    const recorder = new SendRecorder(rig.fake, marker);
    try {
      const broadcasts = [];
      for (let i = 1; i <= 4; i++) {
        broadcasts.push(await confirmServiceBroadcast(rig, `${marker} #${i}`));
      }
      const total = broadcasts.reduce((n, b) => n + b.recipients, 0);
      await pollUntil(async () => recorder.ok().length >= total || undefined, 120_000, `${total} broadcast messages delivered`, 200).catch((e: Error) =>
        Promise.reject(new Error(`${e.message} (${recorder.ok().length} so far)\n${workers.map((w) => w.describe()).join("\n")}`)),
      );
      const byWorker = workers.map((w) => completed(w, "broadcast").length);
      const sends = recorder.ok().map((s) => s.at);
      const busiest = Math.max(...sends.map((start) => sends.filter((t) => t >= start && t < start + 1_000).length));
      console.log(`broadcasts: ${total} messages, runs finished per worker ${byWorker.join(" / ")}, busiest second ${busiest} sends, 429s ${recorder.tooMany.length}`);
      expect(recorder.tooMany).toEqual([]);
      expect(busiest).toBeLessThanOrEqual(LIMIT);
      expect([...recorder.perChat().values()].every((n) => n === 4)).toBe(true);
      // Each process ran at least one of the four runs (two at most each).
      await pollUntil(async () => workers.every((w) => completed(w, "broadcast").length > 0) || undefined, 30_000, "both workers finished a broadcast run", 200);
    } finally {
      recorder.stop();
    }
  });
});
