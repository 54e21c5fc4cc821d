/**
 * What keeps working, and what customers read, whatever the mode: payment webhooks settle while
 * the whole bot is in maintenance and the gateway itself is paused; when Postgres cannot be
 * reached, customers get the static maintenance answer instead of an error (both when the
 * state read fails and when an update fails midway), staff still go through.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import { DATABASE_DOWN_TEXT } from "../../bot/middlewares/maintenance.middleware.js";
import { createCore } from "../../ops/runtime.js";
import { setMaintenance, setScope } from "../../shop/maintenance/index.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { recordingFetch, TEST_BOT_INFO, textsSince, updates, type TestUser } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_DATABASE_ADMIN_URL } from "../support/db-context.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { OWNER_ID, testEnv } from "../support/service.js";
import { createPendingOrder, createWebhookHarness, tripayCallbackBody, tripayHeaders } from "../webhooks/payments/harness.js";

let db: TestDatabase;
const prefix = uniquePrefix("mnt-modes");
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await deleteKeys(prefix);
  await db?.drop();
});

describe("payment webhooks in every mode", () => {
  it("a signed Tripay callback settles while the bot is in maintenance and Tripay itself is paused", async () => {
    const h = await createWebhookHarness({ dbUrl: db.url, prefix });
    try {
      await setMaintenance(h.prisma, { on: true, message: "Upgrade", actor: {} });
      await setScope(h.prisma, { scope: "GATEWAY:TRIPAY", on: true, reason: "AUTO", actor: {}, detail: "unreachable" });
      const p = await createPendingOrder(h.prisma);
      const raw = tripayCallbackBody(p);
      const res = await h.app.request("/webhooks/tripay", { method: "POST", headers: tripayHeaders(raw), body: raw });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true });
      expect(await h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true } })).toEqual({ status: "PAID" });
    } finally {
      await setMaintenance(h.prisma, { on: false, actor: {} });
      await h.close();
    }
  });
});

/** A bot over the test database (or over `databaseUrl`), recording its Telegram calls. */
function botOver(databaseUrl: string) {
  const config = loadConfig({ ...testEnv(db, prefix, 3000, "http://127.0.0.1:9"), DATABASE_URL: databaseUrl });
  const core = createCore(config, createLogger({ role: "test", level: config.logLevel }));
  const { fetch, calls } = recordingFetch();
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch });
  return {
    bot,
    calls,
    core,
    async close() {
      await core.queues.close();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
    },
  };
}

describe("Postgres unreachable", () => {
  const customer: TestUser = { id: 5_500_001, first_name: "Rina" };

  it("customers get the static maintenance answer (message and button) instead of an error; staff are not stopped by it", async () => {
    const b = botOver("postgresql://postgres@127.0.0.1:1/nowhere");
    try {
      await b.bot.handleUpdate(updates.text(customer, "/start"));
      expect(textsSince(b.calls)).toEqual([DATABASE_DOWN_TEXT]);
      const from = b.calls.length;
      await b.bot.handleUpdate(updates.callback(customer, "menu:catalog"));
      expect(b.calls.slice(from)).toEqual([{ method: "answerCallbackQuery", payload: expect.objectContaining({ text: DATABASE_DOWN_TEXT.slice(0, 200), show_alert: true }) }]);
      // The owner is not answered with the customers' text (they get the error with its reference).
      const before = b.calls.length;
      await b.bot.handleUpdate(updates.text({ id: OWNER_ID, first_name: "Budi" }, "/start"));
      expect(textsSince(b.calls, before).join()).not.toContain("pemeliharaan");
    } finally {
      await b.close();
    }
  });

  it("when the database goes away under a running bot, the next customer gets the same answer", async () => {
    const b = await (async () => {
      const bot = botOver(db.url);
      await bot.bot.handleUpdate(updates.text(customer, "/start"));
      expect(textsSince(bot.calls).join()).toContain("Halo, Rina!");
      return bot;
    })();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
    await admin.connect();
    const name = new URL(db.url).pathname.slice(1);
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
      const from = b.calls.length;
      await b.bot.handleUpdate(updates.text({ id: 5_500_002, first_name: "Dewi" }, "/start"));
      expect(textsSince(b.calls, from)).toEqual([DATABASE_DOWN_TEXT]);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await b.close();
    }
    // Back: customers are served again.
    const again = botOver(db.url);
    try {
      await again.bot.handleUpdate(updates.text({ id: 5_500_003, first_name: "Putri" }, "/start"));
      expect(textsSince(again.calls).join()).toContain("Halo, Putri!");
    } finally {
      await again.close();
    }
  });
});
