import { isLocale } from "../../../shop/messages/locale.js";
import { chartAlbum } from "../../../shop/stats/charts/album.js";
import { lastDays } from "../../../shop/stats/charts/period.js";
import { statsCharts } from "../../../shop/stats/charts/report.js";
import type { BotContext } from "../../context.js";

/** Days the charts of /stats cover (today included). */
export const STATS_DAYS = 30;

/**
 * The pictures of /stats: the last 30 days drawn as one album of PNG charts, each with its numbers
 * in the caption, in the reader's language. The text numbers were already sent; a chart that
 * cannot be drawn is logged and the reader told so, the text stays the answer.
 */
export async function replyWithStatsCharts(ctx: BotContext): Promise<void> {
  const kit = { t: (key: string, params?: Record<string, string | number>) => ctx.t(key, params), locale: isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id" };
  await ctx.replyWithChatAction("upload_photo").catch(() => undefined); // only a hint: never worth failing the answer
  let album;
  try {
    const { charts } = await statsCharts(ctx.deps.prisma, lastDays(STATS_DAYS), kit);
    album = chartAlbum(charts);
  } catch (err) {
    ctx.logger.error({ err }, "stats charts could not be drawn");
    await ctx.reply(ctx.t("stats-chart-failed"));
    return;
  }
  await ctx.replyWithMediaGroup(album);
}
