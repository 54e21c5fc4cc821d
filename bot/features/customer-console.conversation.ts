import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import { formatIdr } from "../../shop/money.js";
import { isLocale } from "../../shop/messages/locale.js";
import { cleanReason } from "../../shop/customers/actor.js";
import { banCustomer, unbanCustomer, type BanResult } from "../../shop/customers/ban.js";
import { cleanMessage, draftMessage } from "../../shop/customers/message.js";
import { draftAdjustment, parseAdjustment } from "../../shop/customers/wallet-adjustment.js";
import { staffActor, type Permission } from "../../shop/users/staff.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";

export const CUSTOMER_INPUT_CONVERSATION = "customer-input";

/** What the typed text is for. */
export type CustomerInput = "ban" | "unban" | "wallet" | "message";

const NEEDS: Record<CustomerInput, Permission> = { ban: "customers.manage", unban: "customers.manage", wallet: "wallet.adjust", message: "customers.manage" };

/** A staff member who taps and walks away must not leave a flow that takes their next message, hours later. */
export const INPUT_TIMEOUT_MS = 10 * 60_000;
/** Wrong answers before the flow gives up (each one is answered with what was wrong). */
const MAX_TRIES = 3;

/** Opens the input step for a /customer button (permission already checked by the button's filter). */
export async function askCustomerInput(ctx: BotContext, customerId: number, purpose: CustomerInput): Promise<void> {
  await ctx.answerCallbackQuery().catch(() => undefined);
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(CUSTOMER_INPUT_CONVERSATION, { customerId, for: purpose });
}

type Checked = { ok: true; value: string } | { ok: false; error: string };

/**
 * Asks for the text a /customer action needs (a ban or unban reason, "+amount reason" for a
 * wallet adjustment, a message), then acts: a ban is applied at once (the reason is the
 * confirmation); an adjustment or a message becomes a draft shown with its own confirm button.
 * The permission is checked again, fresh, when the text arrives.
 */
export function customerInputConversation(deps: BotDeps) {
  return async function customerInput(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, args: { customerId: number; for: CustomerInput }) {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    if (!staffActor(user, NEEDS[args.for])) return;
    const name = await conversation.external(async () => (await deps.prisma.user.findUnique({ where: { id: args.customerId }, select: { firstName: true } }))?.firstName ?? "?");
    const ask = t(`cust-ask-${args.for}`, { name });
    await ctx.reply(ask);
    const asked = await conversation.now();

    let value: string | null = null;
    for (let tries = 0; value === null && tries < MAX_TRIES; ) {
      const answer = await conversation.wait();
      if ((await conversation.now()) - asked > INPUT_TIMEOUT_MS) {
        await answer.reply(t("cust-input-timeout"));
        await conversation.halt({ next: true });
      }
      const text = answer.message?.text;
      if (!text) {
        // Another screen's button: not an answer, handle it as usual and keep waiting.
        if (answer.callbackQuery) await conversation.skip({ next: true });
        await answer.reply(ask);
        continue;
      }
      const checked = check(args.for, text, t);
      if (checked.ok) value = checked.value;
      else {
        tries += 1;
        await answer.reply(checked.error);
      }
    }
    if (value === null) {
      await ctx.reply(t("cust-input-gave-up"));
      return;
    }
    const input = value;

    const reply = await conversation.external(async () => {
      // Checked again at the decision: the member may have lost the power while typing.
      const staff = staffActor(await deps.users.fresh(from), NEEDS[args.for]);
      if (!staff) return { text: t("cust-not-allowed") };
      if (args.for === "ban" || args.for === "unban") {
        const result = args.for === "ban" ? await banCustomer(deps.prisma, { customerId: args.customerId, staff, reason: input }) : await unbanCustomer(deps.prisma, { customerId: args.customerId, staff, reason: input });
        // The customer's next update must see the change, not a cached copy.
        if (result.ok) await deps.users.forget(result.telegramId);
        return { text: banAnswer(args.for, result, name, t) };
      }
      if (args.for === "wallet") {
        const parsed = parseAdjustment(input);
        if (!parsed.ok) return { text: t("cust-adjust-format") };
        const { draftId, balanceIdr } = await draftAdjustment(deps.prisma, { customerId: args.customerId, staff, amountIdr: parsed.amountIdr, reason: parsed.reason });
        const signed = `${parsed.amountIdr > 0 ? "+" : "−"}${formatIdr(Math.abs(parsed.amountIdr))}`;
        return {
          text: t("cust-adjust-confirm", { name, amount: signed, reason: parsed.reason, before: formatIdr(balanceIdr), after: formatIdr(balanceIdr + parsed.amountIdr) }),
          button: { label: t("cust-adjust-yes"), data: `cu:wok:${draftId}` },
        };
      }
      const draftId = await draftMessage(deps.prisma, { customerId: args.customerId, staff, text: input });
      return { text: t("cust-message-confirm", { name, text: input }), button: { label: t("cust-message-yes"), data: `cu:mok:${draftId}` } };
    });
    await ctx.reply(reply.text, reply.button ? { reply_markup: new InlineKeyboard().text(reply.button.label, reply.button.data) } : undefined);
  };
}

function check(purpose: CustomerInput, text: string, t: (key: string) => string): Checked {
  if (purpose === "message") {
    const body = cleanMessage(text);
    return body ? { ok: true, value: body } : { ok: false, error: t("cust-message-invalid") };
  }
  if (purpose === "wallet") {
    const parsed = parseAdjustment(text);
    if (parsed.ok) return { ok: true, value: text };
    return { ok: false, error: t(`cust-adjust-${parsed.reason}`) };
  }
  const reason = cleanReason(text);
  return reason ? { ok: true, value: reason } : { ok: false, error: t("cust-reason-invalid") };
}

function banAnswer(purpose: "ban" | "unban", result: BanResult, name: string, t: (key: string, vars?: Record<string, string | number>) => string): string {
  if (!result.ok) return t(`cust-ban-refused-${result.reason}`);
  if (!result.changed) return t(purpose === "ban" ? "cust-ban-already" : "cust-unban-already", { name });
  return t(purpose === "ban" ? "cust-banned" : "cust-unbanned", { name });
}
