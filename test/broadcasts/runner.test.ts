/**
 * The broadcast core against the fake Telegram with flood control on: every recipient once, a 429
 * holds every sender, blocked and deleted accounts are marked and skipped next time, 5xx retried,
 * a run taking over from a dead one never resends what was in flight, pause/resume/cancel, unsend,
 * audiences and opt-out. (The SIGKILL test is test/process/broadcast-kill.process.test.ts; the
 * rate is measured by `npm run bench -- broadcast`.)
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { Api } from "grammy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocaleCache, createI18n } from "../../bot/i18n.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { CATALOG_CALLBACK, MAX_CAPTION, MAX_TEXT, countAudience, type BroadcastStaff, type EnqueueRun } from "../../shop/broadcasts/index.js";
import { cancelBroadcast, confirmBroadcast, resendUncertain, createDraft, getBroadcast, pauseBroadcast, resumeBroadcast, setPromoOptOut, unsendBroadcast, updateDraft } from "../../shop/broadcasts/lifecycle.js";
import { BroadcastLimiter } from "../../shop/broadcasts/limiter.js";
import { runBroadcast, type RunnerDeps } from "../../shop/broadcasts/runner.js";
import { createLogger } from "../../shop/platform/logger.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { NOW, newPaidOrder } from "../provisioning/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from "../support/redis.js";

const TOKEN = "123456:broadcast-core";
let db: TestDatabase;
let fake: FakeTelegram;
let redis: Redis;
const prefix = uniquePrefix("bc-core");
const i18n = createI18n(new LocaleCache());
let staff: BroadcastStaff;
/** Runs enqueued by the lifecycle (the test runs them itself, in order). */
let runs: Array<{ id: number; task: "send" | "unsend"; run: number }> = [];
const enqueueRun: EnqueueRun = async (id, task, run) => {
  runs.push({ id, task, run });
};
let nextTelegramId = 8_100_000;

function deps(over: Partial<RunnerDeps> = {}): RunnerDeps {
  return {
    prisma: db.prisma,
    api: new Api(TOKEN, { apiRoot: fake.url }),
    limiter: new BroadcastLimiter(redis, prefix, { ratePerSecond: 90, paidRatePerSecond: 500 }),
    t: (locale, key, params) => i18n.t(locale, key, params),
    settings: { concurrency: 4, progressEveryMs: 500 },
    enqueueRun,
    logger: createLogger({ level: "silent" } as never),
    statusEveryMs: 50,
    ...over,
  };
}

async function customers(n: number, extra: { resellerTierId?: number } = {}): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const telegramId = nextTelegramId++;
    fake.user(telegramId, { firstName: `C${telegramId}` });
    const u = await db.prisma.user.create({ data: { telegramId: BigInt(telegramId), firstName: `C${telegramId}`, ...extra } });
    ids.push(u.id);
  }
  return ids;
}

async function start(kind: "PROMO" | "SERVICE", text = "Halo <b>semua</b>"): Promise<number> {
  const { id } = await createDraft(db.prisma, staff, { kind, content: { text, entities: [{ type: "bold", offset: 0, length: 4 }], buttons: [{ kind: "catalog", text: "Lihat katalog" }] } });
  expect(await updateDraft(db.prisma, staff, id, { audience: { kind: "ALL" } })).toEqual({ ok: true });
  // The staff chat has the 1/s per-chat limit too (the runner's progress edits count): an auto-retrying client.
  const api = new Api(TOKEN, { apiRoot: fake.url });
  api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 5 }));
  const progress = await api.sendMessage(Number(staffTelegramId), "…");
  const res = await confirmBroadcast({ prisma: db.prisma, enqueueRun }, staff, id, { chatId: Number(staffTelegramId), messageId: progress.message_id });
  expect(res).toMatchObject({ ok: true, status: "SENDING", already: false });
  return id;
}

const runOf = (id: number) => runs.filter((r) => r.id === id).at(-1)!;
const delivered = (chatId: number | bigint) => fake.botMessages(Number(chatId)).filter((m) => !m.deleted && /Halo|Promo|Maint/.test(m.text ?? m.caption ?? ""));
const staffTelegramId = 8_099_999n;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram({ token: TOKEN, rateLimit: { globalPerSecond: 100, perChatPerSecond: 1 } });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  fake.user(Number(staffTelegramId), { firstName: "Staff" });
  const s = await db.prisma.user.create({ data: { telegramId: staffTelegramId, role: "SELLER", firstName: "Staff" } });
  staff = { userId: s.id, role: "SELLER" };
});
afterAll(async () => {
  await fake?.stop();
  redis?.disconnect();
  await deleteKeys(prefix);
  await db?.drop();
});
beforeEach(async () => {
  runs = [];
  // Each test starts with a clean audience: earlier customers leave it.
  await db.prisma.user.updateMany({ where: { role: "CUSTOMER" }, data: { role: "OWNER" } });
});

describe("delivery", () => {
  it("reaches every recipient exactly once with the entities and button as written, and finishes DONE with a report", async () => {
    const users = await customers(60);
    const id = await start("SERVICE");
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-a")).toMatchObject({ status: "DONE", sent: 60 });
    const rows = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } });
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["SENT"]));
    for (const r of rows) {
      const got = delivered(r.chatId);
      expect(got).toHaveLength(1);
      expect(got[0]!.messageId).toBe(r.messageId);
    }
    const one = fake.botMessages(Number(rows[0]!.chatId))[0]!;
    expect(one.entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    expect(JSON.stringify(one.replyMarkup)).toContain(CATALOG_CALLBACK);
    expect(users).toHaveLength(60);
    const view = await getBroadcast(db.prisma, id);
    expect(view).toMatchObject({ status: "DONE", counts: { sent: 60, total: 60 } });
    const stored = await db.prisma.broadcast.findUniqueOrThrow({ where: { id } });
    expect(stored.sentCount).toBe(60);
    // The progress message was edited into the final report, with the Unsend button.
    const progress = fake.botMessages(Number(staffTelegramId)).at(-1)!;
    expect(progress.text).toContain("#" + id);
    expect(JSON.stringify(progress.replyMarkup)).toContain(`bc:unsend:${id}`);
    const audits = await db.prisma.auditLog.findMany({ where: { targetType: "broadcast", targetId: String(id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["broadcast.start", "broadcast.finish"]);
    expect(audits[0]!.details).toMatchObject({ audience: { kind: "ALL" }, recipients: 60, text: "Halo <b>semua</b>" });
  });

  it("a double confirm starts one broadcast", async () => {
    await customers(3);
    const { id } = await createDraft(db.prisma, staff, { kind: "SERVICE", content: { text: "Maint", entities: [], buttons: [] } });
    await updateDraft(db.prisma, staff, id, { audience: { kind: "ALL" } });
    const both = await Promise.all([1, 2].map(() => confirmBroadcast({ prisma: db.prisma, enqueueRun }, staff, id, { chatId: 1, messageId: 1 })));
    expect(both.map((r) => r.ok && r.already).sort()).toEqual([false, true]);
    expect(runs.filter((r) => r.id === id)).toHaveLength(1);
    expect(await db.prisma.broadcastDelivery.count({ where: { broadcastId: id } })).toBe(3);
  });

  it("a 429 holds every sender for retry_after, the row goes back in line, and the broadcast completes", async () => {
    await customers(20);
    const id = await start("SERVICE");
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 2", parameters: { retry_after: 2 } });
    const before = fake.calls.length;
    const result = await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-b");
    expect(result).toMatchObject({ status: "DONE", sent: 20, held: 1 });
    const sends = fake.calls.slice(before).filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) !== Number(staffTelegramId));
    const limited = sends.find((c) => c.status === 429)!;
    // Nothing left during the hold: requests already on their way when the 429 came back arrive
    // within moments; after that, nothing until retry_after (2 s) has passed.
    expect(sends.filter((c) => c.status === 200)).toHaveLength(20);
    const after = sends.filter((c) => c !== limited && c.at >= limited.at);
    expect(after.filter((c) => c.at > limited.at + 100 && c.at < limited.at + 1_900)).toEqual([]);
    expect(after.filter((c) => c.at <= limited.at + 100).length).toBeLessThan(4); // at most the other lanes' requests in flight
    const rows = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } });
    expect(rows.every((r) => r.status === "SENT")).toBe(true);
    for (const r of rows) expect(delivered(r.chatId)).toHaveLength(1);
  });

  it("403 and deleted accounts are marked BLOCKED and left out of the next broadcast; 5xx is retried", async () => {
    const users = await customers(6);
    const blockedTg = nextTelegramId - 1;
    fake.user(blockedTg).blockBot();
    const deletedTg = nextTelegramId - 2;
    fake.failNext("sendMessage", { error_code: 400, description: "Bad Request: user is deactivated" }, { chatId: deletedTg });
    const flakyTg = nextTelegramId - 3;
    fake.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" }, { chatId: flakyTg });
    const id = await start("SERVICE");
    const d = deps({ sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) });
    // The 5xx row waits for its backoff (next_attempt_at); pull it forward instead of waiting 5 s.
    const pull = setInterval(() => void db.prisma.broadcastDelivery.updateMany({ where: { broadcastId: id, nextAttemptAt: { not: null }, status: "PENDING" }, data: { nextAttemptAt: null } }), 100);
    const result = await runBroadcast(d, { broadcastId: id, ...runOf(id) }, "tok-c").finally(() => clearInterval(pull));
    expect(result).toMatchObject({ status: "DONE", sent: 4, blocked: 2 });
    const byChat = new Map((await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } })).map((r) => [Number(r.chatId), r]));
    expect(byChat.get(blockedTg)).toMatchObject({ status: "BLOCKED" });
    expect(byChat.get(deletedTg)).toMatchObject({ status: "BLOCKED", error: expect.stringContaining("deactivated") });
    expect(byChat.get(flakyTg)).toMatchObject({ status: "SENT", attempts: 2 });
    // Marked as having blocked the bot (not restricted in the shop), and left out from now on.
    expect(await db.prisma.user.count({ where: { id: { in: users }, botBlockedAt: { not: null } } })).toBe(2);
    expect(await db.prisma.user.count({ where: { id: { in: users }, blocked: true } })).toBe(0);
    expect(await countAudience(db.prisma, { kind: "ALL" }, "SERVICE")).toBe(4);
  });

  it("a run taking over from a dead one marks the dead run's in-flight rows UNCERTAIN and never resends them", async () => {
    await customers(10);
    const id = await start("SERVICE");
    // A dead run had claimed two rows (request left, no answer recorded).
    const two = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id }, take: 2, orderBy: { id: "asc" } });
    await db.prisma.broadcastDelivery.updateMany({ where: { id: { in: two.map((r) => r.id) } }, data: { status: "SENDING", claimToken: "dead-run", attempts: 1 } });
    const result = await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-d");
    expect(result).toMatchObject({ status: "DONE", sent: 8 });
    for (const r of two) {
      expect(await db.prisma.broadcastDelivery.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "UNCERTAIN" });
      expect(delivered(r.chatId)).toHaveLength(0);
    }
    expect((await getBroadcast(db.prisma, id))!.counts).toMatchObject({ sent: 8, uncertain: 2 });
    // Staff may choose to send to them anyway (told they may get it twice): a new run, audited.
    expect(await resendUncertain({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: true, recipients: 2 });
    expect(await resendUncertain({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: false, reason: "running" });
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-d2")).toMatchObject({ status: "DONE", sent: 2 });
    for (const r of two) expect(delivered(r.chatId)).toHaveLength(1);
    expect(await db.prisma.auditLog.count({ where: { action: "broadcast.resend-uncertain", targetId: String(id) } })).toBe(1);
  });

  it("a customer who opts out (or blocks the bot) after a promo started is skipped at their turn", async () => {
    const [a, b] = await customers(4);
    const id = await start("PROMO");
    await setPromoOptOut(db.prisma, a!, true);
    await db.prisma.user.update({ where: { id: b! }, data: { botBlockedAt: new Date() } });
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-k")).toMatchObject({ status: "DONE", sent: 2 });
    const rows = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["SKIPPED", "SKIPPED", "SENT", "SENT"]);
    for (const r of rows.slice(0, 2)) expect(delivered(r.chatId)).toHaveLength(0);
    // The promo's footer tells the others how to stop promos.
    expect(fake.botMessages(Number(rows[2]!.chatId))[0]!.text).toContain("/settings");
    expect((await getBroadcast(db.prisma, id))!.counts).toMatchObject({ skipped: 2, sent: 2 });
  });

  it("a message Telegram refuses for everyone (bad file) pauses the broadcast after the first failures, with the reason", async () => {
    await customers(10);
    const id = await start("SERVICE");
    fake.failNext("sendMessage", { error_code: 400, description: "Bad Request: BUTTON_URL_INVALID" }, { times: 3 });
    const result = await runBroadcast(deps({ settings: { concurrency: 1, progressEveryMs: 500 } }), { broadcastId: id, ...runOf(id) }, "tok-l");
    expect(result).toMatchObject({ status: "PAUSED", failed: 3, sent: 0 });
    const view = (await getBroadcast(db.prisma, id))!;
    expect(view).toMatchObject({ status: "PAUSED", pausedReason: expect.stringContaining("BUTTON_URL_INVALID"), counts: { failed: 3, pending: 7 } });
  });
});

describe("staff controls", () => {
  it("pause stops the run, resume continues in a new run, nobody twice", async () => {
    await customers(40);
    const id = await start("SERVICE");
    let paused = false;
    const d = deps({
      limiter: new BroadcastLimiter(redis, `${prefix}-slow`, { ratePerSecond: 20, paidRatePerSecond: 20 }),
    });
    const running = runBroadcast(d, { broadcastId: id, ...runOf(id) }, "tok-e");
    // Pause once some are out.
    for (;;) {
      const c = (await getBroadcast(db.prisma, id))!.counts;
      if (c.sent >= 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await pauseBroadcast({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: true, status: "PAUSED" });
    paused = true;
    expect(await running).toMatchObject({ status: "PAUSED" });
    const mid = (await getBroadcast(db.prisma, id))!.counts;
    expect(mid.pending).toBeGreaterThan(0);
    expect(await resumeBroadcast({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: true, status: "SENDING" });
    expect(runOf(id).run).toBe(2);
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-f")).toMatchObject({ status: "DONE" });
    const rows = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } });
    for (const r of rows) expect(delivered(r.chatId)).toHaveLength(1);
    expect(paused).toBe(true);
    // A stale job of the first run does nothing.
    expect(await runBroadcast(deps(), { broadcastId: id, task: "send", run: 1 }, "tok-g")).toMatchObject({ skipped: expect.stringContaining("superseded") });
  });

  it("cancel leaves the rest unsent; unsend deletes what was delivered, once", async () => {
    await customers(5);
    const id = await start("SERVICE");
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-h")).toMatchObject({ status: "DONE", sent: 5 });
    const res = await unsendBroadcast({ prisma: db.prisma, enqueueRun }, staff, id);
    expect(res).toEqual({ ok: true, messages: 5 });
    expect(await unsendBroadcast({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: false, reason: "already" });
    expect(await runBroadcast(deps(), { broadcastId: id, ...runOf(id) }, "tok-i")).toMatchObject({ deleted: 5, left: 0 });
    const rows = await db.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } });
    for (const r of rows) {
      expect(r.status).toBe("DELETED");
      expect(delivered(r.chatId)).toHaveLength(0);
    }
    const id2 = await start("SERVICE");
    expect(await cancelBroadcast({ prisma: db.prisma, enqueueRun }, staff, id2)).toEqual({ ok: true, status: "CANCELLED" });
    expect(await runBroadcast(deps(), { broadcastId: id2, ...runOf(id2) }, "tok-j")).toMatchObject({ skipped: "status CANCELLED" });
    expect(await db.prisma.broadcastDelivery.count({ where: { broadcastId: id2, status: "SENT" } })).toBe(0);
  });

  it("only an owner switches on paid broadcast, and only an owner sends one (audited)", async () => {
    await customers(1);
    const { id } = await createDraft(db.prisma, staff, { kind: "PROMO", content: { text: "Promo", entities: [], buttons: [] } });
    expect(await updateDraft(db.prisma, staff, id, { paid: true })).toEqual({ ok: false, reason: "owner_only" });
    const owner = { ...staff, role: "OWNER" as const };
    expect(await updateDraft(db.prisma, owner, id, { paid: true })).toEqual({ ok: true });
    expect(await db.prisma.auditLog.count({ where: { action: "broadcast.paid", targetId: String(id) } })).toBe(1);
    // A seller cannot change the audience of the owner's paid draft and send it.
    expect(await updateDraft(db.prisma, staff, id, { audience: { kind: "ALL" } })).toEqual({ ok: true });
    expect(await confirmBroadcast({ prisma: db.prisma, enqueueRun }, staff, id, { chatId: 1, messageId: 1 })).toEqual({ ok: false, reason: "owner_only" });
    expect(await confirmBroadcast({ prisma: db.prisma, enqueueRun }, owner, id, { chatId: 1, messageId: 1 })).toMatchObject({ ok: true, status: "SENDING" });
  });

  it("a paused broadcast: no resend of the uncertain (it would send to all held back); unsend withdraws it for good", async () => {
    await customers(30);
    const id = await start("SERVICE");
    const running = runBroadcast(deps({ limiter: new BroadcastLimiter(redis, `${prefix}-slow2`, { ratePerSecond: 20, paidRatePerSecond: 20 }) }), { broadcastId: id, ...runOf(id) }, "tok-m");
    for (;;) {
      if ((await getBroadcast(db.prisma, id))!.counts.sent >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pauseBroadcast({ prisma: db.prisma, enqueueRun }, staff, id);
    await running;
    const one = await db.prisma.broadcastDelivery.findFirstOrThrow({ where: { broadcastId: id, status: "PENDING" } });
    await db.prisma.broadcastDelivery.update({ where: { id: one.id }, data: { status: "UNCERTAIN" } });
    expect(await resendUncertain({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: false, reason: "none" });
    expect(await unsendBroadcast({ prisma: db.prisma, enqueueRun }, staff, id)).toMatchObject({ ok: true });
    expect((await getBroadcast(db.prisma, id))!.status).toBe("CANCELLED");
    expect(await resumeBroadcast({ prisma: db.prisma, enqueueRun }, staff, id)).toEqual({ ok: false, status: "CANCELLED" });
  });
});

describe("limits", () => {
  it("the longest text or caption plus the promo footer stays within Telegram's 4096 / 1024 in every language", () => {
    for (const locale of ["id", "en"] as const) {
      const footer = i18n.t(locale, "bc-promo-footer");
      expect(MAX_CAPTION + 2 + footer.length).toBeLessThanOrEqual(1024);
      expect(MAX_TEXT + 2 + footer.length).toBeLessThanOrEqual(4096);
    }
  });
});

describe("audiences", () => {
  it("active VPS, expiring within N days (not already expired), a provider's customers, resellers, never bought", async () => {
    await seedDemoCatalog(db.prisma, NOW);
    const [doSoon, vultrLater, linodeExpired, reseller] = await customers(5);
    const day = 86_400_000;
    const vps = async (userId: number, provider: "DIGITALOCEAN" | "VULTR" | "LINODE", status: "ACTIVE" | "SUSPENDED", expiresInDays: number) => {
      const order = await newPaidOrder(db.prisma, { provider, userId });
      await db.prisma.instance.create({
        data: { orderId: order.id, userId, providerCode: provider, label: `vps-${order.id}`, region: "sgp1", planCode: "p", imageCode: "i", status, expiresAt: new Date(Date.now() + expiresInDays * day) },
      });
    };
    await vps(doSoon!, "DIGITALOCEAN", "ACTIVE", 3);
    await vps(vultrLater!, "VULTR", "ACTIVE", 30);
    await vps(linodeExpired!, "LINODE", "SUSPENDED", -1);
    const tier = await db.prisma.resellerTier.create({ data: { code: `t${Date.now()}`, name: "Gold" } });
    await db.prisma.user.update({ where: { id: reseller! }, data: { resellerTierId: tier.id } });
    const ids = async (audience: Parameters<typeof countAudience>[1]) => countAudience(db.prisma, audience, "SERVICE");
    expect(await ids({ kind: "ACTIVE_VPS" })).toBe(2);
    expect(await ids({ kind: "EXPIRING", days: 7 })).toBe(1);
    expect(await ids({ kind: "EXPIRING", days: 31 })).toBe(2);
    expect(await ids({ kind: "PROVIDER", provider: "VULTR" })).toBe(1);
    expect(await ids({ kind: "PROVIDER", provider: "LINODE" })).toBe(0);
    expect(await ids({ kind: "RESELLERS" })).toBe(1);
    expect(await ids({ kind: "NO_ORDER" })).toBe(2);
    expect(await ids({ kind: "ALL" })).toBe(5);
  });

  it("promo skips opted-out and banned customers, a service announcement reaches them; resellers and no-order filter", async () => {
    const [a, b, c] = await customers(3);
    await setPromoOptOut(db.prisma, a!, true);
    await db.prisma.user.update({ where: { id: b! }, data: { bannedAt: new Date() } });
    expect(await countAudience(db.prisma, { kind: "ALL" }, "PROMO")).toBe(1);
    expect(await countAudience(db.prisma, { kind: "ALL" }, "SERVICE")).toBe(3);
    expect(await countAudience(db.prisma, { kind: "NO_ORDER" }, "SERVICE")).toBe(3);
    expect(await countAudience(db.prisma, { kind: "RESELLERS" }, "SERVICE")).toBe(0);
    expect(await countAudience(db.prisma, { kind: "ACTIVE_VPS" }, "SERVICE")).toBe(0);
    expect(await countAudience(db.prisma, { kind: "EXPIRING", days: 7 }, "SERVICE")).toBe(0);
    expect(await countAudience(db.prisma, { kind: "PROVIDER", provider: "VULTR" }, "SERVICE")).toBe(0);
    const audit = await db.prisma.auditLog.findFirst({ where: { action: "customer.settings", targetId: String(a) } });
    expect(audit?.details).toMatchObject({ after: { promoOptOut: true } });
    expect(c).toBeGreaterThan(0);
  });
});
