import type { Api } from "grammy";
import type { PrismaClient } from "../../../db/client.js";
import { withLease } from "../../leases.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../../messages/locale.js";
import { isPermanentTelegramError } from "../../messages/telegram-api.js";
import { formatIdr } from "../../money.js";
import type { Logger } from "../../platform/logger.js";
import { staffChatIds, type StaffRoster } from "../../users/staff.js";
import { chartAlbum } from "./album.js";
import { percent, type ChartKit } from "./charts.js";
import { jakartaDayKey, periodBefore, previousWeek, startOfJakartaWeek } from "./period.js";
import { chartSpecs, periodLabel, renderCharts, type RenderedChart } from "./report.js";
import { readStatsData, type StatsData } from "./stats-data.js";

/** The summary goes out from Monday 08:00 Jakarta time (a run later that week catches up, once). */
export const WEEKLY_SEND_HOUR = 8;

export interface WeeklyDeps {
  prisma: PrismaClient;
  api: Api;
  roster: StaffRoster;
  /** Translator shared by the bot and the jobs (an @grammyjs/i18n instance fits). */
  i18n: { t(locale: string, key: string, params?: Record<string, string | number>): string };
  logger: Logger;
}

/** Per chat: the summary's message ids as they were sent, or why that chat can never get it. */
type SentTo = Record<string, { text?: number; album?: number[]; refused?: string }>;

export class WeeklySummaryNotDeliveredError extends Error {
  constructor(week: string, missing: number[]) {
    super(`weekly summary ${week} not delivered yet to ${missing.length} owner(s); retrying`);
    this.name = "WeeklySummaryNotDeliveredError";
  }
}

export type WeeklyOutcome = { skipped: "not due yet" | "already delivered" } | { week: string; delivered: number };

/** "+12%" / "−5%" / "baru" / "sama": how this week's number moved against the week before. */
export function change(now: number, before: number, kit: ChartKit): string {
  if (now === before) return kit.t("stats-chart-change-same");
  if (before === 0) return kit.t("stats-chart-change-new");
  const pct = Math.round(((now - before) / before) * 100);
  return `${pct > 0 ? "+" : "−"}${Math.abs(pct)}%`;
}

/** The summary text: last week against the week before, in the owner's language. */
export function weeklyText(week: { data: StatsData; newUsers: number }, before: { data: StatsData; newUsers: number }, kit: ChartKit): string {
  const now = week.data;
  const was = before.data;
  const provisioned = (d: StatsData) => percent(d.provisioning.done, d.provisioning.done + d.provisioning.failed, kit.locale);
  return kit.t("stats-chart-weekly-text", {
    week: periodLabel(now.period, kit),
    revenue: formatIdr(now.revenue.idr),
    revenueChange: change(now.revenue.idr, was.revenue.idr, kit),
    orders: now.revenue.orders,
    ordersChange: change(now.revenue.orders, was.revenue.orders, kit),
    newUsers: week.newUsers,
    newUsersChange: change(week.newUsers, before.newUsers, kit),
    paidRate: percent(now.funnel.paid, now.funnel.orders, kit.locale),
    paidRateBefore: percent(was.funnel.paid, was.funnel.orders, kit.locale),
    provisioningRate: provisioned(now),
    provisioningRateBefore: provisioned(was),
    active: now.activeByProvider.reduce((s, r) => s + r.active, 0),
    refundedOrders: now.revenue.refundedOrders,
    refunded: formatIdr(now.revenue.refundedIdr),
  });
}

/** Who gets it: the owners (the private alerts' readers) who may see the shop's numbers. */
async function recipients(deps: WeeklyDeps): Promise<number[]> {
  const [owners, readers] = await Promise.all([staffChatIds(deps.prisma, deps.roster, "alerts.receive"), staffChatIds(deps.prisma, deps.roster, "stats.view")]);
  return owners.filter((id) => readers.includes(id));
}

/**
 * Sends last week's summary (text, then the charts as one album) to every owner, once per week:
 * the week's row in `weekly_stats_reports` records each chat's messages as they are sent, so a
 * retry, a restart, a second scheduler or the next hourly run sends only what is missing, and
 * nothing once `delivered_at` is set. A lease keeps two workers from sending at the same time.
 * Throws while an owner is missing for a reason that may pass (the queue retries).
 */
export async function sendWeeklySummary(deps: WeeklyDeps, now = new Date()): Promise<WeeklyOutcome> {
  const weekStart = startOfJakartaWeek(now);
  if (now.getTime() < weekStart.getTime() + WEEKLY_SEND_HOUR * 3600_000) return { skipped: "not due yet" };
  const week = jakartaDayKey(weekStart);
  return withLease(deps.prisma, `weekly-stats:${week}`, 5 * 60_000, async () => {
    await deps.prisma.$executeRaw`INSERT INTO weekly_stats_reports (week_start) VALUES (${week}::date) ON CONFLICT (week_start) DO NOTHING`;
    const [row] = await deps.prisma.$queryRaw<Array<{ sent_to: SentTo; delivered_at: Date | null }>>`
      SELECT sent_to, delivered_at FROM weekly_stats_reports WHERE week_start = ${week}::date`;
    if (row?.delivered_at) return { skipped: "already delivered" as const };
    const sentTo: SentTo = { ...(row?.sent_to ?? {}) };
    const record = async (chatId: number, entry: SentTo[string]) => {
      sentTo[chatId] = entry;
      await deps.prisma.$executeRaw`
        UPDATE weekly_stats_reports SET sent_to = sent_to || ${JSON.stringify({ [chatId]: entry })}::jsonb WHERE week_start = ${week}::date`;
    };

    const owners = (await recipients(deps)).filter((id) => !sentTo[id]?.refused && !sentTo[id]?.album);
    if (owners.length === 0) deps.logger.info({ week }, "weekly summary: nobody (left) to send it to");
    const period = previousWeek(weekStart);
    const reports = owners.length > 0 ? await readWeek(deps.prisma, period) : undefined;
    const languages = await deps.prisma.user.findMany({ where: { telegramId: { in: owners.map(BigInt) } }, select: { telegramId: true, language: true } });
    const localeOf = new Map(languages.map((u) => [Number(u.telegramId), isLocale(u.language) ? u.language : DEFAULT_LOCALE]));
    // Drawn once per language, only for the languages someone still waits for.
    const drawn = new Map<Locale, Promise<RenderedChart[]>>();
    const missing: number[] = [];
    let delivered = 0;
    for (const chatId of owners) {
      const locale = localeOf.get(chatId) ?? DEFAULT_LOCALE;
      const kit: ChartKit = { locale, t: (key, params) => deps.i18n.t(locale, key, params) };
      try {
        let entry = sentTo[chatId] ?? {};
        if (entry.text === undefined) {
          const m = await deps.api.sendMessage(chatId, weeklyText(reports!.week, reports!.before, kit));
          entry = { ...entry, text: m.message_id };
          await record(chatId, entry);
        }
        if (!drawn.has(locale)) drawn.set(locale, renderCharts(chartSpecs(reports!.week.data, kit)));
        const album = await deps.api.sendMediaGroup(chatId, chartAlbum(await drawn.get(locale)!));
        await record(chatId, { ...entry, album: album.map((m) => m.message_id) });
        delivered++;
      } catch (err) {
        deps.logger.warn({ err, chatId, week }, "weekly summary not delivered to this owner");
        if (isPermanentTelegramError(err)) await record(chatId, { ...sentTo[chatId], refused: (err as Error).message.slice(0, 200) });
        else missing.push(chatId);
      }
    }
    if (missing.length > 0) throw new WeeklySummaryNotDeliveredError(week, missing);
    await deps.prisma.$executeRaw`UPDATE weekly_stats_reports SET delivered_at = now() WHERE week_start = ${week}::date`;
    return { week, delivered };
  });
}

/** The reported week and the one before it, with the customers each brought. */
async function readWeek(prisma: PrismaClient, period: ReturnType<typeof previousWeek>) {
  const earlier = periodBefore(period);
  const newUsers = (p: { from: Date; to: Date }) => prisma.user.count({ where: { createdAt: { gte: p.from, lt: p.to } } });
  const [data, dataBefore, users, usersBefore] = await Promise.all([readStatsData(prisma, period), readStatsData(prisma, earlier), newUsers(period), newUsers(earlier)]);
  return { week: { data, newUsers: users }, before: { data: dataBefore, newUsers: usersBefore } };
}
