import { InlineKeyboard } from "grammy";
import { isLocale } from "../../../shop/messages/locale.js";
import { chartAlbum } from "../../../shop/stats/charts/album.js";
import { lastDays } from "../../../shop/stats/charts/period.js";
import { statsCharts } from "../../../shop/stats/charts/report.js";
import type { BotContext } from "../../context.js";

/** Days the charts of /stats cover (today included); the buttons under the numbers offer the others. */
export const STATS_DAYS = 30;
export const STATS_PERIODS = [7, 30, 90] as const;

/** "📈 7 hari · 30 hari · 90 hari": draw the charts again for another period (callback `st:d:<days>`). */
export function periodKeyboard(ctx: BotContext): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const days of STATS_PERIODS) kb.text(ctx.t("stats-chart-period-button", { days }), `st:d:${days}`);
  return kb;
}

/**
 * The pictures of /stats: the last `days` days drawn as one album of PNG charts, each with its
 * numbers in the caption, in the reader's language. The text numbers were already sent; charts
 * that cannot be drawn are logged and the reader told so, the text stays the answer.
 */
export async function replyWithStatsCharts(ctx: BotContext, days: number = STATS_DAYS): Promise<void> {
  const kit = { t: (key: string, params?: Record<string, string | number>) => ctx.t(key, params), locale: isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id" };
  await ctx.replyWithChatAction("upload_photo").catch(() => undefined); // only a hint: never worth failing the answer
  let album;
  try {
    const { charts } = await statsCharts(ctx.deps.prisma, lastDays(days), kit);
    album = chartAlbum(charts);
  } catch (err) {
    ctx.logger.error({ err, days }, "stats charts could not be drawn");
    await ctx.reply(ctx.t("stats-chart-failed"));
    return;
  }
  await ctx.replyWithMediaGroup(album);
}
