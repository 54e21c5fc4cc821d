import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

/**
 * A Prisma transaction runs on one pg connection; the parts of a query plan Prisma runs in
 * parallel (and callers' Promise.all) must reach it one at a time, or pg prints "Calling
 * client.query() when the client is already executing a query is deprecated" (into the demo's
 * chat window, among other places). pg prints that once per process, so this test watches the
 * condition itself: a query handed to a client that is still busy with another.
 */
type Busy = { activeQuery?: unknown; _queryQueue: unknown[] };
let db: TestDatabase;
let overlapping = 0;
const query = pg.Client.prototype.query;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma);
  pg.Client.prototype.query = function (this: pg.Client & Busy, ...args: unknown[]) {
    if (this.activeQuery || this._queryQueue.length > 0) overlapping++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
});
afterAll(async () => {
  pg.Client.prototype.query = query;
  await db?.drop();
});

describe("queries inside one transaction", () => {
  it("reach the connection one at a time, in the order issued", async () => {
    overlapping = 0;
    const results = await db.prisma.$transaction(async (tx) =>
      Promise.all([
        tx.$queryRaw<Array<{ n: number }>>`SELECT 1 AS n FROM pg_sleep(0.05)`,
        tx.$queryRaw<Array<{ n: number }>>`SELECT 2 AS n`,
        tx.provider.findMany({ include: { plans: { include: { prices: true } }, images: true } }),
        tx.$queryRaw<Array<{ n: number }>>`SELECT 3 AS n`,
      ]),
    );
    expect([results[0][0]!.n, results[1][0]!.n, results[3][0]!.n]).toEqual([1, 2, 3]);
    expect(results[2].length).toBeGreaterThan(0);
    expect(overlapping).toBe(0);
  });

  it("a failing statement does not wedge the ones queued behind it: the transaction fails and the pool still serves", async () => {
    await expect(db.prisma.$transaction(async (tx) => Promise.all([tx.$queryRaw`SELECT 1 / 0`, tx.$queryRaw`SELECT 1`]))).rejects.toThrow();
    expect(await db.prisma.$queryRaw<Array<{ n: number }>>`SELECT 4 AS n`).toEqual([{ n: 4 }]);
  });
});
