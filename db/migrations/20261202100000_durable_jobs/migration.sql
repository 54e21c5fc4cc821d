-- Durable jobs (jobs/outbox.ts) and Postgres leases (shop/leases.ts).
CREATE TYPE "JobOutboxStatus" AS ENUM ('PENDING', 'DONE', 'FAILED');

CREATE TABLE "job_outbox" (
    "id" BIGSERIAL NOT NULL,
    "queue" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "JobOutboxStatus" NOT NULL DEFAULT 'PENDING',
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "repushes" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "done_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_outbox_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "job_outbox_queue_job_id_key" ON "job_outbox"("queue", "job_id");
CREATE INDEX "job_outbox_status_created_at_idx" ON "job_outbox"("status", "created_at");

CREATE TABLE "leases" (
    "key" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "leases_pkey" PRIMARY KEY ("key")
);
