-- Customers console (issue 11). A staff ban is its own state, not users.blocked (which says the
-- user blocked the bot): a banned user gets a clear message, no shop actions and no staff power.
ALTER TABLE "users" ADD COLUMN "banned_at" TIMESTAMPTZ(3),
ADD COLUMN "ban_reason" TEXT,
ADD COLUMN "banned_by_user_id" INTEGER;
ALTER TABLE "users" ADD CONSTRAINT "users_banned_by_user_id_fkey" FOREIGN KEY ("banned_by_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A wallet adjustment or a shop message typed in /customer, waiting for its confirmation tap;
-- the tap applies it once (its id keys the ledger posting or the outbox job).
CREATE TYPE "CustomerActionKind" AS ENUM ('WALLET_ADJUSTMENT', 'MESSAGE');

CREATE TABLE "customer_actions" (
    "id" SERIAL NOT NULL,
    "kind" "CustomerActionKind" NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "actor_user_id" INTEGER NOT NULL,
    "amount_idr" INTEGER,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "done_at" TIMESTAMPTZ(3),
    CONSTRAINT "customer_actions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "customer_actions_customer_id_created_at_idx" ON "customer_actions"("customer_id", "created_at");
ALTER TABLE "customer_actions" ADD CONSTRAINT "customer_actions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "customer_actions" ADD CONSTRAINT "customer_actions_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
