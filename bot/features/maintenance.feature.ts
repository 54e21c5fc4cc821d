import { Composer, InlineKeyboard } from "grammy";
import { maintenanceState, setMaintenance, type MaintenanceState } from "../../shop/maintenance/index.js";
import { formatDateTime } from "../../shop/messages/format.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";

/** Longest customer message accepted (it is sent as one chat message and a 200-char button alert). */
export const MAX_MAINTENANCE_MESSAGE = 500;
const OFF_BUTTON = "mnt:off";

/**
 * The owner's switch: `/maintenance on <message>`, `/maintenance off`, `/maintenance` (status,
 * with paused providers and gateways). Checked with `allowedTo("maintenance.manage")` at each
 * command and each tap; every change is audited by setMaintenance.
 */
export const maintenanceFeature = new Composer<BotContext>();

function statusText(ctx: BotContext, state: MaintenanceState): string {
  const when = (d: Date) => formatDateTime(d, ctx.shopUser.language);
  const head = state.global
    ? ctx.t("maintenance-status-on", { since: when(state.global.since), message: state.global.message ?? ctx.t("maintenance-default-message") })
    : ctx.t("maintenance-status-off");
  const paused = state.active
    .filter((s) => s.scope !== "GLOBAL")
    .map((s) => ctx.t("maintenance-paused-line", { scope: s.scope, reason: s.reason, since: when(s.since), detail: s.detail ?? "-" }));
  return [head, ...(paused.length ? ["", ctx.t("maintenance-paused-title"), ...paused] : []), "", ctx.t("maintenance-usage")].join("\n");
}

const offKeyboard = (ctx: BotContext) => new InlineKeyboard().text(ctx.t("maintenance-button-off"), OFF_BUTTON);

async function switchOff(ctx: BotContext): Promise<boolean> {
  return setMaintenance(ctx.deps.prisma, { on: false, actor: { userId: ctx.shopUser.id, actorType: ctx.shopUser.role === "OWNER" ? "OWNER" : "SELLER" } });
}

maintenanceFeature
  .chatType("private")
  .filter(allowedTo("maintenance.manage"))
  .command("maintenance", async (ctx) => {
    const [, verb, rest] = /^\s*(\S*)\s*([\s\S]*)$/.exec(ctx.match) ?? [];
    const action = verb?.toLowerCase();
    if (action === "on") {
      const message = rest?.trim() || undefined;
      if (message && message.length > MAX_MAINTENANCE_MESSAGE) return void (await ctx.reply(ctx.t("maintenance-too-long", { max: MAX_MAINTENANCE_MESSAGE })));
      const changed = await setMaintenance(ctx.deps.prisma, { on: true, message, actor: { userId: ctx.shopUser.id, actorType: ctx.shopUser.role === "OWNER" ? "OWNER" : "SELLER" } });
      const preview = ctx.t("maintenance-customer", { message: message ?? ctx.t("maintenance-default-message") });
      await ctx.reply(`${ctx.t("maintenance-on-done", { preview })}${changed ? "" : `\n${ctx.t("maintenance-unchanged")}`}`, { reply_markup: offKeyboard(ctx) });
      return;
    }
    if (action === "off") {
      const changed = await switchOff(ctx);
      await ctx.reply(`${ctx.t("maintenance-off-done")}${changed ? "" : `\n${ctx.t("maintenance-unchanged")}`}`);
      return;
    }
    const state = await maintenanceState(ctx.deps.prisma);
    await ctx.reply(statusText(ctx, state), state.global ? { reply_markup: offKeyboard(ctx) } : {});
  });

// OFF_BUTTON, written out so the staff registry test reads it.
maintenanceFeature.callbackQuery("mnt:off", async (ctx) => {
  if (!(await allowedTo("maintenance.manage")(ctx))) {
    await ctx.answerCallbackQuery({ text: ctx.t("maintenance-not-allowed"), show_alert: true });
    return;
  }
  const changed = await switchOff(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t(changed ? "maintenance-off-done" : "maintenance-unchanged") });
  await ctx.editMessageReplyMarkup().catch(() => undefined);
});
