/**
 * The owner's /backup and the backups queue, through the real bot and worker against the fake
 * Telegram: /backup delivers the parts and the manifest as documents (file_ids recorded) with its
 * progress edited into one message; sellers and customers are refused; a second /backup while one
 * runs (here or in another process) starts nothing; /backup status; the scheduled backup job; the
 * drill job reports "restore OK in N s" (or the difference, with an alert); a backup that failed
 * for good raises the owner's alert with the next step.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupsWorker } from "../../../jobs/processors/backups.processor.js";
import { QueueName } from "../../../jobs/queues.js";
import type { PartRecord } from "../../../shop/backup/index.js";
import { BACKUP_FAILED_FINGERPRINT, DRILL_FAILED_FINGERPRINT } from "../../../shop/backup/drill-report.js";
import { generateBackupKeyPair } from "../../../shop/backup/keys.js";
import { acquireLease, releaseLease } from "../../../shop/leases.js";
import { createLogger } from "../../../shop/platform/logger.js";
import { createI18n, LocaleCache } from "../../../bot/i18n.js";
import { runAlertChecksOnce } from "../../../jobs/processors/alert-checks.processor.js";
import { backupStalenessCheck, STALE_BACKUP_FINGERPRINT } from "../../../shop/backup/staleness.check.js";
import { createTelegramApi } from "../../../shop/messages/telegram-api.js";
import { OWNER_ID, SELLER_ID, startTestService, type TestService } from "../../support/service.js";

const CUSTOMER_ID = 9_000_310;
const OWNER_ONLY = "Hanya pemilik toko yang bisa melakukan ini.";
const ALREADY = "Sebuah backup sedang berjalan";

let t: TestService;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vps-backup-surfaces-"));
  const keys = await generateBackupKeyPair();
  t = await startTestService({
    roles: ["bot", "worker"],
    env: { DATA_DIR: join(root, "data"), BACKUP_DIR: join(root, "backups"), BACKUP_PUBLIC_KEY: keys.publicKey },
  });
  t.fake.user(OWNER_ID, { firstName: "Budi" });
});
afterAll(async () => {
  await t?.stop();
  rmSync(root, { recursive: true, force: true });
});

const backups = (status?: "OK" | "FAILED") => t.service.prisma.backupRun.findMany({ where: { kind: "BACKUP", ...(status ? { status } : {}) }, orderBy: { id: "asc" } });

/** The texts an owner's message went through (its send and every edit), from the fake's call log. */
function textsOf(messageId: number): string[] {
  return t.fake.calls
    .filter((c) => c.status === 200 && ((c.method === "sendMessage" && (c.response as { result: { message_id: number } }).result.message_id === messageId) || (c.method === "editMessageText" && Number(c.params.message_id) === messageId)))
    .map((c) => String(c.params.text));
}

describe("/backup", () => {
  it("takes a backup for the owner: parts and manifest arrive as documents, their file_ids are recorded, progress edits one message", async () => {
    const owner = t.fake.user(OWNER_ID);
    const mark = owner.mark();
    await owner.sendText("/backup");
    const done = await owner.waitForMessage(/^✅ Backup backup-\S+ selesai: .+ dalam 1 bagian, [\d.]+ dtk/, { timeoutMs: 60_000 });

    const [run] = await backups("OK");
    expect(run).toMatchObject({ trigger: "command", requestedBy: BigInt(OWNER_ID), testDecryptOk: true });
    expect(done.text).toContain(run!.backupId!);
    const parts = run!.parts as unknown as PartRecord[];
    const documents = owner.messages().filter((m) => m.media?.kind === "document");
    expect(documents.map((m) => m.media!.fileName)).toEqual([...parts.map((p) => p.name), `${run!.backupId}.manifest.json`]);
    for (const part of parts) {
      const doc = documents.find((m) => m.media!.fileName === part.name)!;
      expect(part.telegram).toEqual([{ chatId: OWNER_ID, messageId: doc.messageId, fileId: doc.media!.fileId }]);
      expect(t.fake.fileBytes(doc.media!.fileId)!.length).toBe(part.bytes);
    }

    // One message, edited in place: preparing → dumping → encrypting → sending part k/n → done
    // (a step that is over before Telegram answered the previous edit is skipped, never reordered).
    const texts = textsOf(done.messageId);
    expect(texts[0]).toBe("💾 Backup: memulai…");
    expect(texts[1]).toBe("💾 Backup: membuat dump database…");
    expect(texts.at(-1)).toBe(done.text);
    const steps = ["🔐 Backup: mengenkripsi dan membagi menjadi beberapa bagian…", "📤 Backup: mengirim bagian 1/1…"];
    const middle = texts.slice(2, -1);
    expect(middle.every((s) => steps.includes(s))).toBe(true);
    expect(middle).toEqual([...middle].sort((a, b) => steps.indexOf(a) - steps.indexOf(b)));
    expect(owner.messages().filter((m) => m.createdSeq > mark && m.media === undefined).map((m) => m.messageId)).toEqual([done.messageId]);

    // The "done" audit row is written right after the last edit settles: wait for it, not for time.
    let audit = await t.service.prisma.auditLog.findMany({ where: { action: { startsWith: "backup.command" } }, orderBy: { id: "asc" } });
    for (let i = 0; audit.length < 2 && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 20));
      audit = await t.service.prisma.auditLog.findMany({ where: { action: { startsWith: "backup.command" } }, orderBy: { id: "asc" } });
    }
    expect(audit.map((a) => [a.action, a.actorType])).toEqual([["backup.command", "OWNER"], ["backup.command.done", "OWNER"]]);
  }, 90_000);

  it("refuses a seller and a customer, and takes no backup", async () => {
    const before = (await backups()).length;
    for (const id of [SELLER_ID, CUSTOMER_ID]) {
      const user = t.fake.user(id, { firstName: `U${id}` });
      await user.sendText("/backup");
      await user.waitForMessage(OWNER_ONLY, { timeoutMs: 10_000 });
      await user.sendText("/backup status");
      await user.waitForMessage(OWNER_ONLY, { timeoutMs: 10_000 });
      expect(user.messages().some((m) => m.media?.kind === "document")).toBe(false);
    }
    expect((await backups()).length).toBe(before);
  });

  it("answers 'already running' while another process holds the backup lease, and starts nothing", async () => {
    const before = (await backups()).length;
    const lease = (await acquireLease(t.service.prisma, "backup", 60_000))!;
    try {
      const owner = t.fake.user(OWNER_ID);
      await owner.sendText("/backup");
      await owner.waitForMessage(ALREADY, { timeoutMs: 10_000 });
    } finally {
      await releaseLease(t.service.prisma, lease);
    }
    expect((await backups()).length).toBe(before);
  });

  it("a second /backup sent while the first runs is refused; one backup is taken", async () => {
    const before = (await backups()).length;
    const owner = t.fake.user(OWNER_ID);
    const mark = owner.mark();
    await owner.sendText("/backup");
    await owner.sendText("/backup");
    await owner.waitForMessage(ALREADY, { timeoutMs: 20_000, since: mark });
    await owner.waitForMessage(/^✅ Backup backup-\S+ selesai/, { timeoutMs: 60_000, since: mark });
    expect((await backups()).length).toBe(before + 1);
  }, 90_000);

  it("/backup status shows the last good backup, the drill and the sizes", async () => {
    const owner = t.fake.user(OWNER_ID);
    const [last] = (await backups("OK")).slice(-1);
    await owner.sendText("/backup status");
    const status = await owner.waitForMessage(/^💾 Backup\n/, { timeoutMs: 10_000 });
    expect(status.text).toContain(`Backup baik terakhir: `);
    expect(status.text).toContain(last!.backupId!);
    expect(status.text).toMatch(/dalam 1 bagian/);
    expect(status.text).toMatch(/Tersimpan di server: \d+ backup, [\d.]+ (KB|MB)/);
    expect(status.text).toContain("Jadwal (WIB): backup 30 2 * * * · drill 30 3 * * *");
  });
});

describe("the backups queue", () => {
  it("runs the scheduled backup (trigger schedule) and delivers it to the owner", async () => {
    const before = (await backups("OK")).length;
    await t.service.queues.enqueue(QueueName.Backups, { task: "backup", tick: "2026-12-03T02:30" }, { jobId: "backup-test-1" });
    await expect.poll(async () => (await backups("OK")).length, { timeout: 60_000 }).toBe(before + 1);
    const [run] = (await backups("OK")).slice(-1);
    expect(run!.trigger).toBe("schedule");
    await t.fake.user(OWNER_ID).waitFor((m) => m.media?.fileName === `${run!.backupId}.manifest.json`, { timeoutMs: 10_000, since: 0 });
  }, 90_000);

  it("the drill job reports 'restore OK in N s' to the owner; a drill with nothing fresh to restore reports the failure and alerts", async () => {
    const owner = t.fake.user(OWNER_ID);
    const mark = owner.mark();
    await t.service.queues.enqueue(QueueName.Backups, { task: "drill", tick: "2026-12-03T03:30" }, { jobId: "drill-test-1" });
    const ok = await owner.waitForMessage(/^✅ Drill pemulihan: restore OK dalam [\d.]+ dtk \(backup backup-\S+, \d+ tabel sama dengan manifest\)\.$/, { timeoutMs: 60_000, since: mark });
    const [drill] = await t.service.prisma.backupRun.findMany({ where: { kind: "DRILL" } });
    expect(drill).toMatchObject({ status: "OK", trigger: "schedule" });
    expect(ok.text).toContain(drill!.backupId!);

    // The latest backup's dump was drilled already: the next drill has nothing fresh and fails.
    const mark2 = owner.mark();
    await t.service.queues.enqueue(QueueName.Backups, { task: "drill", tick: "2026-12-03T03:31" }, { jobId: "drill-test-2" });
    await owner.waitForMessage(/^❌ Drill pemulihan backup - GAGAL setelah [\d.]+ dtk: no fresh backup to drill/, { timeoutMs: 60_000, since: mark2 });
    const alert = await owner.waitForMessage(/^🚨 Drill pemulihan gagal: no fresh backup/, { timeoutMs: 30_000, since: mark2 });
    expect(alert.text).toContain("➡️");
    const open = await t.service.prisma.$queryRaw<{ state: string }[]>`SELECT state FROM owner_alerts WHERE fingerprint = ${DRILL_FAILED_FINGERPRINT}`;
    expect(open.map((r) => r.state)).toEqual(["OPEN"]);

    // A good drill after a new backup resolves it.
    await t.service.queues.enqueue(QueueName.Backups, { task: "backup", tick: "2026-12-04T02:30" }, { jobId: "backup-test-2" });
    await t.service.queues.enqueue(QueueName.Backups, { task: "drill", tick: "2026-12-04T03:30" }, { jobId: "drill-test-3" });
    await owner.waitForMessage(/^✅ .*Drill pemulihan gagal/, { timeoutMs: 90_000, since: mark2 });
  }, 180_000);

  it("a backup that failed for good raises the owner's alert with the next step", async () => {
    const { prisma, queues, config } = t.service;
    const worker = backupsWorker({ prisma, queues, config, logger: createLogger({ role: "test", level: "silent" }), i18n: { t: (_l, k) => k } });
    const owner = t.fake.user(OWNER_ID);
    const mark = owner.mark();
    await worker.onFinalFailure!({ task: "backup", tick: "2026-12-05T02:30" }, "backup not delivered to every owner: chat not found");
    const alert = await owner.waitForMessage(/^🚨 Backup terjadwal gagal/, { timeoutMs: 30_000, since: mark });
    expect(alert.text).toContain("chat not found");
    expect(alert.text).toContain("OWNER_IDS sudah membuka bot (/start)");
    const open = await prisma.$queryRaw<{ state: string }[]>`SELECT state FROM owner_alerts WHERE fingerprint = ${BACKUP_FAILED_FINGERPRINT}`;
    expect(open.map((r) => r.state)).toEqual(["OPEN"]);
  }, 60_000);

  it("a stale backup raises the dead-man's alert through the alert checks, to the owner's chat", async () => {
    const { prisma, queues, config, redis } = t.service;
    await prisma.backupRun.updateMany({ where: { kind: "BACKUP" }, data: { finishedAt: new Date(Date.now() - 30 * 3_600_000) } });
    const owner = t.fake.user(OWNER_ID);
    const mark = owner.mark();
    const deps = { prisma, redis, queues, config, logger: createLogger({ role: "test", level: "silent" }), api: createTelegramApi(config), i18n: createI18n(new LocaleCache()) };
    // The service's own once-a-minute run may hold the lease for a moment.
    await expect.poll(async () => (await runAlertChecksOnce(deps, [backupStalenessCheck]))?.[0]?.raised, { timeout: 30_000 }).toEqual([STALE_BACKUP_FINGERPRINT]);
    const alert = await owner.waitForMessage(/^🚨 Backup terakhir yang berhasil sudah 30 jam lalu \(batas 26 jam\)/, { timeoutMs: 30_000, since: mark });
    expect(alert.text).toContain("➡️");
    expect(alert.text).toContain("Kirim /backup sekarang");
  }, 60_000);
});
