/**
 * The dependency breaker's failure streaks across processes (shop/maintenance/dependency-health.ts,
 * `share`): two breakers, each its own Redis connection (as a web and a worker process), count one
 * streak per dependency. A failure seen by one process is not "in a row" with the next one it sees
 * when the other process had a success in between; failures seen by both add up.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyHealth } from "../../shop/maintenance/dependency-health.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from "../support/redis.js";

let db: TestDatabase;
const prefix = uniquePrefix("breaker");
const connections: Redis[] = [];
const outage = Object.assign(new Error("connect ECONNREFUSED"), { code: "unavailable" });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  connections.forEach((c) => c.disconnect());
  await deleteKeys(prefix);
  await db?.drop();
});

/** One process's breaker, sharing its streaks under the test's prefix. */
function processBreaker(policy: { consecutiveFailures: number; failingForMs: number }): DependencyHealth {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  connections.push(redis);
  const health = new DependencyHealth(policy);
  health.attach({ prisma: db.prisma });
  health.share(redis, prefix);
  return health;
}

const paused = async (scope: string) => (await db.prisma.serviceFlag.count({ where: { scope, active: true } })) > 0;

describe("breaker streaks shared across processes", () => {
  it("two blips in one process with a success in the other between them do not pause", async () => {
    const [web, worker] = [processBreaker({ consecutiveFailures: 5, failingForMs: 50 }), processBreaker({ consecutiveFailures: 5, failingForMs: 50 })];
    web.failed("PROVIDER:VULTR", outage);
    await web.settled();
    worker.succeeded("PROVIDER:VULTR");
    await worker.settled();
    await new Promise((r) => setTimeout(r, 80));
    web.failed("PROVIDER:VULTR", outage); // counted alone, two failures 80 ms apart would trip
    await web.settled();
    expect(await paused("PROVIDER:VULTR")).toBe(false);
    expect(web.failures("PROVIDER:VULTR")).toBe(1);
  });

  it("failures seen by different processes add up to one streak and pause", async () => {
    const [web, worker] = [processBreaker({ consecutiveFailures: 3, failingForMs: 600_000 }), processBreaker({ consecutiveFailures: 3, failingForMs: 600_000 })];
    for (const breaker of [web, worker, web]) {
      breaker.failed("PROVIDER:LINODE", outage);
      await breaker.settled();
    }
    expect(await paused("PROVIDER:LINODE")).toBe(true);
  });
});
