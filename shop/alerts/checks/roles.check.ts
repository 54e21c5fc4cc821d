import { HEARTBEAT_STALE_MS } from "../../platform/heartbeat.js";
import type { AlertCheck, AlertCondition } from "../types.js";

/** Restarts of one role within CRASH_WINDOW_MINUTES that make a crash loop. */
export const CRASH_LOOP_RESTARTS = 3;
export const CRASH_WINDOW_MINUTES = 10;

const LOGS = "Lihat log peran itu (journalctl -u vps-shop@<peran> -n 200, atau pm2 logs vps-<peran>) untuk kesalahan terakhir sebelum berhenti";

/**
 * A role is down when no process that carries it has written a heartbeat for 90 s and its last
 * one did not stop cleanly (roles this deployment never ran, or stopped on purpose, are not expected). A role restarted 3 or
 * more times within 10 minutes on one host is in a crash loop. A role that died on one host while
 * another host still runs it is a warning (role-lost): the shop carries on with less capacity. Runs in whichever process holds the alert
 * lease, never the one that died: the scheduler, worker and web roles all run the checks.
 */
export const rolesCheck: AlertCheck = {
  kind: "roles",
  async evaluate({ prisma }) {
    // Down: nothing alive carries the role and its last process did not stop cleanly (a crash,
    // kill -9, OOM); an operator's stop (stopped_at set) is not an alert, a crash loop is.
    const roles = await prisma.$queryRaw<{ role: string; last_beat: Date; alive: boolean; crashed: boolean; pids: string }[]>`
      SELECT r.role, max(h.beat_at) AS last_beat,
        bool_or(h.stopped_at IS NULL AND h.beat_at > now() - ${HEARTBEAT_STALE_MS} * interval '1 millisecond') AS alive,
        (array_agg(h.stopped_at IS NULL ORDER BY h.beat_at DESC))[1] AS crashed,
        (array_agg(h.host || ' pid ' || h.pid ORDER BY h.beat_at DESC))[1] AS pids
      FROM heartbeats h, unnest(h.roles) AS r(role)
      WHERE h.beat_at > now() - interval '24 hours'
      GROUP BY r.role`;
    // Per host: with the roles spread over several machines, starting (or updating) them one host
    // after another is not a crash loop; the same role restarting again and again on one host is.
    const loops = await prisma.$queryRaw<{ role: string; host: string; restarts: number; last_start: Date }[]>`
      SELECT role, host, count(*)::int AS restarts, max(started_at) AS last_start FROM (
        SELECT r.role, h.host, h.started_at, row_number() OVER (PARTITION BY r.role, h.host ORDER BY h.started_at) AS n
        FROM heartbeats h, unnest(h.roles) AS r(role) WHERE h.started_at > now() - interval '24 hours'
      ) s WHERE n > 1 AND started_at > now() - ${CRASH_WINDOW_MINUTES} * interval '1 minute'
      GROUP BY role, host HAVING count(*) >= ${CRASH_LOOP_RESTARTS}`;
    // Lost on one host while another still runs the role: the shop carries on with less capacity
    // (and without that host's share of the load balancer), which the owner should know.
    const lost = await prisma.$queryRaw<{ role: string; host: string; last_beat: Date; pid: number }[]>`
      SELECT role, host, last_beat, pid FROM (
        SELECT r.role, h.host, h.beat_at AS last_beat, h.pid, h.stopped_at,
          row_number() OVER (PARTITION BY r.role, h.host ORDER BY h.beat_at DESC) AS n
        FROM heartbeats h, unnest(h.roles) AS r(role) WHERE h.beat_at > now() - interval '24 hours'
      ) s WHERE n = 1 AND stopped_at IS NULL AND last_beat <= now() - ${HEARTBEAT_STALE_MS} * interval '1 millisecond'`;
    const out: AlertCondition[] = [];
    for (const r of roles) {
      if (r.alive || !r.crashed) continue;
      out.push({
        fingerprint: `role-down:${r.role}`,
        kind: "role-down",
        severity: "critical",
        title: `Peran "${r.role}" mati: tidak ada detak sejak ${r.last_beat.toISOString().slice(11, 16)} UTC`,
        detail: `Detak terakhir ${r.last_beat.toISOString()} (${r.pids}).`,
        nextStep: `${LOGS}, lalu jalankan lagi: systemctl restart vps-shop@${r.role} (atau pm2 restart vps-${r.role}). Lihat ops/RUNBOOK.md.`,
      });
    }
    const aliveRoles = new Set(roles.filter((r) => r.alive).map((r) => r.role));
    for (const l of lost) {
      if (!aliveRoles.has(l.role)) continue; // nothing carries it anywhere: that is role-down, above
      out.push({
        fingerprint: `role-lost:${l.role}@${l.host}`,
        kind: "role-down",
        severity: "warning",
        title: `Peran "${l.role}" di ${l.host} mati; host lain masih menjalankannya`,
        detail: `Detak terakhir ${l.last_beat.toISOString()} (${l.host} pid ${l.pid}). Toko tetap jalan dengan kapasitas berkurang.`,
        nextStep: `${LOGS} di ${l.host}, lalu jalankan lagi di sana. Host yang sengaja dimatikan: hentikan prosesnya dengan bersih (systemctl stop) agar peringatan ini selesai. Lihat "A host died" di ops/RUNBOOK.md.`,
      });
    }
    for (const l of loops) {
      out.push({
        fingerprint: `crash-loop:${l.role}@${l.host}`,
        kind: "crash-loop",
        severity: "critical",
        title: `Peran "${l.role}" di ${l.host} terus memulai ulang: ${l.restarts}× dalam ${CRASH_WINDOW_MINUTES} menit`,
        detail: `Mulai terakhir ${l.last_start.toISOString()}.`,
        nextStep: `${LOGS}; kesalahan yang sama juga dikirim sebagai "Error tak tertangkap". Konfigurasi yang salah keluar dengan kode 78 dan tidak diulang.`,
      });
    }
    return out;
  },
};
