-- A reinstall / password reset seals its new root password before the provider is called and
-- records the call and its acceptance, so a retried job neither loses the password nor repeats
-- the action (shop/vps/run-action.ts).
ALTER TABLE "instance_actions" ADD COLUMN "new_password_enc" BYTEA,
ADD COLUMN "provider_called_at" TIMESTAMPTZ(3),
ADD COLUMN "provider_accepted_at" TIMESTAMPTZ(3);

-- Each root password is sent once (jobs/processors/notifications.processor.ts).
ALTER TABLE "instances" ADD COLUMN "credentials_message_id" INTEGER,
ADD COLUMN "credentials_sent_at" TIMESTAMPTZ(3);

-- The paid notice with the invoice is sent once per order, even for a late duplicate callback.
ALTER TABLE "orders" ADD COLUMN "invoice_message_id" INTEGER,
ADD COLUMN "invoice_sent_at" TIMESTAMPTZ(3);
