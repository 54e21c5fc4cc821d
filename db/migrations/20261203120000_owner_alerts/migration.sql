-- Owner alerts (shop/alerts/): alert state per fingerprint, the messages decided for it,
-- heartbeats of every process and uncaught errors grouped by fingerprint.

-- CreateEnum
CREATE TYPE "OwnerAlertState" AS ENUM ('OPEN', 'RESOLVED');

-- CreateTable
CREATE TABLE "owner_alerts" (
    "id" SERIAL NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source" TEXT,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT,
    "next_step" TEXT NOT NULL,
    "state" "OwnerAlertState" NOT NULL DEFAULT 'OPEN',
    "count" INTEGER NOT NULL DEFAULT 1,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_notified_at" TIMESTAMPTZ(3),
    "muted_until" TIMESTAMPTZ(3),
    "muted_by" BIGINT,
    "resolved_at" TIMESTAMPTZ(3),
    "held" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "owner_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "owner_alert_notices" (
    "id" SERIAL NOT NULL,
    "alert_id" INTEGER,
    "event" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "sent_to" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "owner_alert_notices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "heartbeats" (
    "instance_id" TEXT NOT NULL,
    "roles" TEXT[],
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "beat_at" TIMESTAMPTZ(3) NOT NULL,
    "rss_bytes" BIGINT NOT NULL,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "heartbeats_pkey" PRIMARY KEY ("instance_id")
);

-- CreateTable
CREATE TABLE "process_errors" (
    "fingerprint" TEXT NOT NULL,
    "error_class" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "top_frame" TEXT NOT NULL,
    "roles" TEXT[],
    "count" INTEGER NOT NULL DEFAULT 1,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "process_errors_pkey" PRIMARY KEY ("fingerprint")
);

-- CreateIndex
CREATE UNIQUE INDEX "owner_alerts_fingerprint_key" ON "owner_alerts"("fingerprint");

-- CreateIndex
CREATE INDEX "owner_alerts_state_source_idx" ON "owner_alerts"("state", "source");

-- CreateIndex
CREATE INDEX "owner_alert_notices_created_at_idx" ON "owner_alert_notices"("created_at");

-- CreateIndex
CREATE INDEX "owner_alert_notices_delivered_at_idx" ON "owner_alert_notices"("delivered_at");

-- CreateIndex
CREATE INDEX "heartbeats_beat_at_idx" ON "heartbeats"("beat_at");

-- CreateIndex
CREATE INDEX "process_errors_last_seen_at_idx" ON "process_errors"("last_seen_at");

-- AddForeignKey
ALTER TABLE "owner_alert_notices" ADD CONSTRAINT "owner_alert_notices_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "owner_alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
