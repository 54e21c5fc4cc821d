/**
 * runAsLeader (shop/leases.ts): what must run exactly once across hosts (the alert bot's poller)
 * runs in one process at a time, and another takes over when that process stops or dies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { runAsLeader } from "../../shop/leases.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
const pools: PrismaClient[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.$disconnect()));
  await db?.drop();
});

describe("runAsLeader", () => {
  it("runs the work in one process at a time; when the leader stops or its lease lapses, another takes over", async () => {
    const running = new Set<string>();
    const overlaps: string[] = [];
    const starts: string[] = [];
    const make = (name: string) => {
      const prisma = createPrisma(db.url, { max: 2 });
      pools.push(prisma);
      return runAsLeader(
        prisma,
        "test-singleton",
        async (signal) => {
          if (running.size > 0) overlaps.push(`${name} with ${[...running].join(",")}`);
          running.add(name);
          starts.push(name);
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          running.delete(name);
        },
        { ttlMs: 4_000, retryMs: 200 },
      );
    };
    const a = make("A");
    await expect.poll(() => starts.length, { timeout: 20_000 }).toBe(1);
    const b = make("B");
    const c = make("C");
    const first = starts[0]!;
    const byName = { A: a, B: b, C: c } as const;
    // A clean stop hands over at once (the lease is released).
    await byName[first as keyof typeof byName].stop();
    await expect.poll(() => starts.length, { timeout: 20_000 }).toBe(2);
    expect(starts[1]).not.toBe(first);
    // A holder whose lease is taken from under it (as after a pause longer than the TTL) stops its work.
    await db.prisma.$executeRaw`UPDATE leases SET holder = 'someone-else', expires_at = now() + interval '2 seconds' WHERE key = 'test-singleton'`;
    await expect.poll(() => running.size, { timeout: 20_000 }).toBe(0);
    await expect.poll(() => starts.length, { timeout: 20_000 }).toBe(3);
    expect(overlaps).toEqual([]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    expect(running.size).toBe(0);
  });
});
