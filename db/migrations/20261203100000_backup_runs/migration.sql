-- Backups (shop/backup/): every backup, drill and test decrypt, with its manifest and delivered parts.

-- CreateEnum
CREATE TYPE "BackupRunKind" AS ENUM ('BACKUP', 'DRILL', 'VERIFY');

-- CreateEnum
CREATE TYPE "BackupRunStatus" AS ENUM ('RUNNING', 'OK', 'FAILED');

-- CreateTable
CREATE TABLE "backup_runs" (
    "id" SERIAL NOT NULL,
    "kind" "BackupRunKind" NOT NULL,
    "status" "BackupRunStatus" NOT NULL DEFAULT 'RUNNING',
    "trigger" TEXT NOT NULL,
    "requested_by" BIGINT,
    "backup_id" TEXT,
    "manifest" JSONB,
    "parts" JSONB,
    "bytes" BIGINT,
    "test_decrypt_ok" BOOLEAN,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "backup_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backup_runs_kind_status_finished_at_idx" ON "backup_runs"("kind", "status", "finished_at");
