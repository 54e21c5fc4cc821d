-- This installation's identity, created once at first start (shop/provisioning/shop-id.ts): the
-- shop id in every server tag, so the orphan sweep never touches another deployment's servers
-- on a shared cloud account. One row; it travels with a backup (a restore is the same shop).
CREATE TABLE "installation" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "shop_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installation_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "installation_singleton_check" CHECK ("singleton")
);
