-- Staff roles made of permissions, and the staff the owner adds from the chat.
-- OWNER_IDS stay owners (every permission, never changed from the chat); SELLER_IDS get the
-- built-in "seller" role unless a staff_members row says otherwise (a role, or removed).

CREATE TABLE "staff_roles" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "permissions" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "built_in" BOOLEAN NOT NULL DEFAULT false,
    "created_by_user_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "staff_roles_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "staff_roles_name_key" ON "staff_roles"("name");
ALTER TABLE "staff_roles" ADD CONSTRAINT "staff_roles_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- One row per person the chat ever made staff. role_id NULL: removed from the chat (also
-- overrides SELLER_IDS, so the owner can take a configured seller's powers away without a restart).
CREATE TABLE "staff_members" (
    "user_id" INTEGER NOT NULL,
    "role_id" INTEGER,
    "added_by_user_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "staff_members_pkey" PRIMARY KEY ("user_id")
);
CREATE INDEX "staff_members_role_id_idx" ON "staff_members"("role_id");
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "staff_roles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_added_by_user_id_fkey" FOREIGN KEY ("added_by_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

INSERT INTO "staff_roles" ("name", "permissions", "built_in") VALUES
  ('reviewer', ARRAY['payments.review'], true),
  ('support', ARRAY['payments.review', 'provisioning.retry', 'orders.view', 'customers.view'], true),
  ('seller', ARRAY['payments.review', 'provisioning.retry', 'orders.refund', 'stats.view', 'orders.view', 'customers.view'], true),
  ('manager', ARRAY['payments.review', 'provisioning.retry', 'orders.refund', 'stats.view', 'orders.view', 'orders.manage', 'catalog.manage', 'coupons.manage', 'customers.view', 'customers.manage', 'wallet.adjust', 'broadcast.send', 'service.health'], true);
