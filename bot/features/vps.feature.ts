import { Composer, InlineKeyboard } from "grammy";
import { QueueName, jobId } from "../../jobs/queues.js";
import type { CloudServer, ServerAction } from "../../shop/cloud/provider.js";
import { DESTRUCTIVE, availableActions, requestAction, userInstance } from "../../shop/vps/actions.js";
import { setAutoRenew } from "../../shop/vps/auto-renew.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, formatMemory } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import { regionName } from "../../shop/catalog/regions.js";
import { render } from "./catalog/browse.feature.js";

/**
 * /vps: the customer's servers with live status, details, and the actions the
 * provider supports. Destructive actions need a confirmation tap; every action
 * is queued (one at a time per VPS), audited, and reported back. A customer
 * only ever sees and acts on their own servers.
 */
export const vpsFeature = new Composer<BotContext>();

const localeOf = (ctx: BotContext): Locale => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");

/** Live status with a short deadline: a slow provider must not freeze the chat. */
async function live(ctx: BotContext, providerCode: keyof typeof ctx.deps.providers, id: string | null): Promise<CloudServer | null | undefined> {
  const provider = ctx.deps.providers[providerCode];
  if (!provider || !id) return undefined;
  return Promise.race([provider.getServer(id).catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000))]);
}

function statusText(ctx: BotContext, dbStatus: string, server: CloudServer | null | undefined): string {
  if (dbStatus === "SUSPENDED") return ctx.t("vps-status-suspended");
  if (dbStatus === "DELETED") return ctx.t("vps-status-deleted");
  if (dbStatus === "PROVISIONING") return ctx.t("vps-status-provisioning");
  if (server) return ctx.t(`vps-status-${server.status}`);
  return `${ctx.t(dbStatus === "OFF" ? "vps-status-off" : "vps-status-running")} ${ctx.t("vps-live-unavailable")}`;
}

async function showList(ctx: BotContext) {
  const instances = await ctx.deps.prisma.instance.findMany({
    where: { userId: ctx.shopUser.id, status: { notIn: ["DELETED", "FAILED"] } },
    orderBy: { createdAt: "desc" },
    take: 20,
    include: { order: { select: { clientLabel: true } } },
  });
  const kb = new InlineKeyboard();
  if (instances.length === 0) {
    await render(ctx, { text: ctx.t("vps-list-empty"), keyboard: kb.text(ctx.t("menu-catalog"), "menu:catalog").row().text(ctx.t("menu-main"), "menu:main") });
    return;
  }
  const servers = await Promise.all(instances.map((i) => live(ctx, i.providerCode, i.providerInstanceId)));
  const lines = instances.map((i, n) => {
    const line = ctx.t("vps-line", { label: escapeHtml(i.label), ip: i.ipv4 ?? "—", status: statusText(ctx, i.status, servers[n]), expires: formatDate(i.expiresAt, localeOf(ctx)) });
    return i.order.clientLabel ? `${line}\n   ${ctx.t("rsl-label-line", { label: escapeHtml(i.order.clientLabel) })}` : line;
  });
  for (const i of instances) kb.text(`${i.order.clientLabel ? `${i.order.clientLabel} · ` : ""}${i.label} · ${i.ipv4 ?? "…"}`, `vps:view:${i.id}`).row();
  kb.text(ctx.t("menu-main"), "menu:main");
  await render(ctx, { text: `${ctx.t("vps-list-title")}\n\n${lines.join("\n")}`, keyboard: kb });
}

vpsFeature.chatType("private").command("vps", (ctx) => showList(ctx));
vpsFeature.callbackQuery(["menu:vps", "vps:list"], async (ctx) => {
  await ctx.answerCallbackQuery();
  await showList(ctx);
});

vpsFeature.callbackQuery(/^vps:view:(\d+)$/, async (ctx) => {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!instance) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  await ctx.answerCallbackQuery();
  await showDetail(ctx, instance);
});

// Auto-renew from the wallet, on or off (the reminder job renews 1 month when the balance covers it).
vpsFeature.callbackQuery(/^vps:auto:(\d+)$/, async (ctx) => {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!instance) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  const changed = await setAutoRenew(ctx.deps.prisma, { userId: ctx.shopUser.id, instanceId: instance.id, autoRenew: "toggle" });
  if (!changed.ok) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  const autoRenew = changed.autoRenew;
  await ctx.answerCallbackQuery({ text: ctx.t(autoRenew ? "vps-auto-renew-on" : "vps-auto-renew-off") });
  await showDetail(ctx, { ...instance, autoRenew });
});

async function showDetail(ctx: BotContext, instance: NonNullable<Awaited<ReturnType<typeof userInstance>>>) {
  const server = await live(ctx, instance.providerCode, instance.providerInstanceId);
  const provider = ctx.deps.providers[instance.providerCode];
  const plan = instance.plan;
  const text = ctx.t("vps-detail", {
    label: escapeHtml(instance.label),
    status: statusText(ctx, instance.status, server),
    ip: instance.ipv4 ?? "—",
    plan: escapeHtml(instance.order.planName ?? instance.planCode),
    specs: plan ? `${plan.vcpu} vCPU · ${formatMemory(plan.memoryMb)} · ${plan.diskGb} GB SSD` : "",
    os: escapeHtml(instance.order.imageName ?? instance.imageCode),
    region: escapeHtml(regionName(instance.providerCode, instance.region, localeOf(ctx))),
    provider: instance.providerCode,
    created: formatDate(instance.createdAt, localeOf(ctx)),
    expires: formatDate(instance.expiresAt, localeOf(ctx)),
  });
  const label = instance.order.clientLabel ? `${ctx.t("rsl-label-line", { label: escapeHtml(instance.order.clientLabel) })}\n` : "";
  const kb = new InlineKeyboard();
  const liveStatus = server?.status ?? (instance.status === "OFF" ? "off" : "running");
  const actions = availableActions(provider, instance).filter((a) => {
    if (a === "power_on") return liveStatus === "off";
    if (a === "power_off" || a === "shutdown" || a === "reboot") return liveStatus === "running";
    return true;
  });
  actions.forEach((a, i) => {
    kb.text(ctx.t(`vps-action-${a}`), `vps:act:${instance.id}:${a}`);
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  if (provider?.capabilities.consoleUrl && ["ACTIVE", "OFF"].includes(instance.status)) kb.text(ctx.t("vps-action-console"), `vps:console:${instance.id}`);
  if (["ACTIVE", "OFF", "SUSPENDED"].includes(instance.status)) {
    kb.text(ctx.t("vps-renew"), `renew:${instance.id}`).row();
    kb.text(ctx.t(instance.autoRenew ? "vps-auto-renew-button-on" : "vps-auto-renew-button-off"), `vps:auto:${instance.id}`);
  }
  kb.row().text(ctx.t("vps-refresh"), `vps:view:${instance.id}`).text(ctx.t("vps-back"), "vps:list");
  await render(ctx, { text: label + text, keyboard: kb });
}

vpsFeature.callbackQuery(/^vps:act:(\d+):([a-z_]+)$/, async (ctx) => {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!instance) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  const action = ctx.match[2] as ServerAction;
  if (!DESTRUCTIVE.has(action)) return queue(ctx, instance.id, action);
  await ctx.answerCallbackQuery();
  const kb = new InlineKeyboard().text(ctx.t("vps-confirm-yes"), `vps:do:${instance.id}:${action}`).row().text(ctx.t("menu-back"), `vps:view:${instance.id}`);
  await render(ctx, { text: ctx.t("vps-confirm", { action: ctx.t(`vps-action-${action}`), label: instance.label, warning: ctx.t(`vps-warn-${action}`) }), keyboard: kb });
});

vpsFeature.callbackQuery(/^vps:do:(\d+):([a-z_]+)$/, (ctx) => queue(ctx, Number(ctx.match[1]), ctx.match[2] as ServerAction));

async function queue(ctx: BotContext & { callbackQuery: NonNullable<BotContext["callbackQuery"]> }, instanceId: number, action: ServerAction) {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, instanceId);
  const server = instance ? await live(ctx, instance.providerCode, instance.providerInstanceId) : undefined;
  const result = await requestAction(ctx.deps.prisma, ctx.deps.providers, { userId: ctx.shopUser.id, instanceId, action, liveStatus: server?.status });
  if (!result.ok) {
    const text =
      result.reason === "busy" ? ctx.t("vps-action-busy")
      : result.reason === "needs_off" ? ctx.t("vps-reset-needs-off")
      : result.reason === "not_active" ? ctx.t("vps-not-active", { status: ctx.t(`vps-status-${(result.status ?? "unknown").toLowerCase()}`) })
      : ctx.t("vps-not-yours");
    return ctx.answerCallbackQuery({ text, show_alert: true });
  }
  await ctx.answerCallbackQuery();
  await ctx.deps.queues.enqueue(QueueName.InstanceActions, { actionId: result.actionId }, { jobId: jobId("action", result.actionId) });
  await render(ctx, {
    text: ctx.t("vps-action-queued", { action: ctx.t(`vps-action-${action}`), label: instance?.label ?? "" }),
    keyboard: new InlineKeyboard().text(ctx.t("vps-refresh"), `vps:view:${instanceId}`),
  });
}

vpsFeature.callbackQuery(/^vps:console:(\d+)$/, async (ctx) => {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!instance || !instance.providerInstanceId) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  const url = await ctx.deps.providers[instance.providerCode]?.consoleUrl(instance.providerInstanceId);
  await ctx.answerCallbackQuery();
  if (!url) return;
  await ctx.reply(ctx.t("vps-console-link", { label: instance.label }), { reply_markup: new InlineKeyboard().url(ctx.t("vps-action-console"), url) });
});
