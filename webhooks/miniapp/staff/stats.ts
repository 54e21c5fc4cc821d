import { Hono } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { lastDays } from "../../../shop/stats/charts/period.js";
import { readStatsData } from "../../../shop/stats/charts/stats-data.js";
import { shopStats } from "../../../shop/stats/shop-stats.js";
import { appError } from "../reply.js";
import { requirePermission, type StaffEnv } from "./guard.js";

/** The periods /stats offers (its 7 / 30 / 90 day buttons). */
export const STATS_PERIODS = [7, 30, 90] as const;

/**
 * The numbers behind /stats: the shop's totals and every series its six charts draw (revenue
 * by day, funnel, payment methods, provisioning, top plans, live VPS per provider), read by the
 * same functions, so the Mini App draws them interactively instead of as pictures.
 */
export function statsApi(deps: { prisma: PrismaClient }) {
  const app = new Hono<StaffEnv>();
  app.get("/", requirePermission("stats.view"), async (c) => {
    const days = Number(c.req.query("days") ?? 30);
    if (!(STATS_PERIODS as readonly number[]).includes(days)) return appError(c, 400, "bad_request", `days is one of ${STATS_PERIODS.join(", ")}.`);
    const [totals, data] = await Promise.all([shopStats(deps.prisma), readStatsData(deps.prisma, lastDays(days))]);
    return c.json({ days, totals, data });
  });
  return app;
}
