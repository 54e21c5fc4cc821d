/**
 * The worker role's guarantees with two worker processes (`node --import tsx ops/main.ts worker`
 * twice, as on two hosts) against one Postgres and one Redis:
 *
 * - provisioning: each of 10 paid orders is given two provisioning jobs (two job ids, as a
 *   duplicate run would be), one run in each process, made so by waiting for states rather than
 *   hoping for a scheduling: worker 1 alone takes the 10 "a" runs (its provisioning concurrency,
 *   ops/runtime.ts) and each creates its order's server, which stays booting (the fake clouds'
 *   clock is held back) so all 10 slots stay busy; then worker 2 starts and, worker 1 being
 *   full, takes the 10 "b" runs, which meet the per-order Postgres lease and wait. Once the
 *   clock moves past the boot: exactly one server per order, every order ACTIVE.
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

/** Job ids a worker process logged with `msg` on `queue`, in order, repeats included. */
const jobsLogged = (w: ServiceProcess, msg: string, queue: string) => w.logs().filter((l) => l.msg === msg && l.queue === queue).map((l) => String(l.jobId));
/** Provisioning runs a worker process started ("job started" is logged at debug level). */
const started = (w: ServiceProcess) => jobsLogged(w, "job started", "provisioning");
/** Job ids a worker process logged as completed on `queue`. */
const completed = (w: ServiceProcess, queue: string) => jobsLogged(w, "job completed", queue);

describe("provisioning with two worker processes", () => {
  let clouds: FakeClouds;
  let telegram: FakeTelegram;
  let redis: Redis;
  let queues: Queues;
  const prefix = uniquePrefix("workers2");
  /** How far the fake clouds' clock is ahead of the real one: servers boot only when a test moves it. */
  let shift = 0;
  const BOOT_MS = 3_600_000;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    await seedDemoCatalog(db.prisma, NOW);
    useShopId(await resolveShopId(db.prisma));
    clouds = await startFakeClouds({ bootDelayMs: BOOT_MS, ipDelayMs: 100, actionDelayMs: 50, now: () => Date.now() + shift });
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

  it("the same order given to two processes at once builds exactly one server", { timeout: 240_000 }, async () => {
    const db = dbs[0]!;
    // The provisioning queue's concurrency per worker process (ops/runtime.ts): this many "a" runs
    // fill worker 1, so it cannot take a "b" run before one of them ends.
    const SLOTS = 10;
    // LOG_LEVEL debug: "job started" (jobs/workers.ts) tells which process took a run.
    // PROVISION_JOB_LOCK_MS 30 s: the order lease lives 15 s and is renewed every 5 s, so an a-run
    // keeps it while it waits for the boot even on a busy machine; a b-run finding it held tries
    // again 10 to 15 s later. The 30 min deadline is wall clock, never reached.
    const env = testEnv(db, prefix, await freePort(), telegram.url, {
      ...clouds.env,
      LOG_LEVEL: "debug",
      PROVISION_POLL_MS: "250",
      PROVISION_DEADLINE_MINUTES: "30",
      PROVISION_JOB_LOCK_MS: "30000",
    });
    const workers: ServiceProcess[] = [];
    const describeAll = (e: Error) => Promise.reject(new Error(`${e.message}\n${workers.map((w, i) => `--- worker ${i + 1} ---\n${w.describe()}`).join("\n")}`));
    const startWorker = async () => {
      const w = spawnService(["worker"], env);
      workers.push(w);
      await w.waitForLog("service started", 90_000).catch(describeAll);
      return w;
    };

    const orders: Array<Awaited<ReturnType<typeof newPaidOrder>>> = [];
    for (let i = 0; i < SLOTS; i++) {
      const order = await newPaidOrder(db.prisma, { provider: "DIGITALOCEAN" });
      const user = await db.prisma.user.findUniqueOrThrow({ where: { id: order.userId } });
      telegram.user(Number(user.telegramId), { firstName: "Pembeli" });
      orders.push(order);
    }
    const run = (order: { id: number }, which: "a" | "b") => jobId("provision", order.id, which);
    const enqueueRuns = async (which: "a" | "b") => {
      for (const order of orders) await queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: run(order, which) });
    };

    // Worker 1 alone takes every a-run; each creates its order's server, which then stays booting.
    const w1 = await startWorker();
    await enqueueRuns("a");
    const fakeDo = fakeOf(clouds, "DIGITALOCEAN");
    await pollUntil(
      async () => orders.every((o) => serversTagged(fakeDo, orderTag(o.reference)).length > 0) || undefined,
      90_000,
      `a server created for each of the ${SLOTS} orders (does a worker still run ${SLOTS} provisioning jobs at once? ops/runtime.ts)`,
      100,
    ).catch(describeAll);

    // Worker 1's slots are all busy polling; worker 2 takes the b-runs, which find each order leased.
    const w2 = await startWorker();
    await enqueueRuns("b");
    await pollUntil(async () => orders.every((o) => started(w2).includes(run(o, "b"))) || undefined, 90_000, "worker 2 started every b-run", 100).catch(describeAll);
    const before = [started(w1), started(w2)];
    for (const o of orders) expect(serversTagged(fakeDo, orderTag(o.reference))).toHaveLength(1);

    // Boot every server at once.
    shift = BOOT_MS + 60_000;
    await pollUntil(
      async () => {
        const rows = await db.prisma.order.findMany({ where: { id: { in: orders.map((o) => o.id) } }, select: { status: true } });
        return rows.every((r) => r.status === "ACTIVE") || undefined;
      },
      90_000,
      "every order ACTIVE",
      200,
    ).catch(describeAll);
    // A b-run waits out its delay, then finds the order done, in whichever process takes it.
    await pollUntil(async () => workers.flatMap((w) => completed(w, "provisioning")).length >= 2 * SLOTS || undefined, 90_000, `all ${2 * SLOTS} runs finished`, 200).catch(describeAll);

    for (const order of orders) expect(serversTagged(fakeDo, orderTag(order.reference))).toHaveLength(1);
    const byWorker = workers.map((w) => completed(w, "provisioning"));
    const split = orders.filter((o) => before[0]!.includes(run(o, "a")) && before[1]!.includes(run(o, "b")));
    console.log(
      `provisioning: runs finished per worker ${byWorker.map((ids) => ids.length).join(" / ")}, orders with a run in both processes: ${split.length} of ${orders.length}, b-run starts in worker 2 before the boot ${before[1]!.length}`,
    );
    // Every order had its a-run in worker 1 and its b-run in worker 2, and worker 1 took no b-run
    // while its slots were full; no a-run ever ran in worker 2 (an a-run is never delayed).
    expect(split.map((o) => o.id)).toEqual(orders.map((o) => o.id));
    expect(before[0]!.filter((id) => id.endsWith("-b")), `worker 1 took b-runs: does it run more than ${SLOTS} provisioning jobs at once now? (ops/runtime.ts)`).toEqual([]);
    expect(started(w2).filter((id) => id.endsWith("-a"))).toEqual([]);
    expect(new Set(byWorker.flat()).size).toBe(2 * SLOTS);
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
      const sends = recorder.ok().map((s) => s.at);
      const busiest = Math.max(...sends.map((start) => sends.filter((t) => t >= start && t < start + 1_000).length));
      expect(recorder.tooMany).toEqual([]);
      expect(busiest).toBeLessThanOrEqual(LIMIT);
      expect([...recorder.perChat().values()].every((n) => n === 4)).toBe(true);
      // Each process ran at least one of the four runs (two at most each). A run logs its end a
      // moment after its last send, so the counts are read once both have.
      const ran = () => workers.map((w) => completed(w, "broadcast").length);
      await pollUntil(async () => (ran().every((n) => n > 0) && ran().reduce((a, b) => a + b, 0) >= broadcasts.length) || undefined, 30_000, "every run finished, in both workers", 200);
      const byWorker = ran();
      console.log(`broadcasts: ${total} messages, runs finished per worker ${byWorker.join(" / ")}, busiest second ${busiest} sends, 429s ${recorder.tooMany.length}`);
    } finally {
      recorder.stop();
    }
  });
});
