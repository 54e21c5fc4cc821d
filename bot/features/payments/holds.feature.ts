import { Composer, InlineKeyboard } from "grammy";
import { QueueName, jobId } from "../../../jobs/queues.js";
import { decideHold } from "../../../shop/payments/chargeback.js";
import { staffActor } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";

/**
 * The owner's decision about a hold placed after a gateway refund (shop/payments/chargeback.ts):
 * release it (the wallet can spend again, the VPS comes back) or keep it. Owner only: the
 * buttons reach the owners alone, and the server checks again at each tap.
 */
export const holdsFeature = new Composer<BotContext>();
const owner = holdsFeature.chatType("private").filter(allowedTo("payments.holds"));

owner.callbackQuery(/^hold:rel:(\d+)$/, (ctx) => decide(ctx, Number(ctx.match[1]), "release"));
owner.callbackQuery(/^hold:keep:(\d+)$/, (ctx) => decide(ctx, Number(ctx.match[1]), "keep"));

async function decide(ctx: BotContext & { from: NonNullable<BotContext["from"]> }, holdId: number, decision: "release" | "keep") {
  const result = await decideHold(ctx.deps.prisma, { holdId, owner: staffActor(ctx.shopUser, "payments.holds")!, decision });
  await ctx.answerCallbackQuery();
  if (!result.ok) {
    await ctx.reply(ctx.t("review-not-possible", { why: result.why }));
    return;
  }
  if (result.resumed?.ok) {
    await ctx.deps.queues.enqueue(QueueName.InstanceActions, { actionId: result.resumed.actionId }, { jobId: jobId("action", result.resumed.actionId) });
  }
  const text = ctx.t(decision === "release" ? "hold-released" : "hold-kept", { owner: ctx.from.first_name });
  // A kept hold can still be released later.
  const markup = decision === "keep" ? { reply_markup: new InlineKeyboard().text(ctx.t("hold-release"), `hold:rel:${result.holdId}`) } : {};
  await ctx.editMessageText(text, markup).catch(() => ctx.reply(text, markup));
}

// Buttons pressed by someone who may not decide.
holdsFeature.callbackQuery(/^hold:/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("hold-only-owner"), show_alert: true }));
