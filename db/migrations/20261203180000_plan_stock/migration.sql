-- Plan stock is real (issue 11, catalog): a NEW_VPS order takes one unit of its plan's stock
-- when it is created (shop/orders/create-order.ts, a conditional UPDATE in the order's
-- transaction) and gives it back exactly once when it ends without a VPS.
--
-- orders.stock_held: NULL = the order never counted against stock (unlimited plan, renewal,
-- top-up); true = it holds one unit; false = it held one and gave it back.
ALTER TABLE "orders" ADD COLUMN "stock_held" BOOLEAN;

-- Why a trigger: orders change status in two places, transitionOrder (shop/orders/state-machine.ts)
-- and settle_payment_move_order (db/sql/settle_payment.sql, gateway and review endings). A BEFORE
-- UPDATE trigger on the status covers both, and anything added later, in the same statement as the
-- move; flipping stock_held on the row being written makes a second release impossible.
--
-- Release: a held order moving from a state without a delivered VPS (unpaid, in review, paid,
-- provisioning failed) to EXPIRED, CANCELLED or REFUNDED. ACTIVE → REFUNDED keeps the unit: the
-- VPS was delivered, and stock counts units sold.
-- Retake: money that arrived late (EXPIRED/CANCELLED → PAYMENT_REVIEW) and is accepted (→ PAID)
-- takes the unit back if one is left; when none is, the order still goes through (a seller
-- accepted the money) but holds nothing, so a later refund gives nothing back.
CREATE OR REPLACE FUNCTION "orders_plan_stock"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."plan_id" IS NULL OR NEW."status" = OLD."status" THEN
    RETURN NEW;
  END IF;
  IF NEW."stock_held" IS TRUE
     AND NEW."status" IN ('EXPIRED', 'CANCELLED', 'REFUNDED')
     AND OLD."status" IN ('PENDING_PAYMENT', 'PAYMENT_REVIEW', 'PAID', 'PROVISIONING_FAILED') THEN
    UPDATE "plans" SET "stock" = "stock" + 1, "updated_at" = now() WHERE "id" = NEW."plan_id" AND "stock" IS NOT NULL;
    NEW."stock_held" := false;
  ELSIF NEW."stock_held" IS FALSE AND NEW."status" = 'PAID' AND OLD."status" = 'PAYMENT_REVIEW' THEN
    UPDATE "plans" SET "stock" = "stock" - 1, "updated_at" = now() WHERE "id" = NEW."plan_id" AND "stock" > 0;
    IF FOUND THEN
      NEW."stock_held" := true;
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "orders_plan_stock"
  BEFORE UPDATE OF "status" ON "orders"
  FOR EACH ROW EXECUTE FUNCTION "orders_plan_stock"();
