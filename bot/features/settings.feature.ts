import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { promoOptOut, setPromoOptOut } from "../../shop/broadcasts/index.js";
import type { BotContext } from "../context.js";
import { emailSettingsButton } from "./email-settings.feature.js";

/**
 * `/settings`: a customer's own preferences. Promo messages on or off (service announcements,
 * about their VPS and the shop's service, still reach them, and the screen says so), and the
 * way to the language switcher. Each tap acts on the tapper's own row only.
 */
export const settingsFeature = new Composer<BotContext>();
const chat = settingsFeature.chatType("private");

async function showSettings(ctx: BotContext): Promise<void> {
  const optedOut = await promoOptOut(ctx.deps.prisma, ctx.shopUser.id);
  const text = [ctx.t("settings-title"), "", ctx.t(optedOut ? "settings-promo-state-off" : "settings-promo-state-on"), ctx.t("settings-service-note")].join("\n");
  const kb = new InlineKeyboard()
    .text(ctx.t(optedOut ? "settings-btn-promo-on" : "settings-btn-promo-off"), optedOut ? "set:promo:on" : "set:promo:off")
    .row()
    .text(ctx.t("settings-btn-language"), "menu:language");
  const email = await emailSettingsButton(ctx);
  if (email) kb.row().text(email.text, email.data);
  if (!ctx.callbackQuery) {
    await ctx.reply(text, { reply_markup: kb });
    return;
  }
  // A second tap on a stale button shows the same screen: not an error, not a new message.
  await ctx.editMessageText(text, { reply_markup: kb }).catch(async (err: unknown) => {
    if (!(err instanceof GrammyError && err.description.includes("message is not modified"))) await ctx.reply(text, { reply_markup: kb });
  });
}

chat.command("settings", (ctx) => showSettings(ctx));
chat.callbackQuery("menu:settings", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showSettings(ctx);
});

chat.callbackQuery(/^set:promo:(on|off)$/, async (ctx) => {
  const optOut = ctx.match[1] === "off";
  await setPromoOptOut(ctx.deps.prisma, ctx.shopUser.id, optOut);
  await ctx.answerCallbackQuery({ text: ctx.t(optOut ? "settings-promo-turned-off" : "settings-promo-turned-on") });
  await showSettings(ctx);
});
