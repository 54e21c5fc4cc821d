/**
 * The dead-man's switch: the last good backup or the last good drill older than
 * BACKUP_STALE_HOURS is a critical alert with the next step; a brand-new shop is not stale on day
 * one; through the alert runner the alert is raised once and resolved when a good one lands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { runAlertChecks } from "../../../shop/alerts/runner.js";
import { generateBackupKeyPair } from "../../../shop/backup/keys.js";
import { backupStalenessCheck, STALE_BACKUP_FINGERPRINT, STALE_DRILL_FINGERPRINT } from "../../../shop/backup/staleness.check.js";
import { loadConfig, type Config } from "../../../shop/platform/config.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { testEnv } from "../../support/service.js";

const HOUR = 3_600_000;
let db: TestDatabase;
let config: Config;
let installedAt: Date;
const redis = {} as Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  const keys = await generateBackupKeyPair();
  config = loadConfig(testEnv(db, "stale", 3000, "http://127.0.0.1:9", { BACKUP_PUBLIC_KEY: keys.publicKey }));
  const rows = await db.prisma.$queryRaw<{ at: Date }[]>`SELECT min(started_at) AS at FROM _prisma_migrations`;
  installedAt = rows[0]!.at;
});
afterAll(async () => {
  await db?.drop();
});

async function run(kind: "BACKUP" | "DRILL", finishedAt: Date, status: "OK" | "FAILED" = "OK") {
  await db.prisma.backupRun.create({ data: { kind, status, trigger: "schedule", startedAt: new Date(finishedAt.getTime() - 5_000), finishedAt, durationMs: 5_000 } });
}

const evaluate = (now: Date, cfg = config) => backupStalenessCheck.evaluate({ prisma: db.prisma, redis, config: cfg, now });

describe("backup staleness check", () => {
  it("a shop younger than the limit with no backup yet is not stale; older, it is (backup and drill)", async () => {
    expect(await evaluate(new Date(installedAt.getTime() + 25 * HOUR))).toEqual([]);
    const later = await evaluate(new Date(installedAt.getTime() + 27 * HOUR));
    expect(later.map((c) => [c.fingerprint, c.severity, c.kind])).toEqual([
      [STALE_BACKUP_FINGERPRINT, "critical", "backup-stale"],
      [STALE_DRILL_FINGERPRINT, "critical", "backup-stale"],
    ]);
    expect(later[0]!.title).toBe("Belum pernah ada backup yang berhasil (batas 26 jam)");
    expect(later[0]!.nextStep).toContain("/backup");
    expect(later[1]!.title).toBe("Belum pernah ada drill pemulihan yang berhasil (batas 26 jam)");
  });

  it("without BACKUP_PUBLIC_KEY the next step is making the key pair", async () => {
    const noKey = loadConfig(testEnv(db, "stale", 3000, "http://127.0.0.1:9"));
    const [backup] = await evaluate(new Date(installedAt.getTime() + 27 * HOUR), noKey);
    expect(backup!.detail).toContain("BACKUP_PUBLIC_KEY belum diisi");
    expect(backup!.nextStep).toContain("npm run backup:keygen");
  });

  it("counts only good runs, and from the newest: 27 h old backup is stale, a 1 h old drill is not", async () => {
    const now = new Date(installedAt.getTime() + 100 * HOUR);
    await run("BACKUP", new Date(now.getTime() - 27 * HOUR));
    await run("BACKUP", new Date(now.getTime() - 1 * HOUR), "FAILED");
    await run("DRILL", new Date(now.getTime() - 1 * HOUR));
    const conditions = await evaluate(now);
    expect(conditions.map((c) => c.fingerprint)).toEqual([STALE_BACKUP_FINGERPRINT]);
    expect(conditions[0]!.title).toBe("Backup terakhir yang berhasil sudah 27 jam lalu (batas 26 jam)");
    expect(await evaluate(new Date(now.getTime() - 2 * HOUR))).toEqual([]);
  });

  it("through the alert runner: raised once while stale, resolved when a good backup lands", async () => {
    const sent: number[] = [];
    const deps = (source?: string) => ({ prisma: db.prisma, send: async (id: number) => void sent.push(id), ...(source ? { source } : {}) });
    const now = new Date(installedAt.getTime() + 100 * HOUR);
    const ctx = { prisma: db.prisma, redis, config, now };
    const first = await runAlertChecks(ctx, [backupStalenessCheck], deps);
    expect(first[0]).toMatchObject({ ok: true, raised: [STALE_BACKUP_FINGERPRINT] });
    const again = await runAlertChecks(ctx, [backupStalenessCheck], deps);
    expect(again[0]!.raised).toEqual([]);
    const open = await db.prisma.$queryRaw<{ state: string; next_step: string }[]>`SELECT state, next_step FROM owner_alerts WHERE fingerprint = ${STALE_BACKUP_FINGERPRINT}`;
    expect(open).toEqual([{ state: "OPEN", next_step: expect.stringContaining("/backup") }]);

    await run("BACKUP", new Date(now.getTime() - 60_000));
    const after = await runAlertChecks(ctx, [backupStalenessCheck], deps);
    expect(after[0]!.resolved).toEqual([STALE_BACKUP_FINGERPRINT]);
    const closed = await db.prisma.$queryRaw<{ state: string }[]>`SELECT state FROM owner_alerts WHERE fingerprint = ${STALE_BACKUP_FINGERPRINT}`;
    expect(closed.map((r) => r.state)).toEqual(["RESOLVED"]);
    const events = await db.prisma.$queryRaw<{ event: string }[]>`SELECT event FROM owner_alert_notices WHERE id = ANY(${sent}::int[]) ORDER BY id`;
    expect(events.map((e) => e.event)).toEqual(["raised", "resolved"]);
  });
});
