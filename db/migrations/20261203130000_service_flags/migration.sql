-- Maintenance mode: GLOBAL (the whole bot for customers) and per provider/gateway pauses (shop/maintenance/).

-- CreateEnum
CREATE TYPE "MaintenanceReason" AS ENUM ('AUTO', 'MANUAL');

-- CreateTable
CREATE TABLE "service_flags" (
    "scope" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "message" TEXT,
    "reason" "MaintenanceReason" NOT NULL DEFAULT 'MANUAL',
    "set_by_user_id" INTEGER,
    "detail" TEXT,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_flags_pkey" PRIMARY KEY ("scope")
);
