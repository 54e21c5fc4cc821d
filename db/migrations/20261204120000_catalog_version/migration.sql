-- Catalog changes show to customers at once (issue 11, catalog from the chat). Every process keeps
-- the catalog's rows in a short in-memory cache (shop/catalog/catalog.ts); before using it, a
-- process reads this one-row version and drops its cache when the number moved. The number moves
-- in the same transaction as the change, by trigger, so every writer counts — the /shop console,
-- an order taking a unit of stock, the orders_plan_stock trigger giving it back, a seed, hand SQL.
CREATE TABLE "catalog_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "catalog_version_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "catalog_version_one_row" CHECK ("id" = 1)
);
INSERT INTO "catalog_version" ("id", "version") VALUES (1, 0);

CREATE OR REPLACE FUNCTION "catalog_version_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "catalog_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END
$$;

-- Deferred to commit: the one row is then the last lock a transaction takes, so two writers never
-- wait on each other in opposite orders (an order holding a plan's row while an edit holds the
-- version would deadlock with an immediate trigger), and it is held only while committing.
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['providers', 'plans', 'plan_prices', 'reseller_prices', 'reseller_tiers', 'promos', 'os_images', 'plan_images'] LOOP
    EXECUTE format(
      'CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "catalog_version_bump"()',
      'catalog_version_' || t, t);
  END LOOP;
END
$$;
