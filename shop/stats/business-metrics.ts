import { statfs } from "node:fs/promises";
import os from "node:os";
import { Gauge, type Registry } from "prom-client";
import type { Queue } from "bullmq";
import type { PrismaClient } from "../../db/client.js";

/**
 * Business metrics, read from Postgres and Redis when Prometheus scrapes (not counted per
 * request), so they are right whichever process did the work and survive restarts. One
 * snapshot serves every gauge of a scrape and is reused for `cacheMs`, so a dashboard that
 * scrapes often costs a handful of queries every few seconds at most. Only one process
 * exports them (the one with the scheduler role, ops/monitoring/metrics-listener.ts), or
 * Prometheus would hold the same numbers once per role.
 *
 * Labels are bounded: statuses, gateways, queues, roles and pause scopes, never a user or order.
 * Money is integer rupiah (a sum in SQL as bigint, exact in a float64 far past any shop's takings).
 */
export interface BusinessMetricsDeps {
  prisma: PrismaClient;
  /** The queues to report depth and oldest waiting job of, by name. */
  queues: Array<{ name: string; queue: () => Queue }>;
  /** A path on the filesystem whose free space matters (DATA_DIR). */
  dataDir: string;
  cacheMs?: number;
  now?: () => number;
}

export interface BusinessSnapshot {
  orders: Array<{ status: string; count: number }>;
  payments: Array<{ gateway: string; status: string; count: number }>;
  revenue: Array<{ gateway: string; idr: number }>;
  failureStreaks: Array<{ gateway: string; streak: number }>;
  queues: Array<{ queue: string; counts: Record<string, number>; oldestWaitingAgeSeconds: number }>;
  /** Unix seconds of the last good backup / drill; 0 when there was none (which is as stale as it gets). */
  backup: { lastBackupAt: number; lastDrillAt: number; lastBackupBytes: number };
  pauses: Array<{ scope: string; reason: string; active: number }>;
  /** Per role, seconds since the freshest heartbeat of a process carrying it that has not stopped cleanly. */
  heartbeats: Array<{ role: string; age: number }>;
  /** Uncaught errors recorded by every process (sum of their grouped counts). */
  uncaughtErrors: number;
  databaseBytes: number;
  disk?: { freeBytes: number; sizeBytes: number };
}

/** Order statuses, listed so a status with no orders reads 0 instead of vanishing from graphs. */
const ORDER_STATUSES = ["PENDING_PAYMENT", "PAYMENT_REVIEW", "PAID", "PROVISIONING", "ACTIVE", "PROVISIONING_FAILED", "EXPIRED", "CANCELLED", "REFUNDED"];
/** BullMQ states reported per queue ("waiting" includes prioritized jobs). */
const QUEUE_STATES = ["wait", "prioritized", "active", "delayed", "failed"] as const;
/** Failed payments after the last paid one count toward a streak only within this window. */
const STREAK_WINDOW_HOURS = 24;

async function tableExists(prisma: PrismaClient, table: string): Promise<boolean> {
  const rows = await prisma.$queryRawUnsafe<Array<{ found: boolean }>>(`SELECT to_regclass($1) IS NOT NULL AS found`, table);
  return rows[0]?.found === true;
}

async function readBackups(prisma: PrismaClient): Promise<BusinessSnapshot["backup"]> {
  // backup_runs arrives with the backup work (shop/backup/); until its migration ran, no backups.
  if (!(await tableExists(prisma, "backup_runs"))) return { lastBackupAt: 0, lastDrillAt: 0, lastBackupBytes: 0 };
  const rows = await prisma.$queryRawUnsafe<Array<{ kind: string; at: number | null; bytes: number | null }>>(
    `SELECT DISTINCT ON (kind) kind::text AS kind, extract(epoch FROM finished_at)::float8 AS at, bytes::float8 AS bytes
       FROM backup_runs WHERE status = 'OK' AND finished_at IS NOT NULL AND kind IN ('BACKUP', 'DRILL')
      ORDER BY kind, finished_at DESC`,
  );
  const backup = rows.find((r) => r.kind === "BACKUP");
  const drill = rows.find((r) => r.kind === "DRILL");
  return { lastBackupAt: backup?.at ?? 0, lastDrillAt: drill?.at ?? 0, lastBackupBytes: backup?.bytes ?? 0 };
}

async function readPauses(prisma: PrismaClient): Promise<BusinessSnapshot["pauses"]> {
  // service_flags arrives with maintenance mode (shop/maintenance/): AUTO pauses are the breaker's.
  if (!(await tableExists(prisma, "service_flags"))) return [];
  return prisma.$queryRawUnsafe(`SELECT scope, reason::text AS reason, (CASE WHEN active THEN 1 ELSE 0 END)::int AS active FROM service_flags`);
}

async function readProcesses(prisma: PrismaClient): Promise<Pick<BusinessSnapshot, "heartbeats" | "uncaughtErrors">> {
  // heartbeats and process_errors arrive with the owner alerts (shop/alerts/, shop/platform/heartbeat.ts).
  const [beats, errors] = await Promise.all([tableExists(prisma, "heartbeats"), tableExists(prisma, "process_errors")]);
  const heartbeats = beats
    ? await prisma.$queryRawUnsafe<BusinessSnapshot["heartbeats"]>(
        `SELECT role, extract(epoch FROM now() - max(beat_at))::float8 AS age FROM heartbeats, unnest(roles) AS role WHERE stopped_at IS NULL GROUP BY role`,
      )
    : [];
  const counted = errors ? await prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT coalesce(sum(count), 0)::float8 AS n FROM process_errors`) : [];
  return { heartbeats, uncaughtErrors: counted[0]?.n ?? 0 };
}

async function readQueue(name: string, queue: Queue, now: number): Promise<BusinessSnapshot["queues"][number]> {
  const counts = await queue.getJobCounts(...QUEUE_STATES);
  // The wait list is pushed at the head, so its oldest job is the last one (asc = oldest first).
  const [oldest] = await queue.getJobs(["wait"], 0, 0, true);
  // A retried or delayed job has waited only since it could last run, not since it was created.
  const readySince = oldest ? Math.max(oldest.timestamp + (oldest.delay ?? 0), oldest.processedOn ?? 0) : now;
  return { queue: name, counts, oldestWaitingAgeSeconds: Math.max(0, (now - readySince) / 1000) };
}

/** Reads every business number once. Exported for tests and for anyone who wants the numbers without Prometheus. */
export async function readBusinessSnapshot(deps: BusinessMetricsDeps): Promise<BusinessSnapshot> {
  const now = deps.now?.() ?? Date.now();
  const { prisma } = deps;
  // One pass over each big table per snapshot: with 1M orders and 1M payments a snapshot took 1.7–3.1 s on
  // this 2-core machine under load (queries run side by side), at most once per cacheMs, not per request.
  const [orders, paymentRows, failureStreaks, size, backup, pauses, processes, queues, disk] = await Promise.all([
    prisma.$queryRawUnsafe<BusinessSnapshot["orders"]>(`SELECT status::text AS status, count(*)::int AS count FROM orders GROUP BY status`),
    // Counts by gateway and status, and what was paid: the amount the gateway reported (else the amount asked).
    prisma.$queryRawUnsafe<Array<{ gateway: string; status: string; count: number; idr: number }>>(
      `SELECT gateway::text AS gateway, status::text AS status, count(*)::int AS count, sum(coalesce(received_idr, total_idr))::bigint::float8 AS idr FROM payments GROUP BY gateway, status`,
    ),
    // Failed payments since the gateway's last paid one (the owner alert's "streak"), within the last day.
    prisma.$queryRawUnsafe<BusinessSnapshot["failureStreaks"]>(
      `WITH recent AS (SELECT gateway, status, updated_at FROM payments WHERE updated_at > now() - make_interval(hours => $1)),
            last AS (SELECT gateway, max(updated_at) FILTER (WHERE status = 'PAID') AS last_paid FROM recent GROUP BY gateway)
       SELECT r.gateway::text AS gateway,
              count(*) FILTER (WHERE r.status = 'FAILED' AND r.updated_at > coalesce(l.last_paid, '-infinity'::timestamptz))::int AS streak
         FROM recent r JOIN last l USING (gateway)
        GROUP BY r.gateway`,
      STREAK_WINDOW_HOURS,
    ),
    prisma.$queryRawUnsafe<Array<{ bytes: number }>>(`SELECT pg_database_size(current_database())::float8 AS bytes`),
    readBackups(prisma),
    readPauses(prisma),
    readProcesses(prisma),
    Promise.all(deps.queues.map((q) => readQueue(q.name, q.queue(), now))),
    statfs(deps.dataDir).then(
      (s) => ({ freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize }),
      () => undefined, // DATA_DIR not created yet: no disk numbers rather than a failed scrape
    ),
  ]);
  const payments = paymentRows.map(({ gateway, status, count }) => ({ gateway, status, count }));
  const revenue = paymentRows.filter((p) => p.status === "PAID").map(({ gateway, idr }) => ({ gateway, idr }));
  return { orders, payments, revenue, failureStreaks, queues, backup, pauses, ...processes, databaseBytes: size[0]?.bytes ?? 0, ...(disk ? { disk } : {}) };
}

/**
 * Registers the business gauges in `registry`. Each gauge's `collect` (run by prom-client on
 * every scrape) fills it from the shared, cached snapshot.
 */
export function registerBusinessMetrics(registry: Registry, deps: BusinessMetricsDeps): { snapshot(): Promise<BusinessSnapshot> } {
  const cacheMs = deps.cacheMs ?? 10_000;
  let cached: { at: number; value: Promise<BusinessSnapshot> } | undefined;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) {
      const value = readBusinessSnapshot(deps);
      cached = { at: now, value };
      // A failed read is not kept: the next scrape tries again (this one reports the error).
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };

  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: BusinessSnapshot) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });

  gauge("shop_orders", "Orders by current status", ["status"], (g, s) => {
    for (const status of ORDER_STATUSES) g.set({ status }, s.orders.find((o) => o.status === status)?.count ?? 0);
  });
  gauge("shop_payments", "Payment attempts by gateway and outcome (their current status, lower case)", ["gateway", "outcome"], (g, s) => {
    for (const p of s.payments) g.set({ gateway: p.gateway.toLowerCase(), outcome: p.status.toLowerCase() }, p.count);
  });
  gauge("shop_revenue_idr", "Rupiah received by payments now PAID, by gateway (wallet = balance spent, already counted as a top-up)", ["gateway"], (g, s) => {
    for (const r of s.revenue) g.set({ gateway: r.gateway.toLowerCase() }, r.idr);
  });
  gauge("shop_payment_failure_streak", "Failed payments since the gateway's last paid one (last 24 h)", ["gateway"], (g, s) => {
    for (const f of s.failureStreaks) g.set({ gateway: f.gateway.toLowerCase() }, f.streak);
  });
  gauge("shop_queue_jobs", "Jobs per queue by state (waiting includes prioritized)", ["queue", "state"], (g, s) => {
    for (const q of s.queues) {
      g.set({ queue: q.queue, state: "waiting" }, (q.counts.wait ?? 0) + (q.counts.prioritized ?? 0));
      for (const state of ["active", "delayed", "failed"]) g.set({ queue: q.queue, state }, q.counts[state] ?? 0);
    }
  });
  gauge("shop_queue_oldest_waiting_age_seconds", "Seconds the oldest waiting job of each queue has been ready to run (0 when none waits)", ["queue"], (g, s) => {
    for (const q of s.queues) g.set({ queue: q.queue }, q.oldestWaitingAgeSeconds);
  });
  gauge("shop_backup_last_success_timestamp_seconds", "Unix time of the last good backup (kind=backup) and restore drill (kind=drill); 0 = never", ["kind"], (g, s) => {
    g.set({ kind: "backup" }, s.backup.lastBackupAt);
    g.set({ kind: "drill" }, s.backup.lastDrillAt);
  });
  gauge("shop_backup_last_size_bytes", "Size of the last good backup (all parts)", [], (g, s) => g.set(s.backup.lastBackupBytes));
  gauge("shop_maintenance_active", "1 while a scope is paused (GLOBAL, PROVIDER:<code>, GATEWAY:<code>); reason AUTO = its API keeps failing", ["scope", "reason"], (g, s) => {
    for (const p of s.pauses) g.set({ scope: p.scope, reason: p.reason }, p.active);
  });
  gauge("shop_role_heartbeat_age_seconds", "Seconds since the last heartbeat of a running process with this role", ["role"], (g, s) => {
    for (const h of s.heartbeats) g.set({ role: h.role }, h.age);
  });
  gauge("shop_uncaught_errors", "Uncaught errors recorded by every process so far (grouped counts summed)", [], (g, s) => g.set(s.uncaughtErrors));
  gauge("shop_database_size_bytes", "Size of the shop's PostgreSQL database", [], (g, s) => g.set(s.databaseBytes));
  gauge("shop_disk_free_bytes", "Free bytes (for unprivileged users) on the filesystem of DATA_DIR", [], (g, s) => s.disk && g.set(s.disk.freeBytes));
  gauge("shop_disk_size_bytes", "Size of the filesystem of DATA_DIR", [], (g, s) => s.disk && g.set(s.disk.sizeBytes));
  // Host memory: a role's own RSS is process_resident_memory_bytes; this is what the whole box has left.
  gauge("shop_host_memory_available_bytes", "Memory the host can still give to processes", [], (g) => g.set(os.freemem()));
  gauge("shop_host_memory_total_bytes", "The host's memory", [], (g) => g.set(os.totalmem()));
  return { snapshot };
}
