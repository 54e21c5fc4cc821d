import type { AlertCheck } from "../types.js";

/** Within the last hour, at least this many failures and this share of finished runs. */
export const PROVISIONING_MIN_FAILURES = 3;
export const PROVISIONING_FAILURE_RATE = 0.3;

/** Provisioning failures above a rate, per cloud (each failed order also reaches a seller on its own). */
export const provisioningCheck: AlertCheck = {
  kind: "provisioning",
  async evaluate({ prisma }) {
    const rows = await prisma.$queryRaw<{ provider: string; failed: number; done: number }[]>`
      SELECT coalesce(o.provider_code::text, '?') AS provider,
        count(*) FILTER (WHERE t.status = 'FAILED')::int AS failed, count(*) FILTER (WHERE t.status = 'DONE')::int AS done
      FROM provisioning_tasks t JOIN orders o ON o.id = t.order_id
      WHERE t.status IN ('FAILED', 'DONE') AND t.updated_at > now() - interval '1 hour'
      GROUP BY 1`;
    return rows
      .filter((r) => r.failed >= PROVISIONING_MIN_FAILURES && r.failed / (r.failed + r.done) >= PROVISIONING_FAILURE_RATE)
      .map((r) => ({
        fingerprint: `provisioning:failures:${r.provider}`,
        kind: "provisioning",
        severity: "critical" as const,
        title: `${r.provider}: ${r.failed} dari ${r.failed + r.done} pembuatan VPS gagal dalam 1 jam terakhir`,
        nextStep: `Lihat alasan di pesan kegagalan per pesanan (atau provisioning_tasks.last_error): kuota/saldo akun ${r.provider}, region atau paket habis, token dicabut. Hentikan penjualan cloud ini dengan /maintenance bila perlu, lalu /retry atau /refund pesanan yang gagal.`,
      }));
  },
};
