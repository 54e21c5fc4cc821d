/**
 * /backup on a shop without BACKUP_PUBLIC_KEY: the owner's progress message ends with the failure
 * and what to do (make the key pair), nothing is recorded as a good backup, and the audit says so.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBotHarness, OWNER_ID } from "../../support/service.js";
import { textsSince, updates } from "../../support/bot-harness.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vps-backup-nokey-"));
  h = await createBotHarness({ DATA_DIR: join(root, "data"), BACKUP_DIR: join(root, "backups") });
});
afterAll(async () => {
  await h?.close();
  rmSync(root, { recursive: true, force: true });
});

it("tells the owner the backup failed and how to fix it, in the same message", async () => {
  await h.bot.handleUpdate(updates.text({ id: OWNER_ID, first_name: "Budi" }, "/backup"));
  await expect.poll(() => textsSince(h.calls).at(-1), { timeout: 20_000 }).toMatch(/^❌ Backup gagal: BACKUP_PUBLIC_KEY is not set: run npm run backup:keygen/);
  const texts = textsSince(h.calls);
  expect(texts[0]).toBe("💾 Backup: memulai…");
  const edits = h.calls.filter((c) => c.method === "editMessageText");
  expect(new Set(edits.map((c) => c.payload.message_id)).size).toBe(1);
  expect(await h.prisma.backupRun.count({ where: { status: "OK" } })).toBe(0);
  await expect.poll(async () => (await h.prisma.auditLog.findMany({ where: { action: { startsWith: "backup.command" } } })).map((a) => a.action), { timeout: 10_000 }).toEqual(["backup.command", "backup.command.failed"]);
  expect(readdirSync(root)).toEqual([]);
});
