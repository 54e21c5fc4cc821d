/**
 * The scheduler's exactly-once ticks across processes (jobs/scheduler.ts, jobs/scheduler-ticks.ts):
 * two schedulers, each with its own Postgres client, Redis connection and holder id (as on two
 * hosts), run the same table at a seconds cadence (a six-field cron, as SCHEDULER_CRON_OVERRIDES
 * allows) and every tick is claimed once, recorded once in the outbox and queued once. A tick
 * claimed and recorded whose push never reached Redis (the process died, Redis refused) is pushed
 * by the recovery sweep; a Redis wipe after a tick ran does not let it be queued again. Then the
 * same with real processes: two `scheduler` roles and a `worker` (node ops/main.ts), the order
 * expiry every 2 s through SCHEDULER_CRON_OVERRIDES: each tick claimed once and run once.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { QueueName, Queues } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { startScheduler, tickEntry, tickId, type ScheduleEntry } from "../../jobs/scheduler.js";
import { TickClaims, purgeSchedulerTicks } from "../../jobs/scheduler-ticks.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, testEnv } from "../support/service.js";
import { killAll, pollUntil, spawnService } from "../process/helpers.js";

const logger = createLogger({ role: "test", level: "silent" });
let db: TestDatabase;
const prefix = uniquePrefix("ticks");

/** One scheduler host: its own Postgres client, Redis connection, queues and claims. */
interface Host {
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  claims: TickClaims;
  close(): Promise<void>;
}
const hosts: Host[] = [];

function host(name: string): Host {
  const prisma = createPrisma(db.url, { max: 3 });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  const queues = new Queues(redis, prefix, logger, new JobOutbox(prisma));
  const h: Host = {
    prisma,
    redis,
    queues,
    claims: new TickClaims(prisma, queues, logger, name),
    async close() {
      await queues.close();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
  hosts.push(h);
  return h;
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await killAll();
  await Promise.allSettled(hosts.map((h) => h.close()));
  await deleteKeys(prefix);
  await db?.drop();
});

describe("scheduler ticks across processes", () => {
  it("two schedulers firing every second claim, record and queue each tick once", async () => {
    const [a, b] = [host("host-a:1"), host("host-b:2")];
    const table = (h: Host): ScheduleEntry[] => [tickEntry(h.queues, "order-expiry", "* * * * * *", QueueName.Lifecycle, (tick) => ({ task: "order-expiry", tick }))];
    // Both fire for every tick; count who won and who found it taken.
    const outcomes: boolean[] = [];
    for (const h of [a, b]) {
      const claim = h.claims.claimAndRecord.bind(h.claims);
      h.claims.claimAndRecord = async (...args) => {
        const won = await claim(...args);
        outcomes.push(won);
        return won;
      };
    }
    const first = startScheduler(table(a), logger, { claims: a.claims });
    const second = startScheduler(table(b), logger, { claims: b.claims });
    try {
      await pollUntil(async () => {
        const rows = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM scheduler_ticks WHERE task = 'order-expiry'`;
        return (rows[0]?.n ?? 0) >= 5 || undefined;
      }, 30_000, "5 ticks claimed");
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    // stop() waited for any firing in flight: its claim, outbox row and push are all done.

    const claims = await db.prisma.schedulerTick.findMany({ where: { task: "order-expiry" }, orderBy: { tick: "asc" } });
    expect(claims.every((c) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(c.tick))).toBe(true);
    expect(outcomes.filter(Boolean).length).toBe(claims.length);
    expect(outcomes.filter((won) => !won).length).toBeGreaterThan(0);
    expect(claims.every((c) => c.claimedBy === "host-a:1" || c.claimedBy === "host-b:2")).toBe(true);

    // One outbox row per claimed tick, and one job per tick in Redis.
    const outbox = await db.prisma.$queryRaw<{ job_id: string }[]>`SELECT job_id FROM job_outbox WHERE queue = 'lifecycle' ORDER BY job_id`;
    expect(outbox.map((r) => r.job_id)).toEqual(claims.map((c) => `order-expiry-${c.tick.replace(/:/g, "-")}`));
    const jobs = await a.queues.get(QueueName.Lifecycle).getJobs(["waiting", "delayed", "active", "completed"]);
    const ids = jobs.map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(outbox.map((r) => r.job_id));
  });

  it("a tick whose push never reached Redis is pushed by the recovery sweep; after a wipe it is not queued again", async () => {
    const a = host("host-c:3");
    const tick = tickId(new Date(Date.now() - 3_600_000));
    const job = { queue: QueueName.Lifecycle, payload: { task: "orphan-sweep", tick }, jobId: `orphan-sweep-${tick.replace(/:/g, "-")}` };
    // The process "dies" between the commit and the push: the push throws.
    const push = a.queues.push.bind(a.queues);
    a.queues.push = () => Promise.reject(new Error("killed before the push"));
    expect(await a.claims.claimAndRecord("orphan-sweep", tick, job)).toBe(true);
    a.queues.push = push;
    expect(await a.queues.get(QueueName.Lifecycle).getJobState(job.jobId)).toBe("unknown");

    const report = await recoverJobs({ prisma: a.prisma, queues: a.queues, processors: {}, logger, graceMs: 0 });
    expect(report.repushed).toContain(`lifecycle/${job.jobId}`);
    expect(await a.queues.get(QueueName.Lifecycle).getJobState(job.jobId)).toBe("waiting");

    // A second scheduler (or this one restarted) firing the same tick after Redis lost everything: no claim, no job.
    await deleteKeys(prefix);
    const b = host("host-d:4");
    expect(await b.claims.claimAndRecord("orphan-sweep", tick, job)).toBe(false);
    expect(await b.queues.get(QueueName.Lifecycle).getJobState(job.jobId)).toBe("unknown");
  });

  it("a tick that met a database blip is tried again; a failed run gives its claim back", async () => {
    const a = host("host-f:6");
    // The transaction fails once (Postgres restarting), then works.
    const claimAndRecord = a.claims.claimAndRecord.bind(a.claims);
    let failures = 0;
    let failedTick = "";
    a.claims.claimAndRecord = async (...args) => {
      if (failures++ === 0) {
        failedTick = args[1];
        throw new Error("connection terminated");
      }
      return claimAndRecord(...args);
    };
    // A `run` entry whose enqueue fails once after its claim.
    const runs: string[] = [];
    const flaky: ScheduleEntry = {
      name: "flaky-run",
      cron: "* * * * * *",
      run: async (tick) => {
        runs.push(tick);
        if (runs.length === 1) throw new Error("redis refused");
      },
    };
    const table = [tickEntry(a.queues, "pending-reminders", "* * * * * *", QueueName.Lifecycle, (tick) => ({ task: "pending-reminders", tick })), flaky];
    const scheduler = startScheduler(table, logger, { claims: a.claims, retryDelayMs: 50 });
    try {
      await pollUntil(async () => {
        const retried = failedTick !== "" && runs.filter((t) => t === runs[0]).length === 2;
        return (retried && (await db.prisma.schedulerTick.count({ where: { OR: [{ task: "pending-reminders", tick: failedTick }, { task: "flaky-run", tick: runs[0] }] } })) === 2) || undefined;
      }, 30_000, "both failed ticks tried again");
    } finally {
      await scheduler.stop();
    }
    // The tick whose first try failed was claimed and recorded on its next try, not skipped.
    expect(await db.prisma.schedulerTick.count({ where: { task: "pending-reminders", tick: failedTick } })).toBe(1);
    expect(await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM job_outbox WHERE job_id = ${`pending-reminders-${failedTick.replace(/:/g, "-")}`}`).toEqual([{ n: 1 }]);
    // The run that failed gave its claim back and the same tick ran again (claimed once).
    expect(runs.filter((t) => t === runs[0])).toHaveLength(2);
    expect(await db.prisma.schedulerTick.count({ where: { task: "flaky-run", tick: runs[0] } })).toBe(1);
  });

  it("an unknown task in the overrides stops the scheduler at start; old claims are purged", async () => {
    const a = host("host-e:5");
    const table = [tickEntry(a.queues, "order-expiry", "* * * * *", QueueName.Lifecycle, (tick) => ({ task: "order-expiry", tick }))];
    expect(() => startScheduler(table, logger, { claims: a.claims, overrides: { "order-expirry": "*/5 * * * * *" } })).toThrow(/order-expirry/);

    await db.prisma.$executeRaw`INSERT INTO scheduler_ticks (task, tick, claimed_by, claimed_at) VALUES ('old', '2026-01-01T00:00', 'x', now() - interval '8 days'), ('recent', '2026-01-01T00:00', 'x', now() - interval '6 days')`;
    expect(await purgeSchedulerTicks(db.prisma)).toBe(1);
    expect(await db.prisma.schedulerTick.count({ where: { task: { in: ["old", "recent"] } } })).toBe(1);
  });

  it("two scheduler processes and a worker: every tick of SCHEDULER_CRON_OVERRIDES claimed once and run once", { timeout: 120_000 }, async () => {
    const processPrefix = uniquePrefix("ticks-proc");
    const env = testEnv(db, processPrefix, await freePort(), "http://127.0.0.1:9", {
      LOG_LEVEL: "info",
      SCHEDULER_CRON_OVERRIDES: "order-expiry=*/2 * * * * *",
      METRICS_PORT_SCHEDULER: "0",
      METRICS_PORT_WORKER: "0",
    });
    const since = new Date();
    const roles = [spawnService(["scheduler"], env), spawnService(["scheduler"], env), spawnService(["worker"], env)];
    try {
      await Promise.all(roles.map((r) => r.waitForLog("service started", 90_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${r.describe()}`)))));
      const claimed = () => db.prisma.schedulerTick.findMany({ where: { task: "order-expiry", claimedAt: { gte: since } }, orderBy: { tick: "asc" } });
      await pollUntil(async () => (await claimed()).filter((c) => c.tick.length === 19).length >= 4 || undefined, 60_000, "4 seconds-ticks claimed by the processes");
      const ticks = (await claimed()).filter((c) => c.tick.length === 19);
      const holders = new Set(ticks.map((c) => c.claimedBy.split(":")[1]));
      const schedulerPids = new Set(roles.slice(0, 2).map((r) => String(r.pid)));
      expect([...holders].every((pid) => schedulerPids.has(pid!))).toBe(true);
      // Every claimed tick's job ran once: its outbox row DONE (the worker marks it before BullMQ completes it).
      const ids = ticks.map((c) => `order-expiry-${c.tick.replace(/:/g, "-")}`);
      await pollUntil(async () => {
        const rows = await db.prisma.$queryRaw<{ status: string }[]>`SELECT status::text FROM job_outbox WHERE queue = 'lifecycle' AND job_id = ANY(${ids})`;
        return (rows.length === ids.length && rows.every((r) => r.status === "DONE")) || undefined;
      }, 30_000, "the claimed ticks' jobs done");
      // BullMQ completes (and the worker logs) a job just after its outbox row is marked DONE.
      const runs = () => roles[2]!.logs().filter((l) => l.msg === "job completed" && l.queue === "lifecycle" && ids.includes(String(l.jobId)));
      await pollUntil(async () => ids.every((id) => runs().some((l) => l.jobId === id)) || undefined, 30_000, "the worker to log each claimed tick's job completed");
      expect(runs().map((l) => l.jobId).sort()).toEqual([...ids].sort());
    } finally {
      await killAll();
      await deleteKeys(processPrefix);
    }
  });
});
