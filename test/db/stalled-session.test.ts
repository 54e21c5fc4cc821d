/**
 * A process that holds row locks inside a transaction and then goes silent without closing its
 * connection (its host cut off, frozen, or its process stopped): Postgres cannot tell it from a
 * slow caller until `idle_in_transaction_session_timeout` ends the session, and until then every
 * other process that needs those rows waits. This is what held host B up in the network-split test
 * (test/scale/network-split.test.ts). The app's pool (createPrisma) sets that timeout; a waiter
 * must get the rows within its own `statement_timeout` (30 s), not fail on it. (That the app's
 * sessions carry the setting: test/db/schema.test.ts.)
 *
 * The silent process is a pg connection with the app pool's settings (pgPoolConfig with
 * IDLE_IN_TRANSACTION_TIMEOUT_MS, as createPrisma has) whose bytes run through a TCP relay that
 * stops relaying while keeping both sockets open: no FIN, no RST, as when a host's link goes down.
 * (Plain pg rather than Prisma here: Prisma's own rollback after its 5 s transaction timeout, sent
 * into the dead link, rejects unhandled inside its adapter once the link closes; the app logs that,
 * a test runner counts it as a failure.)
 */
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDLE_IN_TRANSACTION_TIMEOUT_MS, pgPoolConfig } from "../../db/client.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
const clients: pg.Client[] = [];
const relays: Array<{ close(): void }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.$executeRawUnsafe("CREATE TABLE stall_probe (id int PRIMARY KEY, v int NOT NULL)");
  await db.prisma.$executeRawUnsafe("INSERT INTO stall_probe VALUES (1, 0)");
});
afterAll(async () => {
  // The relay first: a client whose socket is frozen would wait forever to say goodbye.
  for (const r of relays) r.close();
  for (const c of clients) await c.end().catch(() => undefined);
  await db?.drop();
});

/** A relay to Postgres whose `freeze()` stops passing bytes either way and keeps every socket open. */
async function freezableRelay(target: URL) {
  const pairs: Array<[net.Socket, net.Socket]> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
    client.pipe(upstream).pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

describe("a process gone silent inside a transaction", () => {
  it("loses its locks to Postgres soon enough that a waiting process gets the rows within its statement timeout", { timeout: 90_000 }, async () => {
    const target = new URL(db.url);
    const relay = await freezableRelay(target);
    relays.push(relay);
    const via = new URL(db.url);
    via.hostname = "127.0.0.1";
    via.port = String(relay.port);
    const silent = new pg.Client(pgPoolConfig(via.toString(), { max: 1, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_TIMEOUT_MS, applicationName: "vps-shop:test-silent" }));
    silent.on("error", () => undefined);
    clients.push(silent);
    await silent.connect();

    // Takes the row, then its host "goes away": its next statement and its rollback never arrive.
    await silent.query("BEGIN");
    await silent.query("SELECT v FROM stall_probe WHERE id = 1 FOR UPDATE");
    relay.freeze();
    const stalled = silent.query("UPDATE stall_probe SET v = -1 WHERE id = 1").catch((err: unknown) => err);
    await expect
      .poll(async () => (await db.prisma.$queryRaw<Array<{ state: string }>>`SELECT state FROM pg_stat_activity WHERE application_name = 'vps-shop:test-silent' AND datname = current_database()`).map((r) => r.state), { timeout: 10_000 })
      .toContain("idle in transaction");

    // Another process (the app's own pool, as host B's) needs the same row.
    const started = Date.now();
    await db.prisma.$executeRawUnsafe("UPDATE stall_probe SET v = 2 WHERE id = 1");
    const waitedMs = Date.now() - started;
    console.log(`the waiting process got the row after ${(waitedMs / 1000).toFixed(1)} s`);

    const rows = await db.prisma.$queryRaw<Array<{ v: number }>>`SELECT v FROM stall_probe WHERE id = 1`;
    expect(rows[0]?.v).toBe(2);
    // Postgres ended the silent session; its own client sees its transaction fail.
    expect(await db.prisma.$queryRaw<Array<{ pid: number }>>`SELECT pid FROM pg_stat_activity WHERE application_name = 'vps-shop:test-silent'`).toEqual([]);
    // The silent client hears nothing until its link is back (here: the relay closed).
    relay.close();
    expect(await stalled).toBeInstanceOf(Error);
  });
});
