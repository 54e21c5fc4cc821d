-- Resellers (issue 11): several identical VPS in one checkout. The checkout creates N ordinary
-- sibling orders (one VPS each, so payment, provisioning, tags, leases and stock stay per order,
-- exactly once as before) sharing one checkout group, which the wallet can pay in one
-- transaction (shop/resellers/group-orders.ts).
ALTER TABLE "orders" ADD COLUMN "checkout_group" TEXT;
CREATE INDEX "orders_checkout_group_idx" ON "orders"("checkout_group");
