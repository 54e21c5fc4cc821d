-- Provisioning: a create that may have reached the provider is remembered until its server is found (provision.ts).
-- Orphan sweep: servers carrying our tag with no live instance, first seen → deleted after a grace period (orphans.ts).

-- AlterTable
ALTER TABLE "provisioning_tasks" ADD COLUMN     "create_attempted_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "orphan_servers" (
    "id" SERIAL NOT NULL,
    "provider_code" "ProviderCode" NOT NULL,
    "provider_server_id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "tags" TEXT[],
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "orphan_servers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "orphan_servers_provider_code_provider_server_id_key" ON "orphan_servers"("provider_code", "provider_server_id");
