import type { AlertCheck, AlertCondition } from "../types.js";

/**
 * The oldest job still waiting, per queue, older than ALERT_QUEUE_AGE_MINUTES: from BullMQ
 * (waiting, and delayed ones overdue) and from job_outbox's PENDING rows (Redis may have been
 * wiped; Postgres still knows the job is owed). Workers down or stuck, or Redis lost.
 */
export const queueAgeCheck: AlertCheck = {
  kind: "queue-age",
  async evaluate({ prisma, config, queues, now }) {
    const limitMs = config.alerts.queueAgeMinutes * 60_000;
    const oldest = new Map<string, { at: Date; where: string }>();
    const note = (queue: string, at: Date, where: string) => {
      const seen = oldest.get(queue);
      if (!seen || at < seen.at) oldest.set(queue, { at, where });
    };
    for (const q of (await queues?.oldestWaiting()) ?? []) if (q.oldestAt) note(q.queue, q.oldestAt, `Redis, ${q.waiting} menunggu`);
    const pending = await prisma.$queryRaw<{ queue: string; oldest: Date; n: number }[]>`
      SELECT queue, min(run_at) AS oldest, count(*)::int AS n FROM job_outbox WHERE status = 'PENDING' AND run_at < now() GROUP BY queue`;
    for (const p of pending) note(p.queue, p.oldest, `job_outbox, ${p.n} tertunda`);
    const out: AlertCondition[] = [];
    for (const [queue, { at, where }] of oldest) {
      const ageMin = Math.floor((now.getTime() - at.getTime()) / 60_000);
      if (now.getTime() - at.getTime() < limitMs) continue;
      out.push({
        fingerprint: `queue-age:${queue}`,
        kind: "queue-age",
        severity: "warning",
        title: `Antrean "${queue}": pekerjaan tertua menunggu ${ageMin} menit`,
        detail: `Sejak ${at.toISOString()} (${where}).`,
        nextStep: "Periksa peran worker hidup (peringatan 'Peran mati'), Redis terjangkau (/health/ready) dan log worker untuk pekerjaan yang gagal berulang. Pekerjaan yang tercatat di job_outbox didorong lagi otomatis tiap menit oleh worker.",
      });
    }
    return out;
  },
};
