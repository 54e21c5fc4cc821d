import type { Redis } from "ioredis";
import type { AlertCheck } from "../types.js";

/** Refused callbacks with a bad signature within SPIKE_WINDOW_MINUTES that make a spike. */
export const SIGNATURE_SPIKE = 10;
export const SPIKE_WINDOW_MINUTES = 10;

const bucketKey = (prefix: string, gateway: string, minute: number) => `${prefix}:alerts:bad-signature:${gateway}:${minute}`;

/**
 * Adds refused-callback counts to per-minute buckets in Redis (kept an hour). The web role feeds
 * it from its `webhook_rejected_total{reason="bad_signature"}` counter every 15 s (ops/watchdog.ts),
 * so the check can run in another process and an attack costs no database write per request.
 */
export async function tallyBadSignatures(redis: Redis, prefix: string, counts: Record<string, number>, now = Date.now()): Promise<void> {
  const minute = Math.floor(now / 60_000);
  const tx = redis.multi();
  for (const [gateway, n] of Object.entries(counts)) {
    if (n <= 0) continue;
    tx.incrby(bucketKey(prefix, gateway, minute), n).expire(bucketKey(prefix, gateway, minute), 3600);
  }
  await tx.exec();
}

/** A spike of payment callbacks refused for a bad signature, per gateway (someone forging callbacks, or our key is wrong). */
export const signaturesCheck: AlertCheck = {
  kind: "signatures",
  async evaluate({ redis, config, now }) {
    const minute = Math.floor(now.getTime() / 60_000);
    const out = [];
    for (const gateway of ["tripay", "midtrans"]) {
      const keys = Array.from({ length: SPIKE_WINDOW_MINUTES }, (_, i) => bucketKey(config.queuePrefix, gateway, minute - i));
      const total = (await redis.mget(...keys)).reduce((sum, v) => sum + Number(v ?? 0), 0);
      if (total < SIGNATURE_SPIKE) continue;
      out.push({
        fingerprint: `signatures:spike:${gateway}`,
        kind: "signatures",
        severity: "warning" as const,
        title: `${total} callback ${gateway} ditolak karena tanda tangan salah dalam ${SPIKE_WINDOW_MINUTES} menit`,
        detail: "Tidak ada uang yang berubah: callback ini ditolak sebelum diproses.",
        nextStep: `Bila pembayaran asli ikut ditolak, kunci ${gateway === "tripay" ? "TRIPAY_PRIVATE_KEY" : "MIDTRANS_SERVER_KEY"} di .env tidak cocok dengan dasbor gateway (mis. setelah rotasi: ops/RUNBOOK.md "Credential rotation"). Bila tidak, seseorang memalsukan callback: lihat IP di log ('payment callback refused') dan blokir di firewall.`,
      });
    }
    return out;
  },
};
