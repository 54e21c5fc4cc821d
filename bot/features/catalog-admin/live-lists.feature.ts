import { Composer } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import { attachImage, detachImage, liveImages } from "../../../shop/catalog/admin/images.js";
import { createPlanFromProvider, liveRegions, liveSizes } from "../../../shop/catalog/admin/new-plan.js";
import { regionName } from "../../../shop/catalog/regions.js";
import { escapeHtml, formatMemory } from "../../../shop/messages/format.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { render } from "../catalog/browse.feature.js";
import { catalogActor, cloudTrouble, kitOf, notFound } from "./kit.js";
import { showPlan } from "./plan-forms.js";
import { planScreen } from "./shop.feature.js";
import { imagesView, pagedButtons } from "./views.js";

/**
 * The parts of /shop that read a provider's LIVE lists: a new plan picked by region and size
 * (specs from the provider), and OS images picked from the provider's image list. A provider
 * that does not answer gets a clear message; nothing is written.
 */
export const liveListsFeature = new Composer<BotContext>();
const staff = liveListsFeature.chatType("private").filter(allowedTo("catalog.manage"));

function cloudOf(ctx: BotContext, code: string) {
  return ctx.deps.providers[code as ProviderCode];
}

async function notConfigured(ctx: BotContext, code: string) {
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-cloud-missing", { provider: code }), show_alert: true });
}

// Regions of the provider, paged.
staff.callbackQuery(/^ca:new:([A-Z]+):(\d+)$/, async (ctx) => {
  const code = ctx.match[1]!;
  const cloud = cloudOf(ctx, code);
  if (!cloud) return notConfigured(ctx, code);
  const kit = kitOf(ctx);
  try {
    const regions = await liveRegions(cloud);
    await ctx.answerCallbackQuery();
    const kb = pagedButtons(regions, Number(ctx.match[2]), (r) => [`${regionName(code, r.slug, kit.locale)} (${r.slug})`, `ca:nr:${code}:${r.slug}:0`], (p) => `ca:new:${code}:${p}`, `ca:prov:${code}`, kit);
    await render(ctx, { text: ctx.t("cat-adm-pick-region", { provider: code }), keyboard: kb });
  } catch (err) {
    await cloudTrouble(ctx, err);
  }
});

// Sizes offered in the region, paged.
staff.callbackQuery(/^ca:nr:([A-Z]+):([\w.-]+):(\d+)$/, async (ctx) => {
  const [code, region] = [ctx.match[1]!, ctx.match[2]!];
  const cloud = cloudOf(ctx, code);
  if (!cloud) return notConfigured(ctx, code);
  const kit = kitOf(ctx);
  try {
    const sizes = await liveSizes(cloud, region);
    await ctx.answerCallbackQuery();
    const label = (s: (typeof sizes)[number]) => `${s.slug} · ${s.vcpus} vCPU · ${formatMemory(s.memoryMb)} · ${s.diskGb} GB`;
    const kb = pagedButtons(sizes, Number(ctx.match[3]), (s) => [label(s), `ca:ns:${code}:${region}:${s.slug}`], (p) => `ca:nr:${code}:${region}:${p}`, `ca:new:${code}:0`, kit);
    const text = sizes.length ? ctx.t("cat-adm-pick-size", { region: escapeHtml(regionName(code, region, kit.locale)) }) : ctx.t("cat-adm-no-sizes");
    await render(ctx, { text, keyboard: kb });
  } catch (err) {
    await cloudTrouble(ctx, err);
  }
});

// The size picked: the plan is created (off, no prices yet) and its card shown.
staff.callbackQuery(/^ca:ns:([A-Z]+):([\w.-]+):([\w.-]+)$/, async (ctx) => {
  const [code, region, sizeSlug] = [ctx.match[1]!, ctx.match[2]!, ctx.match[3]!];
  const cloud = cloudOf(ctx, code);
  if (!cloud) return notConfigured(ctx, code);
  try {
    const result = await createPlanFromProvider(ctx.deps.prisma, catalogActor(ctx), { provider: cloud, region, sizeSlug });
    if (!result.ok && result.reason !== "exists") return void (await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-size-gone"), show_alert: true }));
    await ctx.answerCallbackQuery();
    await showPlan(ctx, result.planId, ctx.t(result.ok ? "cat-adm-plan-created" : "cat-adm-plan-exists"));
  } catch (err) {
    await cloudTrouble(ctx, err);
  }
});

// The provider's images, paged, to offer on a plan.
staff.callbackQuery(/^ca:il:(\d+):(\d+)$/, async (ctx) => {
  const planId = Number(ctx.match[1]);
  const plan = await ctx.deps.prisma.plan.findUnique({ where: { id: planId }, include: { provider: true } });
  if (!plan) return notFound(ctx);
  const cloud = cloudOf(ctx, plan.provider.code);
  if (!cloud) return notConfigured(ctx, plan.provider.code);
  try {
    const images = await liveImages(cloud);
    await ctx.answerCallbackQuery();
    const kb = pagedButtons(images, Number(ctx.match[2]), (i) => [i.name, `ca:ia:${planId}:${i.ref}`], (p) => `ca:il:${planId}:${p}`, `ca:im:${planId}`, kitOf(ctx));
    await render(ctx, { text: ctx.t("cat-adm-pick-image", { name: escapeHtml(plan.name) }), keyboard: kb });
  } catch (err) {
    await cloudTrouble(ctx, err);
  }
});

staff.callbackQuery(/^ca:ia:(\d+):(.+)$/, async (ctx) => {
  const planId = Number(ctx.match[1]);
  const plan = await ctx.deps.prisma.plan.findUnique({ where: { id: planId }, include: { provider: true } });
  const cloud = plan && cloudOf(ctx, plan.provider.code);
  if (!plan || !cloud) return notFound(ctx);
  try {
    const result = await attachImage(ctx.deps.prisma, catalogActor(ctx), { planId, provider: cloud, ref: ctx.match[2]! });
    if (!result.ok) return notFound(ctx);
    await planScreen(ctx, planId, imagesView);
  } catch (err) {
    await cloudTrouble(ctx, err);
  }
});

staff.callbackQuery(/^ca:imx:(\d+):(\d+)$/, async (ctx) => {
  const planId = Number(ctx.match[1]);
  const result = await detachImage(ctx.deps.prisma, catalogActor(ctx), { planId, imageId: Number(ctx.match[2]) });
  if (!result.ok) return notFound(ctx);
  await planScreen(ctx, planId, imagesView);
});
