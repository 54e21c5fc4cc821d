import { staffActor } from "../../../shop/users/staff.js";
import { isLocale } from "../../../shop/messages/locale.js";
import { CloudError } from "../../../shop/cloud/provider.js";
import type { CatalogStaff } from "../../../shop/catalog/admin/staff-change.js";
import type { BotContext } from "../../context.js";
import type { ViewKit } from "../catalog/views.js";

/** Small pieces every catalog-console handler uses. */

export function kitOf(ctx: BotContext): ViewKit {
  return { t: (key, vars) => ctx.t(key, vars), locale: isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id" };
}

/** The actor of a catalog edit; the handler's allowedTo filter has just checked the permission. */
export const catalogActor = (ctx: BotContext): CatalogStaff => staffActor(ctx.shopUser, "catalog.manage")!;
export const couponActor = (ctx: BotContext): CatalogStaff => staffActor(ctx.shopUser, "coupons.manage")!;

/** A tap on something that is gone (a deleted row, a forged id): say so, change nothing. */
export async function notFound(ctx: BotContext): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-not-found"), show_alert: true });
  else await ctx.reply(ctx.t("cat-adm-not-found"));
}

/** A provider's live list could not be read: the reason in words, never the raw error. */
export async function cloudTrouble(ctx: BotContext, err: unknown): Promise<void> {
  if (!(err instanceof CloudError)) throw err;
  ctx.logger.warn({ provider: err.provider, code: err.code }, "catalog console: provider list failed");
  const text = ctx.t("cat-adm-cloud-error", { provider: err.provider, code: err.code });
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
  else await ctx.reply(text);
}
