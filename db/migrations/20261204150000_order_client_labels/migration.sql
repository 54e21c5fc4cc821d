-- Resellers (issue 11): a label per order naming the reseller's client or project ("PT Maju",
-- "toko-budi"), set at checkout or later from the order view, shown on orders, VPS and /orders
-- grouped by label. Validated in shop/resellers/labels.ts; the CHECK is the last line of defence
-- (a label is short, trimmed, non-empty, no control characters).
ALTER TABLE "orders" ADD COLUMN "client_label" TEXT;
ALTER TABLE "orders" ADD CONSTRAINT "orders_client_label_check"
  CHECK ("client_label" IS NULL OR (char_length("client_label") BETWEEN 1 AND 32
    AND "client_label" = btrim("client_label") AND "client_label" !~ '[[:cntrl:]]'));

-- /orders by label: a customer's labels with their counts, and one label's orders newest first.
CREATE INDEX "orders_user_id_client_label_created_at_idx" ON "orders"("user_id", "client_label", "created_at");
