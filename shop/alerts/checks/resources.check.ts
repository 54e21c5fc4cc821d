import type { StatsFs } from "node:fs";
import { statfs } from "node:fs/promises";
import os from "node:os";
import { dirname, resolve } from "node:path";
import type { AlertCheck, AlertCondition } from "../types.js";

/** A process above this RSS is worth a look on a 1–2 GB machine (roles idle near 150 MiB). */
export const ROLE_RSS_LIMIT_MB = 400;

/**
 * Disk free on DATA_DIR's filesystem, the machine's available memory, each role's RSS (from
 * heartbeats) and the database size, against the ALERT_* thresholds.
 */
export const resourcesCheck: AlertCheck = {
  kind: "resources",
  async evaluate({ prisma, config }) {
    const out: AlertCondition[] = [];
    const fs = await statfsNearest(config.dataDir);
    const freePct = (fs.bavail / fs.blocks) * 100;
    if (freePct < config.alerts.diskFreePct) {
      out.push({
        fingerprint: "resources:disk",
        kind: "resources",
        severity: freePct < config.alerts.diskFreePct / 2 ? "critical" : "warning",
        title: `Disk hampir penuh: sisa ${freePct.toFixed(1)}% (${Math.round((fs.bavail * fs.bsize) / 1048576)} MiB)`,
        detail: `Sistem berkas ${config.dataDir}; ambang ${config.alerts.diskFreePct}%.`,
        nextStep: "Kosongkan ruang: backup lokal lama (retensi), log (journalctl --vacuum-size=200M), lalu periksa ukuran basis data. PostgreSQL dan Redis (AOF) berhenti menulis saat disk penuh.",
      });
    }
    const memPct = (os.freemem() / os.totalmem()) * 100;
    if (memPct < config.alerts.memoryFreePct) {
      out.push({
        fingerprint: "resources:memory",
        kind: "resources",
        severity: "warning",
        title: `Memori hampir habis: tersedia ${memPct.toFixed(1)}% (${Math.round(os.freemem() / 1048576)} MiB)`,
        nextStep: "Lihat proses terbesar (ps aux --sort=-rss | head); jalankan semua peran dalam satu proses di mesin 1 GB, atau tambah swap/RAM.",
      });
    }
    const big = await prisma.$queryRaw<{ roles: string[]; pid: number; rss_mb: number }[]>`
      SELECT roles, pid, (rss_bytes / 1048576)::int AS rss_mb FROM heartbeats
      WHERE stopped_at IS NULL AND beat_at > now() - interval '2 minutes' AND rss_bytes > ${ROLE_RSS_LIMIT_MB * 1048576}::bigint`;
    for (const p of big) {
      out.push({
        fingerprint: `resources:rss:${p.roles.join("+")}`,
        kind: "resources",
        severity: "warning",
        title: `Proses ${p.roles.join("+")} (pid ${p.pid}) memakai ${p.rss_mb} MiB`,
        nextStep: "Bila terus naik, kemungkinan kebocoran memori: mulai ulang peran itu dan kirim log ke pengembang.",
      });
    }
    const [db] = await prisma.$queryRaw<{ mb: number }[]>`SELECT (pg_database_size(current_database()) / 1048576)::int AS mb`;
    if (db && db.mb > config.alerts.dbSizeMb) {
      out.push({
        fingerprint: "resources:database-size",
        kind: "resources",
        severity: "warning",
        title: `Basis data ${db.mb} MiB, di atas ambang ${config.alerts.dbSizeMb} MiB`,
        nextStep: "Backup ikut membesar (dan dikirim ke Telegram dalam bagian 45 MB). Periksa tabel terbesar; callback pembayaran dan tangkapan layar lama dibersihkan tiap hari oleh tugas retensi.",
      });
    }
    return out;
  },
};

/**
 * The filesystem DATA_DIR is (or will be) on: the directory itself, or its nearest existing parent
 * while nothing has been written there yet (a fresh install has no ./data until the first upload).
 */
export async function statfsNearest(path: string): Promise<StatsFs> {
  let dir = resolve(path);
  for (;;) {
    try {
      return await statfs(dir);
    } catch (err) {
      const parent = dirname(dir);
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || parent === dir) throw err;
      dir = parent;
    }
  }
}
