/** Encrypted backups, restore and the restore drill (issue 10). See ops/RUNBOOK.md. */
export { runBackup, BackupAlreadyRunningError, BackupConfigError, BACKUP_LEASE, type BackupDeps, type BackupRunResult, type BackupTrigger, type PartRecord } from "./run-backup.js";
export { restoreBackup, type RestoreOptions, type RestoreReport } from "./restore.js";
export { runDrill, DrillAlreadyRunningError, type DrillDeps, type DrillResult } from "./drill.js";
export { backupStatus, type BackupStatus } from "./runs.js";
export { BackupRefusedError, type BackupManifest } from "./manifest.js";
export { WrongBackupKeyError, generateBackupKeyPair } from "./keys.js";
export { BackupDecryptError } from "./secretstream.js";
