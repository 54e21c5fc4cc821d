-- Reconciliation of gateway payments whose callback never arrived (shop/payments/reconcile.ts):
-- when the job last asked the gateway about a still-pending attempt. Not indexed, so marking a
-- payment checked is a HOT update.
ALTER TABLE "payments" ADD COLUMN "status_checked_at" TIMESTAMPTZ(3);
