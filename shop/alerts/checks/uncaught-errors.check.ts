import type { AlertCheck } from "../types.js";

/** An uncaught error stays an open alert until it has not happened for this long. */
export const UNCAUGHT_QUIET_MINUTES = 15;

/**
 * Uncaught exceptions and unhandled rejections from any role (ops/watchdog.ts records them in
 * process_errors), one alert per fingerprint (error class + top frame): the same bug in three
 * processes is one alert with a count, not three.
 */
export const uncaughtErrorsCheck: AlertCheck = {
  kind: "uncaught-errors",
  async evaluate({ prisma }) {
    const rows = await prisma.processError.findMany({
      where: { lastSeenAt: { gt: new Date(Date.now() - UNCAUGHT_QUIET_MINUTES * 60_000) } },
      orderBy: { lastSeenAt: "desc" },
      take: 20,
    });
    return rows.map((e) => ({
      fingerprint: `uncaught:${e.fingerprint}`,
      kind: "uncaught-error",
      severity: "critical" as const,
      title: `Error tak tertangkap di ${e.roles.join("+")}: ${e.errorClass}: ${e.message}`.slice(0, 200),
      detail: `${e.count}× sejak ${e.firstSeenAt.toISOString()}, terakhir ${e.lastSeenAt.toISOString()}\n${e.topFrame}`,
      nextStep: "Cari pesan 'uncaught exception' / 'unhandled promise rejection' di log peran itu untuk jejak lengkapnya; ini bug yang perlu diperbaiki (kirim log ke pengembang). Peringatan ini selesai setelah 15 menit tanpa kejadian baru.",
    }));
  },
};
