-- Broadcasts (issue 12): compose, audiences, schedule, pause/resume/cancel, unsend; one row per
-- recipient; promo opt-out. See shop/broadcasts/.
ALTER TYPE "BroadcastStatus" ADD VALUE IF NOT EXISTS 'SCHEDULED';
ALTER TYPE "BroadcastStatus" ADD VALUE IF NOT EXISTS 'PAUSED';
ALTER TYPE "BroadcastDeliveryStatus" ADD VALUE IF NOT EXISTS 'SENDING';
ALTER TYPE "BroadcastDeliveryStatus" ADD VALUE IF NOT EXISTS 'UNCERTAIN';
ALTER TYPE "BroadcastDeliveryStatus" ADD VALUE IF NOT EXISTS 'DELETED';
ALTER TYPE "BroadcastDeliveryStatus" ADD VALUE IF NOT EXISTS 'SKIPPED';
CREATE TYPE "BroadcastKind" AS ENUM ('PROMO', 'SERVICE');

ALTER TABLE "users" ADD COLUMN "promo_opt_out" BOOLEAN NOT NULL DEFAULT false;
-- Telegram answered 403 (blocked the bot) or the account is deleted; cleared when they write again.
-- Not users.blocked, which restricts the account in the shop.
ALTER TABLE "users" ADD COLUMN "bot_blocked_at" TIMESTAMPTZ(3);

ALTER TABLE "broadcasts"
  ADD COLUMN "kind" "BroadcastKind" NOT NULL DEFAULT 'PROMO',
  ADD COLUMN "entities" JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN "photo_file_id" TEXT,
  ADD COLUMN "buttons" JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN "audience_param" JSONB NOT NULL DEFAULT '{}',
  ADD COLUMN "paid" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "scheduled_at" TIMESTAMPTZ(3),
  ADD COLUMN "run" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "hold_until" TIMESTAMPTZ(3),
  ADD COLUMN "paused_reason" TEXT,
  ADD COLUMN "progress_chat_id" BIGINT,
  ADD COLUMN "progress_message_id" INTEGER,
  ADD COLUMN "uncertain_count" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "unsent_at" TIMESTAMPTZ(3),
  ADD COLUMN "unsent_count" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "broadcasts_status_idx" ON "broadcasts"("status");

-- Rows from before this migration (none are expected: nothing created broadcasts) get chat ids from their users.
ALTER TABLE "broadcast_deliveries"
  ADD COLUMN "chat_id" BIGINT,
  ADD COLUMN "claim_token" TEXT,
  ADD COLUMN "claimed_at" TIMESTAMPTZ(3),
  ADD COLUMN "next_attempt_at" TIMESTAMPTZ(3),
  ADD COLUMN "message_id" INTEGER,
  ADD COLUMN "deleted_at" TIMESTAMPTZ(3);
UPDATE "broadcast_deliveries" d SET "chat_id" = u."telegram_id" FROM "users" u WHERE u."id" = d."user_id";
ALTER TABLE "broadcast_deliveries" ALTER COLUMN "chat_id" SET NOT NULL;
