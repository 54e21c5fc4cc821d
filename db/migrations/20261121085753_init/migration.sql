-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('CUSTOMER', 'SELLER', 'OWNER');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('SYSTEM', 'CUSTOMER', 'SELLER', 'OWNER', 'GATEWAY', 'SCHEDULER');

-- CreateEnum
CREATE TYPE "ProviderCode" AS ENUM ('DIGITALOCEAN', 'VULTR', 'LINODE');

-- CreateEnum
CREATE TYPE "DiscountKind" AS ENUM ('PERCENT', 'FIXED');

-- CreateEnum
CREATE TYPE "CouponRedemptionStatus" AS ENUM ('ACTIVE', 'RELEASED');

-- CreateEnum
CREATE TYPE "OrderKind" AS ENUM ('NEW_VPS', 'RENEWAL', 'WALLET_TOPUP');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('PENDING_PAYMENT', 'PAYMENT_REVIEW', 'PAID', 'PROVISIONING', 'ACTIVE', 'PROVISIONING_FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED');

-- CreateEnum
CREATE TYPE "PaymentGateway" AS ENUM ('TRIPAY', 'MIDTRANS', 'WALLET', 'MANUAL_TRANSFER');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('PENDING', 'PAID', 'REVIEW', 'FAILED', 'EXPIRED', 'REFUNDED');

-- CreateEnum
CREATE TYPE "LedgerTransactionKind" AS ENUM ('TOPUP', 'ORDER_PAYMENT', 'REFUND', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "InstanceStatus" AS ENUM ('PROVISIONING', 'ACTIVE', 'OFF', 'SUSPENDED', 'DELETED', 'FAILED');

-- CreateEnum
CREATE TYPE "ProvisioningStatus" AS ENUM ('QUEUED', 'CREATING', 'WAITING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "InstanceActionStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "BroadcastStatus" AS ENUM ('DRAFT', 'SENDING', 'DONE', 'CANCELLED');

-- CreateEnum
CREATE TYPE "BroadcastDeliveryStatus" AS ENUM ('PENDING', 'SENT', 'FAILED', 'BLOCKED');

-- CreateEnum
CREATE TYPE "TransferProofStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "telegram_id" BIGINT NOT NULL,
    "role" "UserRole" NOT NULL DEFAULT 'CUSTOMER',
    "reseller_tier_id" INTEGER,
    "language" TEXT NOT NULL DEFAULT 'id',
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "first_name" TEXT,
    "username" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reseller_tiers" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reseller_tiers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reseller_prices" (
    "id" SERIAL NOT NULL,
    "tier_id" INTEGER NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "duration_months" INTEGER NOT NULL,
    "price_idr" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reseller_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "providers" (
    "id" SERIAL NOT NULL,
    "code" "ProviderCode" NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plans" (
    "id" SERIAL NOT NULL,
    "provider_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "vcpu" INTEGER NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "disk_gb" INTEGER NOT NULL,
    "bandwidth_gb" INTEGER NOT NULL,
    "region" TEXT NOT NULL,
    "provider_size_slug" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "stock" INTEGER,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plan_prices" (
    "id" SERIAL NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "duration_months" INTEGER NOT NULL,
    "price_idr" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plan_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "promos" (
    "id" SERIAL NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "duration_months" INTEGER,
    "kind" "DiscountKind" NOT NULL,
    "value" INTEGER NOT NULL,
    "max_discount_idr" INTEGER,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "promos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "os_images" (
    "id" SERIAL NOT NULL,
    "provider_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider_ref" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "os_images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plan_images" (
    "plan_id" INTEGER NOT NULL,
    "image_id" INTEGER NOT NULL,

    CONSTRAINT "plan_images_pkey" PRIMARY KEY ("plan_id","image_id")
);

-- CreateTable
CREATE TABLE "coupons" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "kind" "DiscountKind" NOT NULL,
    "value" INTEGER NOT NULL,
    "max_discount_idr" INTEGER,
    "min_order_idr" INTEGER,
    "valid_from" TIMESTAMPTZ(3),
    "valid_to" TIMESTAMPTZ(3),
    "usage_limit" INTEGER,
    "per_user_limit" INTEGER,
    "first_order_only" BOOLEAN NOT NULL DEFAULT false,
    "plan_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "durations" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "used_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "coupons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coupon_redemptions" (
    "id" SERIAL NOT NULL,
    "coupon_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "order_id" INTEGER NOT NULL,
    "discount_idr" INTEGER NOT NULL DEFAULT 0,
    "status" "CouponRedemptionStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "coupon_redemptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders" (
    "id" SERIAL NOT NULL,
    "reference" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "kind" "OrderKind" NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'PENDING_PAYMENT',
    "plan_id" INTEGER,
    "plan_code" TEXT,
    "plan_name" TEXT,
    "provider_code" "ProviderCode",
    "provider_size_slug" TEXT,
    "region" TEXT,
    "image_code" TEXT,
    "image_name" TEXT,
    "provider_image_ref" TEXT,
    "duration_months" INTEGER,
    "base_price_idr" INTEGER NOT NULL,
    "promo_discount_idr" INTEGER NOT NULL DEFAULT 0,
    "coupon_discount_idr" INTEGER NOT NULL DEFAULT 0,
    "coupon_code" TEXT,
    "total_idr" INTEGER NOT NULL,
    "snapshot" JSONB NOT NULL,
    "payment_fee_idr" INTEGER NOT NULL DEFAULT 0,
    "instance_id" INTEGER,
    "payment_deadline" TIMESTAMPTZ(3),
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_status_history" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "from_status" "OrderStatus",
    "to_status" "OrderStatus" NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_status_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "gateway" "PaymentGateway" NOT NULL,
    "method" TEXT,
    "gateway_reference" TEXT,
    "attempt_ref" TEXT NOT NULL,
    "amount_idr" INTEGER NOT NULL,
    "fee_idr" INTEGER NOT NULL DEFAULT 0,
    "total_idr" INTEGER NOT NULL,
    "unique_code_idr" INTEGER NOT NULL DEFAULT 0,
    "status" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "pay_code" TEXT,
    "checkout_url" TEXT,
    "qr_string" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "paid_at" TIMESTAMPTZ(3),
    "raw" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_callbacks" (
    "id" SERIAL NOT NULL,
    "gateway" "PaymentGateway" NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verified" BOOLEAN NOT NULL,
    "reject_reason" TEXT,
    "event" TEXT,
    "reference" TEXT,
    "merchant_ref" TEXT,
    "status" TEXT,
    "raw_body" TEXT NOT NULL,
    "headers" JSONB NOT NULL,
    "remote_ip" TEXT,
    "outcome" TEXT,

    CONSTRAINT "payment_callbacks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_events" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "wallets" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wallets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_transactions" (
    "id" SERIAL NOT NULL,
    "kind" "LedgerTransactionKind" NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "order_id" INTEGER,
    "payment_id" INTEGER,
    "memo" TEXT,
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" SERIAL NOT NULL,
    "transaction_id" INTEGER NOT NULL,
    "account" TEXT NOT NULL,
    "user_id" INTEGER,
    "amount_idr" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instances" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "provider_code" "ProviderCode" NOT NULL,
    "provider_instance_id" TEXT,
    "label" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "plan_id" INTEGER,
    "plan_code" TEXT NOT NULL,
    "image_code" TEXT NOT NULL,
    "ipv4" TEXT,
    "ipv6" TEXT,
    "status" "InstanceStatus" NOT NULL DEFAULT 'PROVISIONING',
    "root_password_enc" BYTEA,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "suspended_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "auto_renew" BOOLEAN NOT NULL DEFAULT false,
    "last_reminder_days" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provisioning_tasks" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "status" "ProvisioningStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "provider_instance_id" TEXT,
    "error_code" TEXT,
    "last_error" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provisioning_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instance_actions" (
    "id" SERIAL NOT NULL,
    "instance_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "status" "InstanceActionStatus" NOT NULL DEFAULT 'QUEUED',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "instance_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broadcasts" (
    "id" SERIAL NOT NULL,
    "created_by_id" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "status" "BroadcastStatus" NOT NULL DEFAULT 'DRAFT',
    "audience" TEXT NOT NULL,
    "total_recipients" INTEGER NOT NULL DEFAULT 0,
    "sent_count" INTEGER NOT NULL DEFAULT 0,
    "failed_count" INTEGER NOT NULL DEFAULT 0,
    "blocked_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "broadcasts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broadcast_deliveries" (
    "id" SERIAL NOT NULL,
    "broadcast_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" "BroadcastDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broadcast_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transfer_proofs" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "payment_id" INTEGER,
    "storage_path" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "mime_type" TEXT NOT NULL,
    "status" "TransferProofStatus" NOT NULL DEFAULT 'PENDING',
    "reviewed_by_id" INTEGER,
    "reviewed_at" TIMESTAMPTZ(3),
    "reject_reason" TEXT,
    "purged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transfer_proofs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bank_accounts" (
    "id" SERIAL NOT NULL,
    "bank_name" TEXT NOT NULL,
    "account_number" TEXT NOT NULL,
    "account_holder" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bank_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" SERIAL NOT NULL,
    "actor_user_id" INTEGER,
    "actor_type" "ActorType" NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_telegram_id_key" ON "users"("telegram_id");

-- CreateIndex
CREATE INDEX "users_role_idx" ON "users"("role");

-- CreateIndex
CREATE UNIQUE INDEX "reseller_tiers_code_key" ON "reseller_tiers"("code");

-- CreateIndex
CREATE INDEX "reseller_prices_plan_id_idx" ON "reseller_prices"("plan_id");

-- CreateIndex
CREATE UNIQUE INDEX "reseller_prices_tier_id_plan_id_duration_months_key" ON "reseller_prices"("tier_id", "plan_id", "duration_months");

-- CreateIndex
CREATE UNIQUE INDEX "providers_code_key" ON "providers"("code");

-- CreateIndex
CREATE UNIQUE INDEX "plans_code_key" ON "plans"("code");

-- CreateIndex
CREATE INDEX "plans_provider_id_active_sort_order_idx" ON "plans"("provider_id", "active", "sort_order");

-- CreateIndex
CREATE UNIQUE INDEX "plan_prices_plan_id_duration_months_key" ON "plan_prices"("plan_id", "duration_months");

-- CreateIndex
CREATE INDEX "promos_plan_id_active_ends_at_idx" ON "promos"("plan_id", "active", "ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "os_images_provider_id_code_key" ON "os_images"("provider_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "os_images_provider_id_provider_ref_key" ON "os_images"("provider_id", "provider_ref");

-- CreateIndex
CREATE INDEX "plan_images_image_id_idx" ON "plan_images"("image_id");

-- CreateIndex
CREATE UNIQUE INDEX "coupons_code_key" ON "coupons"("code");

-- CreateIndex
CREATE UNIQUE INDEX "coupon_redemptions_order_id_key" ON "coupon_redemptions"("order_id");

-- CreateIndex
CREATE INDEX "coupon_redemptions_coupon_id_user_id_status_idx" ON "coupon_redemptions"("coupon_id", "user_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "orders_reference_key" ON "orders"("reference");

-- CreateIndex
CREATE INDEX "orders_user_id_created_at_idx" ON "orders"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "orders_status_payment_deadline_idx" ON "orders"("status", "payment_deadline");

-- CreateIndex
CREATE INDEX "orders_instance_id_idx" ON "orders"("instance_id");

-- CreateIndex
CREATE INDEX "order_status_history_order_id_created_at_idx" ON "order_status_history"("order_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "payments_attempt_ref_key" ON "payments"("attempt_ref");

-- CreateIndex
CREATE INDEX "payments_order_id_idx" ON "payments"("order_id");

-- CreateIndex
CREATE INDEX "payments_status_expires_at_idx" ON "payments"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "payments_gateway_gateway_reference_key" ON "payments"("gateway", "gateway_reference");

-- CreateIndex
CREATE INDEX "payment_callbacks_gateway_reference_idx" ON "payment_callbacks"("gateway", "reference");

-- CreateIndex
CREATE INDEX "payment_callbacks_merchant_ref_idx" ON "payment_callbacks"("merchant_ref");

-- CreateIndex
CREATE INDEX "payment_callbacks_received_at_idx" ON "payment_callbacks"("received_at");

-- CreateIndex
CREATE INDEX "processed_events_created_at_idx" ON "processed_events"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "processed_events_source_key_key" ON "processed_events"("source", "key");

-- CreateIndex
CREATE UNIQUE INDEX "wallets_user_id_key" ON "wallets"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_transactions_idempotency_key_key" ON "ledger_transactions"("idempotency_key");

-- CreateIndex
CREATE INDEX "ledger_transactions_order_id_idx" ON "ledger_transactions"("order_id");

-- CreateIndex
CREATE INDEX "ledger_entries_account_idx" ON "ledger_entries"("account");

-- CreateIndex
CREATE INDEX "ledger_entries_transaction_id_idx" ON "ledger_entries"("transaction_id");

-- CreateIndex
CREATE INDEX "ledger_entries_user_id_idx" ON "ledger_entries"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "instances_order_id_key" ON "instances"("order_id");

-- CreateIndex
CREATE INDEX "instances_user_id_idx" ON "instances"("user_id");

-- CreateIndex
CREATE INDEX "instances_status_expires_at_idx" ON "instances"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "instances_provider_code_provider_instance_id_key" ON "instances"("provider_code", "provider_instance_id");

-- CreateIndex
CREATE UNIQUE INDEX "provisioning_tasks_order_id_key" ON "provisioning_tasks"("order_id");

-- CreateIndex
CREATE INDEX "provisioning_tasks_status_updated_at_idx" ON "provisioning_tasks"("status", "updated_at");

-- CreateIndex
CREATE INDEX "instance_actions_instance_id_created_at_idx" ON "instance_actions"("instance_id", "created_at");

-- CreateIndex
CREATE INDEX "broadcast_deliveries_broadcast_id_status_idx" ON "broadcast_deliveries"("broadcast_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "broadcast_deliveries_broadcast_id_user_id_key" ON "broadcast_deliveries"("broadcast_id", "user_id");

-- CreateIndex
CREATE INDEX "transfer_proofs_order_id_idx" ON "transfer_proofs"("order_id");

-- CreateIndex
CREATE INDEX "transfer_proofs_status_created_at_idx" ON "transfer_proofs"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "bank_accounts_bank_name_account_number_key" ON "bank_accounts"("bank_name", "account_number");

-- CreateIndex
CREATE INDEX "audit_logs_target_type_target_id_idx" ON "audit_logs"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "audit_logs_actor_user_id_created_at_idx" ON "audit_logs"("actor_user_id", "created_at");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_reseller_tier_id_fkey" FOREIGN KEY ("reseller_tier_id") REFERENCES "reseller_tiers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reseller_prices" ADD CONSTRAINT "reseller_prices_tier_id_fkey" FOREIGN KEY ("tier_id") REFERENCES "reseller_tiers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reseller_prices" ADD CONSTRAINT "reseller_prices_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plans" ADD CONSTRAINT "plans_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plan_prices" ADD CONSTRAINT "plan_prices_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "promos" ADD CONSTRAINT "promos_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "os_images" ADD CONSTRAINT "os_images_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plan_images" ADD CONSTRAINT "plan_images_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "plan_images" ADD CONSTRAINT "plan_images_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "os_images"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupon_redemptions" ADD CONSTRAINT "coupon_redemptions_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupons"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupon_redemptions" ADD CONSTRAINT "coupon_redemptions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupon_redemptions" ADD CONSTRAINT "coupon_redemptions_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_status_history" ADD CONSTRAINT "order_status_history_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transactions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instances" ADD CONSTRAINT "instances_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instances" ADD CONSTRAINT "instances_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instances" ADD CONSTRAINT "instances_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provisioning_tasks" ADD CONSTRAINT "provisioning_tasks_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instance_actions" ADD CONSTRAINT "instance_actions_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instance_actions" ADD CONSTRAINT "instance_actions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broadcast_deliveries" ADD CONSTRAINT "broadcast_deliveries_broadcast_id_fkey" FOREIGN KEY ("broadcast_id") REFERENCES "broadcasts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broadcast_deliveries" ADD CONSTRAINT "broadcast_deliveries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_reviewed_by_id_fkey" FOREIGN KEY ("reviewed_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------
-- Invariants Prisma cannot express (hand-written; keep in step with db/schema.prisma).
-- Prisma Migrate neither models nor drops CHECK constraints, functions and triggers.
-- ---------------------------------------------------------------------------------------

-- Catalog
ALTER TABLE "plans" ADD CONSTRAINT "plans_stock_nonnegative" CHECK ("stock" IS NULL OR "stock" >= 0);
ALTER TABLE "plans" ADD CONSTRAINT "plans_specs_positive" CHECK ("vcpu" > 0 AND "memory_mb" > 0 AND "disk_gb" > 0 AND "bandwidth_gb" >= 0);
ALTER TABLE "plan_prices" ADD CONSTRAINT "plan_prices_valid" CHECK ("duration_months" > 0 AND "price_idr" > 0);
ALTER TABLE "reseller_prices" ADD CONSTRAINT "reseller_prices_valid" CHECK ("duration_months" > 0 AND "price_idr" > 0);
ALTER TABLE "promos" ADD CONSTRAINT "promos_valid" CHECK (
  "value" > 0
  AND ("kind" <> 'PERCENT' OR "value" <= 100)
  AND ("max_discount_idr" IS NULL OR "max_discount_idr" > 0)
  AND ("duration_months" IS NULL OR "duration_months" > 0)
  AND "ends_at" > "starts_at"
);

-- Coupons: used_count never exceeds usage_limit, so a plain
-- UPDATE coupons SET used_count = used_count + 1 is a race-free reservation.
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_valid" CHECK (
  "value" > 0
  AND ("kind" <> 'PERCENT' OR "value" <= 100)
  AND ("max_discount_idr" IS NULL OR "max_discount_idr" > 0)
  AND ("min_order_idr" IS NULL OR "min_order_idr" >= 0)
  AND ("usage_limit" IS NULL OR "usage_limit" >= 0)
  AND ("per_user_limit" IS NULL OR "per_user_limit" > 0)
  AND ("valid_from" IS NULL OR "valid_to" IS NULL OR "valid_to" > "valid_from")
  AND "code" = upper("code")
);
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_used_count_within_limit" CHECK ("used_count" >= 0 AND ("usage_limit" IS NULL OR "used_count" <= "usage_limit"));
ALTER TABLE "coupon_redemptions" ADD CONSTRAINT "coupon_redemptions_discount_nonnegative" CHECK ("discount_idr" >= 0);

-- Orders: pricing arithmetic and the snapshot columns each kind needs.
ALTER TABLE "orders" ADD CONSTRAINT "orders_amounts_valid" CHECK (
  "base_price_idr" >= 0
  AND "promo_discount_idr" >= 0
  AND "coupon_discount_idr" >= 0
  AND "payment_fee_idr" >= 0
  AND "total_idr" >= 0
  AND "total_idr" = "base_price_idr" - "promo_discount_idr" - "coupon_discount_idr"
);
ALTER TABLE "orders" ADD CONSTRAINT "orders_snapshot_complete" CHECK (
  "kind" = 'WALLET_TOPUP'
  OR (
    "plan_code" IS NOT NULL AND "plan_name" IS NOT NULL AND "provider_code" IS NOT NULL
    AND "provider_size_slug" IS NOT NULL AND "region" IS NOT NULL
    AND "duration_months" IS NOT NULL AND "duration_months" > 0
  )
);
ALTER TABLE "orders" ADD CONSTRAINT "orders_new_vps_has_image" CHECK (
  "kind" <> 'NEW_VPS' OR ("image_code" IS NOT NULL AND "provider_image_ref" IS NOT NULL)
);
ALTER TABLE "orders" ADD CONSTRAINT "orders_renewal_has_instance" CHECK ("kind" <> 'RENEWAL' OR "instance_id" IS NOT NULL);

-- Payments
ALTER TABLE "payments" ADD CONSTRAINT "payments_amounts_nonnegative" CHECK (
  "amount_idr" >= 0 AND "fee_idr" >= 0 AND "unique_code_idr" >= 0 AND "total_idr" >= 0
);
-- Two open manual transfers never expect the same amount (the unique code disambiguates them).
CREATE UNIQUE INDEX "payments_open_manual_transfer_total_key" ON "payments" ("total_idr")
  WHERE "gateway" = 'MANUAL_TRANSFER' AND "status" IN ('PENDING', 'REVIEW');

-- Instances, broadcasts, proofs
ALTER TABLE "instances" ADD CONSTRAINT "instances_reminder_days_nonnegative" CHECK ("last_reminder_days" IS NULL OR "last_reminder_days" >= 0);
ALTER TABLE "provisioning_tasks" ADD CONSTRAINT "provisioning_tasks_attempts_nonnegative" CHECK ("attempts" >= 0);
ALTER TABLE "broadcast_deliveries" ADD CONSTRAINT "broadcast_deliveries_attempts_nonnegative" CHECK ("attempts" >= 0);
ALTER TABLE "transfer_proofs" ADD CONSTRAINT "transfer_proofs_size_positive" CHECK ("size_bytes" > 0);

-- Ledger: every entry is non-zero, entries are append-only, and at COMMIT every ledger
-- transaction has at least two entries summing to zero (deferred constraint triggers).
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_amount_nonzero" CHECK ("amount_idr" <> 0);

CREATE FUNCTION "ledger_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries are append-only (% refused); post a reversing transaction instead', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER "ledger_entries_append_only"
  BEFORE UPDATE OR DELETE ON "ledger_entries"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entries_append_only"();

CREATE FUNCTION "ledger_transaction_check_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tx_id integer;
  total bigint;
  n integer;
BEGIN
  IF TG_TABLE_NAME = 'ledger_entries' THEN
    tx_id := NEW."transaction_id";
  ELSE
    tx_id := NEW."id";
  END IF;
  SELECT COALESCE(SUM("amount_idr"), 0), COUNT(*) INTO total, n
    FROM "ledger_entries" WHERE "transaction_id" = tx_id;
  IF n < 2 OR total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced: % entries summing to %', tx_id, n, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "ledger_entries_balanced"
  AFTER INSERT ON "ledger_entries"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "ledger_transaction_check_balanced"();

CREATE CONSTRAINT TRIGGER "ledger_transactions_balanced"
  AFTER INSERT ON "ledger_transactions"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "ledger_transaction_check_balanced"();
