import { Composer, InlineKeyboard } from "grammy";
import { addBankAccount, bankAccounts, moveBankAccount, normalizeAccountNumber, setBankAccountActive } from "../../../shop/catalog/admin/bank-accounts.js";
import { parseText } from "../../../shop/catalog/admin/input.js";
import { escapeHtml } from "../../../shop/messages/format.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { render } from "../catalog/browse.feature.js";
import { cancelForm, defineForm, startForm } from "./form.js";
import { catalogActor, notFound } from "./kit.js";

/**
 * Bank accounts for manual transfer, under /shop (permission catalog.manage): the list in the
 * order customers see it, add (bank, number, holder), switch off or on, move up or down.
 */
export const banksAdminFeature = new Composer<BotContext>();
const staff = banksAdminFeature.chatType("private").filter(allowedTo("catalog.manage"));

async function showBanks(ctx: BotContext, notice?: string) {
  const rows = await bankAccounts(ctx.deps.prisma);
  const kb = new InlineKeyboard();
  for (const b of rows) {
    kb.text(`${b.active ? "✅" : "⛔"} ${b.bankName} ${b.accountNumber}`, `bk:on:${b.id}:${b.active ? 0 : 1}`).text("⬆", `bk:mv:${b.id}:up`).text("⬇", `bk:mv:${b.id}:down`).row();
  }
  kb.text(ctx.t("cat-adm-bank-new"), "bk:new").row().text(ctx.t("menu-back"), "ca:home");
  const lines = rows.map((b, i) => `${i + 1}. ${b.active ? "✅" : "⛔"} ${escapeHtml(b.bankName)} ${b.accountNumber} a.n. ${escapeHtml(b.accountHolder)}`);
  const text = ctx.t("cat-adm-banks-title", { lines: lines.join("\n") || ctx.t("cat-adm-none") });
  await render(ctx, { text: notice ? `${notice}\n\n${text}` : text, keyboard: kb });
}

staff.callbackQuery("bk:list", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showBanks(ctx);
});

staff.callbackQuery(/^bk:on:(\d+):([01])$/, async (ctx) => {
  const result = await setBankAccountActive(ctx.deps.prisma, catalogActor(ctx), { id: Number(ctx.match[1]), active: ctx.match[2] === "1" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-saved") });
  await showBanks(ctx);
});

staff.callbackQuery(/^bk:mv:(\d+):(up|down)$/, async (ctx) => {
  const result = await moveBankAccount(ctx.deps.prisma, catalogActor(ctx), { id: Number(ctx.match[1]), direction: ctx.match[2] as "up" | "down" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery();
  await showBanks(ctx);
});

staff.callbackQuery("bk:new", (ctx) => startForm(ctx, "bank"));
staff.callbackQuery("bk:fx", (ctx) => cancelForm(ctx, "bk"));

defineForm("bank", {
  area: "bk",
  permission: "catalog.manage",
  fields: [
    { key: "bank", ask: () => ["cat-adm-ask-bank"], parse: (t) => parseText(t, 40) },
    { key: "number", ask: () => ["cat-adm-ask-account"], parse: (t) => (normalizeAccountNumber(t) ? { ok: true, value: normalizeAccountNumber(t)! } : { ok: false, error: "not_number" }) },
    { key: "holder", ask: () => ["cat-adm-ask-holder"], parse: (t) => parseText(t, 80) },
  ],
  submit: async (ctx, _a, v) => {
    const result = await addBankAccount(ctx.deps.prisma, catalogActor(ctx), { bankName: String(v.bank), accountNumber: String(v.number), accountHolder: String(v.holder) });
    if (!result.ok) return void (await ctx.reply(ctx.t(`cat-adm-bank-bad-${result.reason}`)));
    await showBanks(ctx, ctx.t("cat-adm-saved"));
  },
});
