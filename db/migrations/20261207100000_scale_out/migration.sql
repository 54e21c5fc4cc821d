-- Scale-out (issue 14): the bot's update inbox for webhook mode with several processes (one row
-- per Telegram update_id: duplicates across processes are no-ops; each chat's updates are handled
-- one at a time in update_id order under a lease) and the scheduler's per-tick claims (one
-- scheduler enqueues each tick, however many run).

-- CreateEnum
CREATE TYPE "telegram_update_status" AS ENUM ('PENDING', 'DONE', 'FAILED');

-- CreateSequence
CREATE SEQUENCE "telegram_updates_handled_seq";

-- CreateTable
CREATE TABLE "telegram_updates" (
    "update_id" BIGINT NOT NULL,
    "chat_key" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" "telegram_update_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "handled_by" TEXT,
    "handled_at" TIMESTAMPTZ(3),
    "handled_seq" BIGINT,
    "last_error" TEXT,

    CONSTRAINT "telegram_updates_pkey" PRIMARY KEY ("update_id")
);

-- CreateTable
CREATE TABLE "scheduler_ticks" (
    "task" TEXT NOT NULL,
    "tick" TEXT NOT NULL,
    "claimed_by" TEXT NOT NULL,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scheduler_ticks_pkey" PRIMARY KEY ("task","tick")
);

-- CreateIndex
CREATE INDEX "telegram_updates_chat_key_update_id_idx" ON "telegram_updates"("chat_key", "update_id");

-- CreateIndex
CREATE INDEX "telegram_updates_status_received_at_idx" ON "telegram_updates"("status", "received_at");

-- CreateIndex
CREATE INDEX "scheduler_ticks_claimed_at_idx" ON "scheduler_ticks"("claimed_at");

-- Transfer screenshots in the row (issue 14): the sealed bytes (secretbox nonce ‖ ciphertext,
-- as the files held) move into Postgres, so a screenshot received by one host can be shown and
-- purged by any other; rows from before keep storage_path, a sealed file under DATA_DIR.
-- STORAGE EXTERNAL: ciphertext does not compress, so TOAST stores it out of line without trying.
ALTER TABLE "transfer_proofs" ADD COLUMN "sealed" BYTEA,
    ALTER COLUMN "storage_path" DROP NOT NULL;
ALTER TABLE "transfer_proofs" ALTER COLUMN "sealed" SET STORAGE EXTERNAL;
-- A live proof has its bytes in exactly one place; a purged one has none left in the database.
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_one_place" CHECK ("sealed" IS NULL OR "storage_path" IS NULL);
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_bytes_until_purged" CHECK (CASE WHEN "purged_at" IS NULL THEN "sealed" IS NOT NULL OR "storage_path" IS NOT NULL ELSE "sealed" IS NULL END);
