/**
 * Roles follow the configuration. The bot is restarted (a new core and bot on the SAME
 * database and Redis prefix, as a deploy does) with a seller removed from SELLER_IDS: on
 * their very next tap every staff command and button is refused — a button still sitting in
 * their chat and a reject flow they had started included — although their row and the Redis
 * cache still said SELLER. Pushes skip them; a blocked seller has no power either; start-up
 * (the real runtime) demotes them before they write at all. Every demotion is audited.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import type { QueueName } from "../../jobs/queues.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createCore, startService } from "../../ops/runtime.js";
import { reviewerChatIds } from "../../shop/users/staff.js";
import { recordingFetch, TEST_BOT_INFO, textsSince, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { failedVpsOrder, openTransfer as openTransferOf, paymentUnderReview as reviewPayment, userRow } from "../support/factories.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { testEnv } from "../support/service.js";

const OWNER: TestUser = { id: 9_300_001, first_name: "Owner" };
const KEPT: TestUser = { id: 9_300_002, first_name: "Tetap" };
const REMOVED: TestUser = { id: 9_300_003, first_name: "Mantan" };
const CUSTOMER: TestUser = { id: 9_300_010, first_name: "Pembeli" };

const ONLY_STAFF = "Hanya penjual yang bisa melakukan ini.";
const UNKNOWN = "Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.";
const STALE = "Tombol ini sudah tidak berlaku. Berikut tampilan terbaru.";

let db: TestDatabase;
let files: Server;
let apiRoot: string;
const prefix = uniquePrefix("roles");
const running: Array<{ close(): Promise<void> }> = [];

/** A screenshot the bot downloads from `${apiRoot}/file/bot<token>/…` (getFile itself is recorded). */
async function serveScreenshot(): Promise<void> {
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#3366aa" } }).jpeg().toBuffer();
  files = createServer((_req, res) => res.writeHead(200, { "content-type": "image/jpeg", "content-length": jpeg.length }).end(jpeg));
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  apiRoot = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
}

/** One "deploy": a core and bot with these SELLER_IDS over the shared database and Redis prefix. */
function boot(sellerIds: number[]) {
  const config = loadConfig(testEnv(db, prefix, 3000, apiRoot, { SELLER_IDS: sellerIds.join(","), OWNER_IDS: String(OWNER.id) }));
  const core = createCore(config, createLogger({ role: "test", level: config.logLevel }));
  const recorder = recordingFetch();
  const wire: typeof fetch = async (input, init) => {
    if (String(input).endsWith("/getFile")) {
      return Response.json({ ok: true, result: { file_id: "f1", file_unique_id: "u1", file_size: 2048, file_path: "photos/proof.jpg" } });
    }
    return recorder.fetch(input, init);
  };
  // Pushes are recorded here instead of reaching the queues: who would have been told.
  const pushes: Array<{ queue: QueueName; chatId?: number; key?: string }> = [];
  core.queues.enqueue = (async (queue: QueueName, payload: { chatId?: number; key?: string }) => {
    pushes.push({ queue, chatId: payload.chatId, key: payload.key });
  }) as unknown as typeof core.queues.enqueue;
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: wire });
  const instance = {
    bot,
    core,
    config,
    calls: recorder.calls,
    pushes,
    async close() {
      await core.queues.close();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
    },
  };
  running.push(instance);
  return instance;
}
type Instance = ReturnType<typeof boot>;

async function tap(app: Instance, user: TestUser, data: string): Promise<RecordedCall[]> {
  const from = app.calls.length;
  await app.bot.handleUpdate(updates.callback(user, data));
  return app.calls.slice(from);
}

async function say(app: Instance, user: TestUser, text: string): Promise<string[]> {
  const from = app.calls.length;
  await app.bot.handleUpdate(updates.text(user, text));
  return textsSince(app.calls, from);
}

const answerOf = (calls: RecordedCall[]) => calls.find((c) => c.method === "answerCallbackQuery")?.payload.text;
const roleOf = async (user: TestUser) => (await db.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } })).role;

const customerId = async () => (await userRow(db.prisma, CUSTOMER.id, CUSTOMER.first_name)).id;
const paymentUnderReview = async () => reviewPayment(db.prisma, await customerId());
const failedOrder = async () => failedVpsOrder(db.prisma, await customerId());
const openTransfer = async () => (await openTransferOf(db.prisma, await customerId())).order;

beforeAll(async () => {
  db = await createTestDatabase();
  await serveScreenshot();
});
afterAll(async () => {
  for (const app of running) await app.close().catch(() => undefined);
  await new Promise((resolve) => files?.close(resolve));
  await deleteKeys(prefix);
  await db?.drop();
});

describe("a seller removed from SELLER_IDS", () => {
  it("loses every staff power on the next tap, buttons already in the chat and a started reject flow included", async () => {
    const before = boot([KEPT.id, REMOVED.id]);
    expect((await say(before, REMOVED, "/stats")).join("\n")).toContain("Statistik toko");
    const review = await paymentUnderReview();
    const failed = await failedOrder();
    // They start giving the payment back (the bot asks for the reason), then the deploy happens.
    expect(textsSince(await tap(before, REMOVED, `rev:wal:${review.id}`))).toEqual([expect.stringContaining("alasan")]);
    expect(await roleOf(REMOVED)).toBe("SELLER");
    await before.close();

    const after = boot([KEPT.id]);
    // The stored role and the Redis copy still say SELLER: only the check at the tap can stop them.
    expect(await roleOf(REMOVED)).toBe("SELLER");
    const reply = await say(after, REMOVED, "bukti palsu");
    expect(reply).toEqual([expect.stringContaining(ONLY_STAFF)]);
    expect(await roleOf(REMOVED)).toBe("CUSTOMER");

    for (const data of [`rev:view:1`, `rev:ok:${review.id}`, `rev:ok2:${review.id}`, `rev:no:${review.id}`, `rev:wal:${review.id}`, `rev:out:${review.id}`]) {
      expect(answerOf(await tap(after, REMOVED, data)), data).toBe(ONLY_STAFF);
    }
    for (const data of [`prov:retry:${failed.id}`, `prov:refund:${failed.id}`]) {
      expect(answerOf(await tap(after, REMOVED, data)), data).toBe(STALE);
    }
    for (const command of ["/stats", `/retry ${failed.reference}`, `/refund ${failed.reference}`, "/health"]) {
      expect(await say(after, REMOVED, command), command).toEqual([UNKNOWN]);
    }
    // Nothing moved: no decision, no refund, no retry, no push.
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).toMatchObject({ status: "REVIEW" });
    expect(await db.prisma.order.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "PROVISIONING_FAILED" });
    expect(await db.prisma.ledgerTransaction.count()).toBe(0);
    expect(after.pushes).toEqual([]);
    const audits = await db.prisma.auditLog.findMany({ orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["user.demote"]);
    expect(audits[0]).toMatchObject({ actorType: "SYSTEM", targetType: "user", details: { telegramId: REMOVED.id, from: "SELLER", to: "CUSTOMER", source: "config", at: "update" } });

    // The seller still listed keeps every power (the same buttons work for them).
    expect((await say(after, KEPT, "/stats")).join("\n")).toContain("Statistik toko");
    await tap(after, KEPT, `rev:ok2:${review.id}`);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).toMatchObject({ status: "PAID" });
    expect(await db.prisma.auditLog.count({ where: { action: "payment.approve" } })).toBe(1);
  });

  it("gets no review push once the config no longer lists them, even while their row still says SELLER", async () => {
    await db.prisma.user.update({ where: { telegramId: BigInt(REMOVED.id) }, data: { role: "SELLER" } });
    const app = boot([KEPT.id]);
    expect((await reviewerChatIds(db.prisma, app.config)).sort()).toEqual([OWNER.id, KEPT.id].sort());
    // A real push: the customer's transfer screenshot goes to the reviewers only.
    const order = await openTransfer();
    expect(await say(app, CUSTOMER, "/start")).not.toEqual([]);
    const from = app.calls.length;
    await app.bot.handleUpdate({
      update_id: Math.floor(Math.random() * 1e9),
      message: {
        message_id: 77,
        date: Math.floor(Date.now() / 1000),
        chat: { id: CUSTOMER.id, type: "private", first_name: CUSTOMER.first_name },
        from: { is_bot: false, ...CUSTOMER },
        photo: [{ file_id: "f1", file_unique_id: "u1", width: 320, height: 240, file_size: 2048 }],
      },
    });
    expect(textsSince(app.calls, from).join("\n")).toContain(order.reference);
    const told = app.pushes.filter((p) => p.key === "review-new-proof").map((p) => p.chatId);
    expect(told.sort()).toEqual([OWNER.id, KEPT.id].sort());
  });
});

describe("a blocked seller", () => {
  it("has no staff power and gets no push, even before any cache is dropped", async () => {
    const app = boot([KEPT.id]);
    expect((await say(app, KEPT, "/stats")).join("\n")).toContain("Statistik toko");
    const failed = await failedOrder();
    await db.prisma.user.update({ where: { telegramId: BigInt(KEPT.id) }, data: { blocked: true } });
    // The cached copy still says "not blocked": the staff check reads Postgres at the tap.
    expect(answerOf(await tap(app, KEPT, `prov:refund:${failed.id}`))).toBe(STALE);
    expect(await db.prisma.order.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "PROVISIONING_FAILED" });
    expect(await reviewerChatIds(db.prisma, app.config)).toEqual([OWNER.id]);
    // That read refreshed their copy: from now on the guard refuses them like any blocked user.
    expect(await say(app, KEPT, "/stats")).toEqual(["Akun Anda sedang dibatasi. Hubungi penjual jika menurut Anda ini keliru."]);
    await db.prisma.user.update({ where: { telegramId: BigInt(KEPT.id) }, data: { blocked: false } });
    await app.core.users.forget(KEPT.id);
  });
});

describe("start-up", () => {
  it("demotes staff the config no longer lists (audited, cache dropped) and raises those it lists", async () => {
    await db.prisma.user.update({ where: { telegramId: BigInt(REMOVED.id) }, data: { role: "SELLER" } });
    await db.prisma.user.update({ where: { telegramId: BigInt(CUSTOMER.id) }, data: { role: "OWNER" } });
    const cacheKey = `${prefix}:user:${REMOVED.id}`;
    const app = boot([KEPT.id, REMOVED.id]);
    await say(app, REMOVED, "/start");
    await say(app, OWNER, "/start");
    expect(await app.core.redis.exists(cacheKey)).toBe(1);
    const earlier = await db.prisma.auditLog.count({ where: { action: { in: ["user.demote", "user.promote"] } } });

    // A worker alone (no bot, no update from anyone) starts with SELLER_IDS naming only OWNER.
    const config = loadConfig(testEnv(db, prefix, 3000, apiRoot, { SELLER_IDS: String(OWNER.id), OWNER_IDS: String(KEPT.id) }));
    const service = await startService(config, ["worker"], createLogger({ role: "test", level: config.logLevel }));
    try {
      expect(await roleOf(REMOVED)).toBe("CUSTOMER");
      expect(await roleOf(CUSTOMER)).toBe("CUSTOMER");
      expect(await roleOf(KEPT)).toBe("OWNER");
      expect(await roleOf(OWNER)).toBe("SELLER");
      expect(await app.core.redis.exists(cacheKey)).toBe(0);
      const rows = await db.prisma.auditLog.findMany({ where: { action: { in: ["user.demote", "user.promote"] } }, orderBy: { id: "asc" }, skip: earlier });
      expect(rows.map((r) => [r.action, (r.details as { telegramId: number }).telegramId, (r.details as { at: string }).at]).sort()).toEqual(
        [
          ["user.demote", REMOVED.id, "startup"],
          ["user.demote", CUSTOMER.id, "startup"],
          ["user.demote", OWNER.id, "startup"],
          ["user.promote", KEPT.id, "startup"],
        ].sort(),
      );
    } finally {
      await service.stop();
    }
  });
});
