-- Stats with charts (shop/stats/charts/): catalog views per user and Jakarta day (the funnel's top),
-- the weekly summary sent once per week, and an index for revenue by payment day.

CREATE TABLE "catalog_views_daily" (
    "day" DATE NOT NULL,
    "user_id" INTEGER NOT NULL,
    "views" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "catalog_views_daily_pkey" PRIMARY KEY ("day", "user_id")
);

CREATE TABLE "weekly_stats_reports" (
    "week_start" DATE NOT NULL,
    "sent_to" JSONB NOT NULL DEFAULT '{}',
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "weekly_stats_reports_pkey" PRIMARY KEY ("week_start")
);

-- Revenue per day reads paid orders of the last 30 days; without it that is a scan of every order.
-- Partial: unpaid orders (most rows of a busy shop) are not in it. Not in schema.prisma (Prisma 6
-- cannot express a partial index); like the console's trigram index it lives here only.
CREATE INDEX "orders_paid_at_idx" ON "orders" ("paid_at") WHERE "paid_at" IS NOT NULL;

-- Provisioning success and time of the period read the runs started in it.
CREATE INDEX "provisioning_tasks_created_at_idx" ON "provisioning_tasks"("created_at");
