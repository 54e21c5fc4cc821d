-- Orders console (issue 11): the indexes its search and order card need to answer in well under
-- 50 ms on a million orders (test/bench/order-console.bench.ts). The search lists newest first
-- (created_at DESC, id DESC) under one filter at a time; each filter gets an index that yields
-- its orders already in that order, so a page is an index range scan of ~11 rows.
-- These live only here (not in db/schema.prisma): trigram and expression indexes are not
-- expressible there, and the btree ones sit with them so the set can be read in one place.

-- Customer name search ("/order budi"): a substring match on name and username by trigram.
-- pg_trgm is a trusted extension: the database owner (the service's role) may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "users_console_name_trgm_idx" ON "users"
  USING gin ((coalesce("first_name", '') || ' ' || coalesce("username", '')) gin_trgm_ops);
-- "/order @budi": usernames are matched case-insensitively.
CREATE INDEX "users_console_username_lower_idx" ON "users" (lower("username"));

-- One index per single filter, each in the list's order.
CREATE INDEX "orders_status_created_at_idx" ON "orders" ("status", "created_at", "id");
CREATE INDEX "orders_provider_code_created_at_idx" ON "orders" ("provider_code", "created_at", "id");
CREATE INDEX "orders_created_at_id_idx" ON "orders" ("created_at", "id");

-- "Messages the customer was sent": the notifications outbox by recipient.
CREATE INDEX "job_outbox_notifications_chat_idx" ON "job_outbox" (((payload ->> 'chatId')), "created_at")
  WHERE "queue" = 'notifications';
