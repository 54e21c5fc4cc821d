import { backupStatus } from "../backup/index.js";
import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, type DoctorCheck, type DoctorResult } from "./types.js";

const hoursAgo = (d: Date, now: Date) => Math.round(((now.getTime() - d.getTime()) / 3_600_000) * 10) / 10;

/** Backups configured (the owner's public key), a recent good backup and drill, a test decrypt that worked. */
export const backupChecks: DoctorCheck = async ({ config, prisma, now, timeoutMs }) => {
  const out: DoctorResult[] = [];
  out.push(
    config.backup.publicKey
      ? pass("backups configured", "BACKUP_PUBLIC_KEY is set")
      : fail("backups configured", "BACKUP_PUBLIC_KEY is not set: no backup can be made", "Run npm run backup:keygen, put BACKUP_PUBLIC_KEY in .env and keep the secret key off this server."),
  );
  const maxHours = config.backupSchedule.staleHours;
  try {
    const s = await withTimeout(backupStatus(prisma), timeoutMs);
    const fresh = (d: Date | undefined) => d !== undefined && now.getTime() - d.getTime() <= maxHours * 3_600_000;
    out.push(
      fresh(s.lastGoodBackupAt)
        ? pass("recent good backup", `${hoursAgo(s.lastGoodBackupAt!, now)} h ago`)
        : fail("recent good backup", s.lastGoodBackupAt ? `last one ${hoursAgo(s.lastGoodBackupAt, now)} h ago` : "none yet", "Run npm run backup (or /backup) and check that the parts arrive in your chat."),
      fresh(s.lastGoodDrillAt)
        ? pass("restore drill", `last good drill ${hoursAgo(s.lastGoodDrillAt!, now)} h ago`)
        : fail("restore drill", s.lastGoodDrillAt ? `last good drill ${hoursAgo(s.lastGoodDrillAt, now)} h ago` : "never run", "Let the scheduler run the nightly drill, or run it now (ops/RUNBOOK.md, restore drill)."),
      s.lastTestDecryptOk === true
        ? pass("test decrypt", "the latest backup decrypted")
        : fail("test decrypt", s.lastTestDecryptOk === false ? "the latest test decrypt FAILED" : "no test decrypt recorded", "Take a backup; if decrypting fails, check BACKUP_PUBLIC_KEY matches the secret key you keep."),
    );
  } catch (err) {
    out.push(fail("recent good backup", reason(err), "Check DATABASE_URL and run npm run db:migrate."));
  }
  return out;
};
