import type { PrismaClient } from "../../db/client.js";
import type { AlertCheck, AlertCheckContext, AlertCondition } from "../alerts/types.js";
import { backupStatus } from "./runs.js";

/** The two things the dead-man's switch watches: a good backup, and a good restore drill of one. */
export const STALE_BACKUP_FINGERPRINT = "backup:stale:backup";
export const STALE_DRILL_FINGERPRINT = "backup:stale:drill";

/** When the shop was installed (its first migration), so a brand-new shop is not "stale" on day one. */
async function installedAt(prisma: PrismaClient): Promise<Date | undefined> {
  const rows = await prisma.$queryRaw<{ at: Date | null }[]>`SELECT min(started_at) AS at FROM _prisma_migrations`;
  return rows[0]?.at ?? undefined;
}

function age(now: Date, then: Date): string {
  const hours = Math.floor((now.getTime() - then.getTime()) / 3_600_000);
  return hours >= 48 ? `${Math.floor(hours / 24)} hari (${hours} jam)` : `${hours} jam`;
}

/**
 * The dead-man's switch: the owner hears when the last good backup or the last good restore
 * drill is older than BACKUP_STALE_HOURS (26 h: a daily job plus slack). A failure alert needs a
 * job that runs and fails; this one also fires when nothing runs at all (scheduler or worker
 * down, cron edited away, key missing). Each condition clears itself once a good one lands.
 */
export const backupStalenessCheck: AlertCheck = {
  kind: "backup-stale",
  async evaluate(ctx: AlertCheckContext): Promise<AlertCondition[]> {
    const { prisma, config, now } = ctx;
    const limitMs = config.backupSchedule.staleHours * 3_600_000;
    const status = await backupStatus(prisma);
    const since = await installedAt(prisma);
    // Never had one: stale only once the shop itself is older than the limit.
    const isStale = (last: Date | undefined) => (last ? now.getTime() - last.getTime() > limitMs : since !== undefined && now.getTime() - since.getTime() > limitMs);
    const noKey = config.backup.publicKey === undefined;
    const conditions: AlertCondition[] = [];
    if (isStale(status.lastGoodBackupAt)) {
      conditions.push({
        fingerprint: STALE_BACKUP_FINGERPRINT,
        kind: "backup-stale",
        severity: "critical",
        title: status.lastGoodBackupAt
          ? `Backup terakhir yang berhasil sudah ${age(now, status.lastGoodBackupAt)} lalu (batas ${config.backupSchedule.staleHours} jam)`
          : `Belum pernah ada backup yang berhasil (batas ${config.backupSchedule.staleHours} jam)`,
        detail: noKey ? "BACKUP_PUBLIC_KEY belum diisi: backup tidak bisa dibuat." : `Jadwal: ${config.backupSchedule.cron} (Asia/Jakarta).`,
        nextStep: noKey
          ? "Buat pasangan kunci dengan npm run backup:keygen, isi BACKUP_PUBLIC_KEY di .env (kunci rahasia simpan di luar server), restart layanan, lalu kirim /backup."
          : "Kirim /backup sekarang dan baca pesan kesalahannya bila gagal; pastikan peran worker dan scheduler berjalan (npm run doctor).",
      });
    }
    if (isStale(status.lastGoodDrillAt)) {
      conditions.push({
        fingerprint: STALE_DRILL_FINGERPRINT,
        kind: "backup-stale",
        severity: "critical",
        title: status.lastGoodDrillAt
          ? `Drill pemulihan terakhir yang berhasil sudah ${age(now, status.lastGoodDrillAt)} lalu (batas ${config.backupSchedule.staleHours} jam)`
          : `Belum pernah ada drill pemulihan yang berhasil (batas ${config.backupSchedule.staleHours} jam)`,
        detail: `Tanpa drill, tidak ada bukti backup bisa dipulihkan. Jadwal drill: ${config.backupSchedule.drillCron} (Asia/Jakarta).`,
        nextStep: "Pastikan ada backup yang berhasil (/backup status), lalu periksa log peran worker untuk antrean backups; npm run doctor menunjukkan drill terakhir.",
      });
    }
    return conditions;
  },
};
