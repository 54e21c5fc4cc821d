import { Composer } from "grammy";
import { QueueName } from "../../jobs/queues.js";
import { checkReadiness, type DependencyCheck } from "../../shop/platform/readiness.js";
import { formatIdr } from "../../shop/money.js";
import { shopStats } from "../../shop/stats/shop-stats.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { periodKeyboard, replyWithStatsCharts } from "./stats/stats-charts.js";

/** Seller and owner commands that read the shop's state; everyone else falls to the unhandled reply. /stats: the numbers as text, then the charts. */
export const staffFeature = new Composer<BotContext>();

staffFeature
  .chatType("private")
  .filter(allowedTo("stats.view"))
  .command("stats", async (ctx) => {
    const stats = await shopStats(ctx.deps.prisma);
    const orders = Object.entries(stats.ordersByStatus)
      .map(([status, count]) => `• ${ctx.t(`order-status-${status}`)}: ${count}`)
      .join("\n");
    await ctx.reply(
      ctx.t("stats-text", {
        users: stats.users.total,
        newUsers: stats.users.newToday,
        revenueToday: formatIdr(stats.revenueIdr.today),
        revenue30: formatIdr(stats.revenueIdr.last30Days),
        orders: orders || ctx.t("stats-no-orders"),
      }),
      { reply_markup: periodKeyboard(ctx) },
    );
    await replyWithStatsCharts(ctx);
  });

// The same charts over another period (7, 30 or 90 days); the permission is checked again at the tap.
staffFeature
  .chatType("private")
  .filter(allowedTo("stats.view"))
  .callbackQuery(/^st:d:(7|30|90)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await replyWithStatsCharts(ctx, Number(ctx.match[1]));
  });

staffFeature
  .chatType("private")
  .filter(allowedTo("service.health"))
  .command("health", async (ctx) => {
    const { prisma, redis, queues } = ctx.deps;
    const ready = await checkReadiness({ prisma, redis });
    const show = (c: DependencyCheck) =>
      !c.ok ? ctx.t("health-fail", { error: c.error ?? "?" }) : c.node ? ctx.t("health-ok-at", { ms: c.latencyMs, node: c.node }) : ctx.t("health-ok", { ms: c.latencyMs });
    const lines = await Promise.all(
      Object.values(QueueName).map(async (name) => {
        try {
          const counts = await queues.get(name).getJobCounts("waiting", "delayed", "failed");
          return `• ${name}: ${(counts.waiting ?? 0) + (counts.delayed ?? 0)} / ${counts.failed ?? 0}`;
        } catch (err) {
          return `• ${name}: ${err instanceof Error ? err.message : "?"}`;
        }
      }),
    );
    await ctx.reply(ctx.t("health-text", { postgres: show(ready.checks.postgres), redis: show(ready.checks.redis), queues: lines.join("\n") }));
  });
