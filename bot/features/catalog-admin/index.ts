import { Composer } from "grammy";
import { can } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { banksAdminFeature } from "./banks.feature.js";
import { couponsAdminFeature } from "./coupons.feature.js";
import { answerText, leaveCatalogForm } from "./form.js";
import { liveListsFeature } from "./live-lists.feature.js";
import { shopAdminFeature } from "./shop.feature.js";

/**
 * The catalog console: /shop (catalog, bank accounts) and /coupons. Typed answers to the
 * console's questions come last: only a member who may manage the catalog or coupons, with a
 * form open, has their text read here; everyone else's goes on (a form left open by a member
 * who lost the power is dropped on the way).
 */
export const catalogAdminFeature = new Composer<BotContext>();
catalogAdminFeature.use(shopAdminFeature, liveListsFeature, couponsAdminFeature, banksAdminFeature);

catalogAdminFeature.chatType("private").on("message:text", async (ctx, next) => {
  const text = ctx.message.text;
  const mayEdit = can(ctx.shopUser, "catalog.manage") || can(ctx.shopUser, "coupons.manage");
  // A member who lost both powers mid-form: their form is dropped (one DEL), so it cannot take
  // a number typed after the power comes back; the text goes on as anyone's would.
  if (!mayEdit) await leaveCatalogForm(ctx);
  if (!mayEdit || text.startsWith("/") || !(await answerText(ctx, text))) await next();
});
