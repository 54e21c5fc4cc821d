-- An order remembers the request that placed it (a chat checkout's id), so the same request
-- handled again (a bot process that died or was cut off after the order committed but before the
-- chat's state was saved, and another process handling that update again) gets the same order
-- back instead of a second one. NULL for orders placed without one; unique per customer.

-- AlterTable
ALTER TABLE "orders" ADD COLUMN "request_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "orders_user_id_request_key_key" ON "orders"("user_id", "request_key");
