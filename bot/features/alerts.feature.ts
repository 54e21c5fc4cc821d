import { Bot, Composer } from "grammy";
import { audit } from "../../shop/audit.js";
import { muteAlert } from "../../shop/alerts/store.js";
import { formatDateTime } from "../../shop/messages/format.js";
import { botRetry } from "../../shop/messages/telegram-api.js";
import type { BotContext, BotDeps } from "../context.js";
import { handleBotError } from "../middlewares/error-boundary.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { loadUser } from "../middlewares/user.middleware.js";

const canMute = allowedTo("alerts.receive");

/**
 * The "Mute 1 h / 24 h" buttons under an owner alert: silences that fingerprint (whatever
 * raises it) until the chosen time, audited; the message then says until when and by whom.
 * Checked at every tap: a seller, a customer or a blocked owner is refused.
 */
export const alertsFeature = new Composer<BotContext>();

// Data made by muteData (shop/alerts/render.ts); a literal here so the staff registry test reads its prefix.
alertsFeature.callbackQuery(/^alert:mute:(\d{1,9}):(60|1440)$/, async (ctx) => {
  if (!(await canMute(ctx))) return ctx.answerCallbackQuery({ text: ctx.t("alert-mute-refused"), show_alert: true });
  const alertId = Number(ctx.match[1]);
  const minutes = Number(ctx.match[2]);
  const user = ctx.shopUser;
  const muted = await ctx.deps.prisma.$transaction(async (tx) => {
    const result = await muteAlert(tx, alertId, minutes, ctx.from.id);
    if (result) {
      await audit(tx, {
        actorUserId: user.id,
        actorType: "OWNER",
        action: "alert.mute",
        targetType: "owner_alert",
        targetId: alertId,
        details: { fingerprint: result.fingerprint, minutes, until: result.mutedUntil.toISOString() },
      });
    }
    return result;
  });
  if (!muted) return ctx.answerCallbackQuery({ text: ctx.t("alert-mute-gone") });
  const until = formatDateTime(muted.mutedUntil, user.language);
  await ctx.answerCallbackQuery({ text: ctx.t("alert-mute-done", { until }) });
  const text = ctx.callbackQuery.message?.text;
  const line = ctx.t("alert-muted-until", { until, who: ctx.from.first_name });
  // The buttons go; the alert text stays, with who muted it until when.
  if (text !== undefined) await ctx.editMessageText(`${text}\n\n${line}`.slice(0, 4096)).catch((err: unknown) => ctx.logger.warn({ err }, "muted alert message not edited"));
});

/**
 * The alert bot (ALERT_BOT_TOKEN) receives only taps on its alerts' buttons: a small bot with
 * the same user loading, i18n and permission check as the shop bot, and nothing else. Polled by
 * the bot role next to the shop bot.
 */
export function createAlertBot(deps: BotDeps, token: string, opts: { apiRoot?: string } = {}): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, { client: { apiRoot: opts.apiRoot ?? deps.config.telegram.apiRoot, timeoutSeconds: 30 } });
  botRetry(bot.api);
  bot.use((ctx, next) => {
    ctx.deps = deps;
    Object.defineProperty(ctx, "logger", { value: deps.logger.child({ updateId: ctx.update.update_id, bot: "alerts" }), configurable: true });
    return next();
  });
  const guarded = bot.errorBoundary(handleBotError);
  guarded.use(loadUser());
  guarded.use(deps.i18n);
  guarded.use(alertsFeature);
  guarded.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("stale-button") }));
  return bot;
}
