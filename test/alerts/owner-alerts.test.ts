import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocaleCache, createI18n } from "../../bot/i18n.js";
import { runAlertChecksOnce, type AlertChecksDeps } from "../../jobs/processors/alert-checks.processor.js";
import { QueueName } from "../../jobs/queues.js";
import { checkFailedFingerprint } from "../../shop/alerts/runner.js";
import { flushHeldAlerts, raiseAlert } from "../../shop/alerts/store.js";
import type { AlertCheck, AlertCondition } from "../../shop/alerts/types.js";
import { createTelegramApi } from "../../shop/messages/telegram-api.js";
import { createLogger } from "../../shop/platform/logger.js";
import { userRow } from "../support/factories.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { OWNER_ID, SELLER_ID, startTestService, type TestService } from "../support/service.js";

const OWNER2 = 9_000_011;
let t: TestService;
let deps: AlertChecksDeps;

/** A check whose conditions the test sets. */
const probe = { conditions: [] as AlertCondition[], fail: undefined as string | undefined };
const testCheck: AlertCheck = {
  kind: "test-probe",
  async evaluate() {
    if (probe.fail) throw new Error(probe.fail);
    return probe.conditions;
  },
};
const condition = (n: string, over: Partial<AlertCondition> = {}): AlertCondition => ({
  fingerprint: `test:${n}`,
  kind: "test",
  severity: "critical",
  title: `Gateway ${n} menolak pembayaran`,
  detail: "3 dari 3 terakhir gagal",
  nextStep: "Buka dasbor gateway.",
  ...over,
});

/** One pass of the runner over the test check (retried if the service's own timer holds the lease). */
async function runChecks() {
  await expect.poll(async () => (await runAlertChecksOnce(deps, [testCheck])) !== undefined, { timeout: 20_000 }).toBe(true);
  await waitForIdleQueues(t.service.queues);
}

const notices = () => t.service.prisma.ownerAlertNotice.count();
const ownerTexts = (id = OWNER_ID) => t.fake.user(id).messages().map((m) => m.text ?? "");

beforeAll(async () => {
  t = await startTestService({
    roles: ["bot", "worker"],
    // Thresholds out of reach so the real checks (run by the service's own timer) stay quiet here.
    env: { OWNER_IDS: `${OWNER_ID},${OWNER2}`, ALERT_DISK_FREE_PCT: "1", ALERT_MEMORY_FREE_PCT: "1" },
  });
  const { prisma, redis, queues } = t.service;
  deps = { prisma, redis, queues, config: t.config, logger: createLogger({ role: "test", level: "silent" }), api: createTelegramApi(t.config), i18n: createI18n(new LocaleCache()) };
  for (const id of [OWNER_ID, OWNER2, SELLER_ID]) {
    await t.fake.user(id, { firstName: `U${id}` }).sendText("/start");
    await t.fake.user(id).waitForMessage(/Halo/, { timeoutMs: 15_000 });
  }
  // The second owner is blocked in the shop: no alerts for them.
  await userRow(prisma, OWNER2);
  await prisma.user.update({ where: { telegramId: BigInt(OWNER2) }, data: { blocked: true } });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe("owner alerts through the fake Telegram", () => {
  it("fires once with what to do next and Mute buttons, counts repeats silently, and says resolved once", async () => {
    const before = ownerTexts().length;
    probe.conditions = [condition("A")];
    await runChecks();
    await t.fake.user(OWNER_ID).waitForMessage(/Gateway A menolak pembayaran/, { timeoutMs: 15_000 });
    const alert = t.fake.user(OWNER_ID).messages().at(-1)!;
    expect(alert.text).toBe("🚨 Gateway A menolak pembayaran\n\n3 dari 3 terakhir gagal\n\n➡️ Langkah berikut: Buka dasbor gateway.");
    expect(alert.replyMarkup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["🔕 Bisukan 1 jam", "🔕 Bisukan 24 jam"]);
    expect(ownerTexts().length).toBe(before + 1);

    // Still present: counted, nothing sent.
    const decided = await notices();
    await runChecks();
    await runChecks();
    expect(await notices()).toBe(decided);
    expect(ownerTexts().length).toBe(before + 1);
    expect((await t.service.prisma.ownerAlert.findUnique({ where: { fingerprint: "test:A" } }))?.count).toBe(3);

    // Gone: one "resolved" message, and only one.
    probe.conditions = [];
    await runChecks();
    await t.fake.user(OWNER_ID).waitForMessage(/^✅ Selesai: Gateway A menolak pembayaran$/, { timeoutMs: 15_000 });
    await runChecks();
    expect(ownerTexts().length).toBe(before + 2);
    // The blocked owner got none of it.
    expect(ownerTexts(OWNER2).filter((x) => /Gateway A/.test(x))).toEqual([]);
  });

  it("reminds 'still happening ×N' only after ALERT_REPEAT_MINUTES", async () => {
    probe.conditions = [condition("R")];
    await runChecks();
    await t.fake.user(OWNER_ID).waitForMessage(/Gateway R/, { timeoutMs: 15_000 });
    await runChecks();
    const before = ownerTexts().length;
    // An hour passes since the message (ALERT_REPEAT_MINUTES=60).
    await t.service.prisma.$executeRaw`UPDATE owner_alerts SET last_notified_at = now() - interval '61 minutes' WHERE fingerprint = 'test:R'`;
    await runChecks();
    const reminder = await t.fake.user(OWNER_ID).waitForMessage(/Masih terjadi ×3/, { timeoutMs: 15_000 });
    expect(reminder.text).toMatch(/^🚨 Gateway R menolak pembayaran\nMasih terjadi ×3 sejak /);
    await runChecks();
    expect(ownerTexts().length).toBe(before + 1);
    probe.conditions = [];
    await runChecks();
  });

  it("Mute 1 h: the owner's tap silences the fingerprint, edits the message, is audited; a seller's tap is refused", async () => {
    probe.conditions = [condition("M")];
    await runChecks();
    const owner = t.fake.user(OWNER_ID);
    const alert = await owner.waitForMessage(/Gateway M/, { timeoutMs: 15_000 });
    const data = alert.replyMarkup!.inline_keyboard[0]![0]! as { callback_data: string };

    // A seller (or a customer) sending the same callback data from their own chat is refused.
    const sellerMsg = t.fake.user(SELLER_ID).messages().at(-1)!;
    const cq = t.fake.pushUpdate({ callback_query: { id: "cq-seller-1", from: { id: SELLER_ID, is_bot: false, first_name: "S" }, chat_instance: "x", data: data.callback_data, message: sellerMsg.message } } as never);
    expect(cq).toBeDefined();
    await expect.poll(() => t.fake.callbackAnswers(SELLER_ID).find((a) => a.callbackQueryId === "cq-seller-1")?.answered, { timeout: 15_000 }).toBe(true);
    expect(t.fake.callbackAnswers(SELLER_ID).find((a) => a.callbackQueryId === "cq-seller-1")?.text).toBe("Hanya pemilik toko yang dapat membisukan peringatan.");
    expect((await t.service.prisma.ownerAlert.findUnique({ where: { fingerprint: "test:M" } }))?.mutedUntil).toBeNull();

    const press = await owner.pressButton("🔕 Bisukan 1 jam");
    expect((await press.waitForAnswer({ timeoutMs: 15_000 })).text).toMatch(/^Dibisukan sampai /);
    await owner.waitFor((m) => m.messageId === alert.messageId && /Dibisukan sampai .* oleh U9000001\.$/.test(m.text ?? ""), { timeoutMs: 15_000 });
    expect(t.fake.user(OWNER_ID).messages().find((m) => m.messageId === alert.messageId)?.replyMarkup).toBeUndefined();
    const row = await t.service.prisma.ownerAlert.findUniqueOrThrow({ where: { fingerprint: "test:M" } });
    expect(row.mutedUntil!.getTime() - Date.now()).toBeGreaterThan(58 * 60_000);
    const audit = await t.service.prisma.auditLog.findFirst({ where: { action: "alert.mute", targetId: String(row.id) } });
    expect(audit?.details).toMatchObject({ fingerprint: "test:M", minutes: 60 });

    // While muted: no reminder even when one is due, and no "resolved".
    const before = ownerTexts().length;
    await t.service.prisma.$executeRaw`UPDATE owner_alerts SET last_notified_at = now() - interval '2 hours' WHERE fingerprint = 'test:M'`;
    const decided = await notices();
    await runChecks();
    probe.conditions = [];
    await runChecks();
    expect(await notices()).toBe(decided);
    expect(ownerTexts().length).toBe(before);
  });

  it("a check that throws is an alert itself ('check failed'), resolved once it runs again", async () => {
    probe.fail = "database said no";
    await runChecks();
    const msg = await t.fake.user(OWNER_ID).waitForMessage(/Pemeriksaan "test-probe" gagal berjalan/, { timeoutMs: 15_000 });
    expect(msg.text).toContain("database said no");
    await runChecks();
    expect(ownerTexts().filter((x) => /Pemeriksaan "test-probe" gagal/.test(x))).toHaveLength(1);
    probe.fail = undefined;
    await runChecks();
    await t.fake.user(OWNER_ID).waitForMessage(/✅ Selesai: Pemeriksaan "test-probe"/, { timeoutMs: 15_000 });
    expect((await t.service.prisma.ownerAlert.findUnique({ where: { fingerprint: checkFailedFingerprint("test-probe") } }))?.state).toBe("RESOLVED");
  });

  it("a storm past the hourly cap reaches the owner as one summary", async () => {
    const before = ownerTexts().length;
    const sentLastHour = await t.service.prisma.ownerAlertNotice.count({ where: { event: { not: "summary" }, createdAt: { gt: new Date(Date.now() - 3_600_000) } } });
    const cap = sentLastHour + 2;
    const alertDeps = { prisma: t.service.prisma, settings: { maxPerHour: cap } };
    const outcomes = [];
    for (let i = 0; i < 12; i++) outcomes.push(await raiseAlert(alertDeps, condition(`S${i}`, { severity: i === 11 ? "critical" : "warning", title: `Badai ${i}` })));
    expect(outcomes.filter((o) => o === "raised")).toHaveLength(2);
    expect(outcomes.filter((o) => o === "held")).toHaveLength(10);
    expect(await flushHeldAlerts(alertDeps)).toBe(1);
    expect(await flushHeldAlerts(alertDeps)).toBe(0);
    // Delivered by the runner's sweep of undelivered notices (no `send` was given above).
    await t.service.prisma.$executeRaw`UPDATE owner_alert_notices SET created_at = now() - interval '3 minutes' WHERE delivered_at IS NULL`;
    await runChecks();
    const summary = await t.fake.user(OWNER_ID).waitForMessage(/Badai peringatan: 10 peringatan ditahan/, { timeoutMs: 15_000 });
    expect(summary.text!.split("\n")[2]).toBe("🚨 Badai 11");
    expect(ownerTexts().length).toBe(before + 3);
  });

  it("an alert queued by a producer (a job failed for good) is de-duplicated by its fingerprint", async () => {
    const before = ownerTexts().length;
    for (let i = 0; i < 3; i++) {
      await t.service.queues.enqueue(QueueName.OwnerAlerts, { severity: "critical", title: "Job provisioning gagal permanen", detail: `job ${i}`, fingerprint: "job-failed:provisioning", nextStep: "Lihat log worker." });
    }
    await waitForIdleQueues(t.service.queues);
    await t.fake.user(OWNER_ID).waitForMessage(/Job provisioning gagal permanen/, { timeoutMs: 15_000 });
    await waitForIdleQueues(t.service.queues);
    expect(ownerTexts().length).toBe(before + 1);
    expect((await t.service.prisma.ownerAlert.findUnique({ where: { fingerprint: "job-failed:provisioning" } }))?.count).toBe(3);
  });
});

describe("an alert answered by its own all-clear", () => {
  it("'connected again' resolves the open 'not connected' alert (one resolved message), and is a plain notice when nothing was open", async () => {
    const owner = t.fake.user(OWNER_ID);
    await t.service.queues.enqueue(QueueName.OwnerAlerts, { severity: "critical", title: "Bot belum terhubung ke Telegram", detail: "5 percobaan gagal", fingerprint: "telegram:unreachable" });
    await owner.waitForMessage(/^🚨 Bot belum terhubung ke Telegram/, { timeoutMs: 15_000 });
    await t.service.queues.enqueue(QueueName.OwnerAlerts, { severity: "info", title: "Bot kembali terhubung ke Telegram", resolves: "telegram:unreachable" });
    await owner.waitForMessage(/^✅ Selesai: Bot belum terhubung ke Telegram$/, { timeoutMs: 15_000 });
    await waitForIdleQueues(t.service.queues);
    expect(ownerTexts().filter((x) => /kembali terhubung/.test(x))).toEqual([]);
    await t.service.queues.enqueue(QueueName.OwnerAlerts, { severity: "info", title: "Bot kembali terhubung ke Telegram", resolves: "telegram:unreachable" });
    await owner.waitForMessage(/^ℹ️ Bot kembali terhubung ke Telegram/, { timeoutMs: 15_000 });
  });
});
