import type { AlertCheck } from "../types.js";

/** A secret older than this is due for rotation. */
export const ROTATE_AFTER_DAYS = 90;

/**
 * Credential rotation reminders: SECRETS_ROTATED_AT holds each secret's last rotation date
 * (`TRIPAY_PRIVATE_KEY=2026-09-01,TELEGRAM_BOT_TOKEN=…`); one reminder per secret past 90 days,
 * resolved once the date in the config is moved forward.
 */
export const secretsCheck: AlertCheck = {
  kind: "secrets",
  async evaluate({ config, now }) {
    return Object.entries(config.alerts.secretsRotatedAt)
      .map(([name, date]) => ({ name, date, days: Math.floor((now.getTime() - Date.parse(`${date}T00:00:00Z`)) / 86_400_000) }))
      .filter((s) => s.days >= ROTATE_AFTER_DAYS)
      .map((s) => ({
        fingerprint: `secret-rotation:${s.name}`,
        kind: "secret-rotation",
        severity: "info" as const,
        title: `Saatnya merotasi ${s.name}: terakhir ${s.date} (${s.days} hari lalu)`,
        nextStep: `Ikuti langkah rotasi ${s.name} di ops/RUNBOOK.md bagian "Credential rotation" (buat nilai baru, perbarui .env, mulai ulang layanan), lalu ubah ${s.name}=<tanggal hari ini> di SECRETS_ROTATED_AT.`,
      }));
  },
};
