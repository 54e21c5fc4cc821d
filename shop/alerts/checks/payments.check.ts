import type { AlertCheck } from "../types.js";

/** This many failed payments in a row at one gateway (none paid in between) is a streak. */
export const FAILED_STREAK = 3;

/**
 * A streak of failed payments per gateway: the last FAILED_STREAK payments of the last day that
 * the gateway finished (paid or failed) all failed. Expired ones do not count (customers
 * abandon checkouts); a paid one ends the streak.
 */
export const paymentsCheck: AlertCheck = {
  kind: "payments",
  async evaluate({ prisma }) {
    const rows = await prisma.$queryRaw<{ gateway: string; failed: number; last_at: Date }[]>`
      SELECT gateway::text, count(*) FILTER (WHERE status = 'FAILED')::int AS failed, max(updated_at) AS last_at FROM (
        SELECT gateway, status, updated_at, row_number() OVER (PARTITION BY gateway ORDER BY updated_at DESC) AS n
        FROM payments WHERE gateway IN ('TRIPAY', 'MIDTRANS') AND status IN ('PAID', 'FAILED') AND updated_at > now() - interval '24 hours'
      ) s WHERE n <= ${FAILED_STREAK} GROUP BY gateway`;
    return rows
      .filter((r) => r.failed >= FAILED_STREAK)
      .map((r) => ({
        fingerprint: `payments:failed-streak:${r.gateway}`,
        kind: "payments",
        severity: "critical" as const,
        title: `${r.gateway}: ${FAILED_STREAK} pembayaran terakhir gagal berturut-turut`,
        detail: `Terakhir ${r.last_at.toISOString()}.`,
        nextStep: `Buka dasbor ${r.gateway} dan lihat alasan transaksi yang gagal (saldo merchant, kanal nonaktif, mode sandbox/produksi). Bila kanalnya bermasalah, hentikan sementara dengan /maintenance; peringatan selesai setelah satu pembayaran berhasil.`,
      }));
  },
};
