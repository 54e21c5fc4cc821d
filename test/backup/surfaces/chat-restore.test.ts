/**
 * Restore from the chat, end to end through the real bot against the fake Telegram: the owner
 * forwards the manifest and parts of a backup the bot sent them; an altered part is refused and a
 * missing one named; the pasted secret key is deleted from the chat at once and never stored
 * (Redis, Postgres); a wrong confirmation changes nothing; `RESTORE <id>` takes a fresh backup
 * under maintenance, restores, reports the comparison and ends maintenance; the shop shows the
 * orders, wallets, VPS and transfer proofs of the backup again.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupManifest, PartRecord } from "../../../shop/backup/index.js";
import { generateBackupKeyPair } from "../../../shop/backup/keys.js";
import { maintenanceState } from "../../../shop/maintenance/index.js";
import { OWNER_ID, SELLER_ID, startTestService, type TestService } from "../../support/service.js";
import { paymentUnderReview, userRow } from "../../support/factories.js";
import { seedShop, shopPicture } from "../support.js";

let t: TestService;
let root: string;
let keys: { publicKey: string; secretKey: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vps-chat-restore-"));
  keys = await generateBackupKeyPair();
  t = await startTestService({
    roles: ["bot", "worker"],
    // The anti-spam limit (15 updates per 10 s per user, staff included) would drop some of the
    // owner's quick forwards; a person forwarding 20 parts at once meets it too (see the report).
    env: { DATA_DIR: join(root, "data"), BACKUP_DIR: join(root, "backups"), BACKUP_PUBLIC_KEY: keys.publicKey, BACKUP_PART_MB: "1", BOT_RATE_LIMIT_PER_10S: "1000" },
  });
});
afterAll(async () => {
  await t?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Every string and hash value under the service's Redis prefix. */
async function redisValues(): Promise<string> {
  const redis = t.service.redis;
  const out: string[] = [];
  for (const key of await redis.keys(`${t.config.queuePrefix}*`)) {
    const type = await redis.type(key);
    if (type === "string") out.push((await redis.get(key)) ?? "");
    if (type === "hash") out.push(...(await redis.hvals(key)));
  }
  return out.join("\n");
}

describe("restore from the chat", () => {
  it("refuses /restore to a seller", async () => {
    const seller = t.fake.user(SELLER_ID, { firstName: "Sari" });
    await seller.sendText("/restore");
    await seller.waitForMessage("Hanya pemilik toko yang bisa melakukan ini.", { timeoutMs: 10_000 });
  });

  it("deletes a secret key pasted when nobody asked for it", async () => {
    const owner = t.fake.user(OWNER_ID, { firstName: "Budi" });
    const sent = await owner.sendText(`BACKUP_SECRET_KEY=${keys.secretKey}`);
    await owner.waitForMessage(/Pesan Anda saya hapus: isinya seperti kunci rahasia backup/, { timeoutMs: 10_000 });
    const deletion = t.fake.calls.find((c) => c.method === "deleteMessage" && Number(c.params.message_id) === sent.message.message_id);
    expect(deletion?.status).toBe(200);
  });

  it("/cancel mid-restore ends the flow and drops what was forwarded", async () => {
    const owner = t.fake.user(OWNER_ID, { firstName: "Budi" });
    await owner.sendText("/restore");
    await owner.waitForMessage(/Pulihkan dari backup lewat chat ini/, { timeoutMs: 10_000 });
    await owner.sendDocument(Buffer.from("not really a part"), { fileName: "backup-x.part01.bin" });
    await owner.waitForMessage(/backup-x\.part01\.bin diterima; saya periksa setelah manifest tiba/, { timeoutMs: 15_000 });
    const inboxes = join(t.config.backup.dir, ".chat-restore");
    expect(readdirSync(inboxes).filter((n) => n.startsWith(`${OWNER_ID}-`))).toHaveLength(1);
    await owner.sendText("/cancel");
    await owner.waitForMessage("Dibatalkan. Ketik /start untuk kembali ke menu utama.", { timeoutMs: 10_000 });
    expect(readdirSync(inboxes).filter((n) => n.startsWith(`${OWNER_ID}-`))).toHaveLength(0);
    // No flow takes documents any more.
    await owner.sendDocument(Buffer.from("x"), { fileName: "backup-x.part02.bin" });
    await owner.sendText("/cancel");
    await owner.waitForMessage("Tidak ada langkah yang sedang berjalan.", { timeoutMs: 10_000 });
    expect(owner.messages().some((m) => m.text?.includes("part02"))).toBe(false);
  });

  it("forwarded parts → key → confirmation → the backup's data is back", async () => {
    const { prisma, config } = t.service;
    const owner = t.fake.user(OWNER_ID, { firstName: "Budi" });
    await seedShop(prisma, config, { customers: 2, proofBytes: 900_000 });

    // The backup, as the owner has it in the chat.
    await owner.sendText("/backup");
    await owner.waitForMessage(/^✅ Backup backup-\S+ selesai/, { timeoutMs: 60_000 });
    const before = await shopPicture(prisma, config);
    const run = await prisma.backupRun.findFirstOrThrow({ where: { kind: "BACKUP", status: "OK" }, orderBy: { id: "desc" } });
    const backupId = run.backupId!;
    const parts = run.parts as unknown as PartRecord[];
    expect(parts.length).toBeGreaterThanOrEqual(2);
    const bytesOf = (fileName: string) => t.fake.fileBytes(owner.messages().find((m) => m.media?.fileName === fileName)!.media!.fileId)!;
    const manifestName = `${backupId}.manifest.json`;
    expect((JSON.parse(bytesOf(manifestName).toString()) as BackupManifest).id).toBe(backupId);

    // Life goes on after the backup: a new customer with an order.
    const late = await userRow(prisma, 7_200_001, "Terlambat");
    await paymentUnderReview(prisma, late.id, { amountIdr: 77_000 });
    const lateUser = t.fake.user(7_200_001, { firstName: "Terlambat" });
    await lateUser.sendText("/start");
    await lateUser.waitForMessage(/Terlambat/, { timeoutMs: 10_000 });
    const lateCacheKey = `${t.config.queuePrefix}:user:7200001`;
    expect(await t.service.redis.get(lateCacheKey)).toContain(`"id":${late.id}`);
    expect(await shopPicture(prisma, config)).not.toEqual(before);
    const changed = await shopPicture(prisma, config);

    await owner.sendText("/restore");
    await owner.waitForMessage(/Pulihkan dari backup lewat chat ini/, { timeoutMs: 10_000 });

    // A part before the manifest is kept unchecked; the manifest then names what is missing.
    await owner.sendDocument(bytesOf(parts[0]!.name), { fileName: parts[0]!.name });
    await owner.waitForMessage(`📥 ${parts[0]!.name} diterima; saya periksa setelah manifest tiba.`, { timeoutMs: 15_000 });
    await owner.sendDocument(bytesOf(manifestName), { fileName: manifestName });
    const afterManifest = await owner.waitForMessage(/^📄 Manifest backup/, { timeoutMs: 15_000 });
    expect(afterManifest.text).toContain(`📄 Manifest backup ${backupId} diterima: ${parts.length} bagian.`);
    expect(afterManifest.text).toContain(`1/${parts.length} bagian sudah diperiksa. Masih kurang: ${parts.slice(1).map((p) => p.name).join(", ")}`);

    // An altered part is refused by name and not kept.
    const altered = Buffer.from(bytesOf(parts[1]!.name));
    altered[1000] = altered[1000]! ^ 0xff;
    await owner.sendDocument(altered, { fileName: parts[1]!.name });
    const refused = await owner.waitForMessage(/TIDAK cocok dengan manifest/, { timeoutMs: 15_000 });
    expect(refused.text).toContain(`❌ ${parts[1]!.name} TIDAK cocok dengan manifest`);
    expect(refused.text).toContain(`Masih kurang: ${parts.slice(1).map((p) => p.name).join(", ")}`);

    // The originals complete it; the key is asked for.
    for (const part of parts.slice(1)) {
      await owner.sendDocument(bytesOf(part.name), { fileName: part.name });
      await owner.waitForMessage(`✅ ${part.name} diterima dan sama dengan manifest.`, { timeoutMs: 15_000 });
    }
    await owner.waitForMessage(/Sekarang tempelkan kunci rahasia backup/, { timeoutMs: 15_000, since: 0 });

    // Anything typed now is taken as the key and deleted at once.
    const typo = await owner.sendText("kunci saya lupa");
    await owner.waitForMessage(/Itu bukan kunci rahasia backup/, { timeoutMs: 15_000 });
    const pasted = await owner.sendText(`BACKUP_SECRET_KEY=${keys.secretKey}`);
    const confirm = await owner.waitForMessage(/Untuk lanjut, ketik persis:/, { timeoutMs: 15_000 });
    expect(confirm.text).toContain(`RESTORE ${backupId}`);
    for (const m of [typo, pasted]) {
      expect(t.fake.calls.find((c) => c.method === "deleteMessage" && Number(c.params.message_id) === m.message.message_id)?.status).toBe(200);
    }
    expect(await redisValues()).not.toContain(keys.secretKey);

    // A wrong confirmation changes nothing: no maintenance, no backup, no restore.
    const backupsBefore = await prisma.backupRun.count({ where: { kind: "BACKUP" } });
    await owner.sendText("RESTORE yes please");
    await owner.waitForMessage(/Itu bukan konfirmasinya; tidak ada yang berubah/, { timeoutMs: 15_000 });
    expect(await shopPicture(prisma, config)).toEqual(changed);
    expect((await maintenanceState(prisma, Date.now() + 60_000)).global).toBeUndefined();
    expect(await prisma.backupRun.count({ where: { kind: "BACKUP" } })).toBe(backupsBefore);

    // The right one: maintenance, a fresh backup, the restore, maintenance off.
    await owner.sendText(`RESTORE ${backupId}`);
    const done = await owner.waitForMessage(/^✅ Backup \S+ sudah dipulihkan/, { timeoutMs: 120_000 });
    expect(done.text).toContain(`✅ Backup ${backupId} sudah dipulihkan; setiap jumlah baris dan checksum sama dengan manifest.`);
    expect(done.text).toContain("RESTORE OK");
    const preBackupId = /ada di backup (backup-\S+) \(dikirim di atas\)/.exec(done.text ?? "")?.[1];
    expect(preBackupId).toBeDefined();
    expect(preBackupId).not.toBe(backupId);
    expect(owner.messages().some((m) => m.media?.fileName === `${preBackupId}.manifest.json`)).toBe(true);
    const steps = owner.messages().filter((m) => /^(🛠 Mode pemeliharaan aktif|💾 Membuat backup baru|♻️ Memulihkan backup)/.test(m.text ?? "")).map((m) => m.text!.slice(0, 12));
    expect(steps).toHaveLength(3);

    expect(await shopPicture(prisma, config)).toEqual(before);
    expect((await maintenanceState(prisma, Date.now() + 60_000)).global).toBeUndefined();
    // The customer who joined after the backup is gone, and so is the cached copy with their old row id.
    expect(await prisma.user.count({ where: { telegramId: 7_200_001n } })).toBe(0);
    expect(await t.service.redis.get(lateCacheKey)).toBeNull();
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: "backup.restore.done" } });
    expect(audit).toMatchObject({ actorType: "OWNER", targetId: backupId });
    expect(JSON.stringify(audit.details)).toContain(preBackupId!);
    expect(JSON.stringify(await prisma.auditLog.findMany())).not.toContain(keys.secretKey);
    expect(await redisValues()).not.toContain(keys.secretKey);
  }, 240_000);
});
