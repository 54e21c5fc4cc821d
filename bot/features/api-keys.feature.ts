import { Composer, InlineKeyboard } from "grammy";
import { API_SCOPES, createApiKey, listApiKeys, MAX_ACTIVE_KEYS, revokeApiKey, type ApiScope } from "../../shop/api/keys.js";
import { disableWebhookEndpoint, getWebhookEndpoint, rotateWebhookSecret, setWebhookEndpoint } from "../../shop/api/webhook-endpoint.js";
import { escapeHtml, formatDateTime } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import type { BotContext } from "../context.js";

/**
 * `/apikeys` (resellers): the reseller API's keys and webhook from the chat. Make a key with the
 * scopes ticked (read / order / vps) — the whole key is shown once, in that message only —, list
 * the keys (prefix, scopes, last use), revoke one (asked first), and set the webhook URL with
 * `/apikeys webhook <url>` (its signing secret shown once, in a message "I saved it" clears),
 * rotate its secret, or switch it off.
 * Every button names ids only; ownership and the reseller tier are checked by the shop functions
 * on each tap. Callback prefix `ak:`.
 */
export const apiKeysFeature = new Composer<BotContext>();
const chat = apiKeysFeature.chatType("private");

const localeOf = (ctx: BotContext): Locale => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");

/** Scopes ticked on the "new key" screen, carried in the button data as a bit mask (read=1, order=2, vps=4). */
const scopesOf = (mask: number): ApiScope[] => API_SCOPES.filter((_, i) => mask & (1 << i));

async function render(ctx: BotContext, text: string, kb?: InlineKeyboard) {
  const options = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true }, ...(kb ? { reply_markup: kb } : {}) };
  if (ctx.callbackQuery) await ctx.editMessageText(text, options).catch(() => ctx.reply(text, options));
  else await ctx.reply(text, options);
}

/** The reseller's keys and webhook, with the buttons; non-resellers are told what the API is for. */
async function showKeys(ctx: BotContext): Promise<void> {
  if (ctx.shopUser.resellerTierId === null) return render(ctx, ctx.t("api-resellers-only"));
  const keys = await listApiKeys(ctx.deps.prisma, ctx.shopUser.id);
  const locale = localeOf(ctx);
  const lines = keys.map((k) =>
    ctx.t(k.revokedAt ? "api-key-line-revoked" : "api-key-line", {
      name: escapeHtml(k.name),
      prefix: k.prefix,
      scopes: k.scopes.join(", "),
      used: k.lastUsedAt ? formatDateTime(k.lastUsedAt, locale) : ctx.t("api-key-never-used"),
    }),
  );
  const endpoint = await getWebhookEndpoint(ctx.deps.prisma, ctx.shopUser.id);
  const hook = endpoint ? ctx.t(endpoint.enabled ? "api-webhook-on" : "api-webhook-off", { url: escapeHtml(endpoint.url) }) : ctx.t("api-webhook-none");
  const text = [ctx.t("api-title"), "", lines.length ? lines.join("\n") : ctx.t("api-no-keys"), "", hook, ctx.t("api-webhook-how"), "", ctx.t("api-docs-hint", { docs: `${ctx.deps.config.telegram.publicBaseUrl ?? ""}/api/v1/docs` })].join("\n");
  const kb = new InlineKeyboard();
  if (keys.filter((k) => !k.revokedAt).length < MAX_ACTIVE_KEYS) kb.text(ctx.t("api-btn-new"), "ak:new:1").row();
  for (const k of keys.filter((k) => !k.revokedAt)) kb.text(ctx.t("api-btn-revoke", { prefix: k.prefix }), `ak:rv:${k.id}`).row();
  if (endpoint?.enabled) kb.text(ctx.t("api-btn-rotate"), "ak:whr").text(ctx.t("api-btn-webhook-off"), "ak:whx").row();
  await render(ctx, text, kb);
}

chat.command("apikeys", async (ctx) => {
  const [sub, ...rest] = ctx.match.trim().split(/\s+/);
  if (sub?.toLowerCase() !== "webhook") return showKeys(ctx);
  if (ctx.shopUser.resellerTierId === null) return render(ctx, ctx.t("api-resellers-only"));
  const url = rest.join(" ");
  if (!url) return render(ctx, ctx.t("api-webhook-how"));
  if (url.toLowerCase() === "off") {
    const off = await disableWebhookEndpoint(ctx.deps.prisma, ctx.shopUser.id);
    return render(ctx, ctx.t(off.ok ? "api-webhook-turned-off" : "api-webhook-none"));
  }
  const result = await setWebhookEndpoint(ctx.deps.prisma, { encryptionKey: ctx.deps.config.encryptionKey, allowPrivate: ctx.deps.config.webhooks.allowPrivate }, { userId: ctx.shopUser.id, url });
  if (!result.ok) return render(ctx, ctx.t(`api-webhook-bad-${result.reason}`));
  const saved = ctx.t("api-webhook-saved", { url: escapeHtml(result.endpoint.url) });
  if (!result.secret) return render(ctx, saved);
  // Like a new key: "I saved it" puts the menu in this message's place, so the secret leaves the chat.
  await render(ctx, `${saved}\n\n${ctx.t("api-webhook-secret", { secret: result.secret })}`, new InlineKeyboard().text(ctx.t("api-btn-saved"), "ak:menu"));
});

chat.callbackQuery("ak:menu", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showKeys(ctx);
});

// The scope picker: each tap flips one scope; at least one must stay ticked to create.
chat.callbackQuery(/^ak:new:([0-7])$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const mask = Number(ctx.match[1]);
  const kb = new InlineKeyboard();
  API_SCOPES.forEach((scope, i) => kb.text(`${mask & (1 << i) ? "✅" : "⬜"} ${ctx.t(`api-scope-${scope}`)}`, `ak:new:${mask ^ (1 << i)}`).row());
  if (mask) kb.text(ctx.t("api-btn-create"), `ak:mk:${mask}`).row();
  kb.text(ctx.t("api-btn-back"), "ak:menu");
  await render(ctx, ctx.t("api-new-title"), kb);
});

chat.callbackQuery(/^ak:mk:([1-7])$/, async (ctx) => {
  // One key per picker message: a double tap (or a tap on an old picker) must not make a second,
  // unseen key. The mark lives in Redis for the picker's useful life.
  const picker = `${ctx.deps.config.queuePrefix}:apikey-made:${ctx.chat.id}:${ctx.callbackQuery.message?.message_id ?? 0}`;
  if ((await ctx.deps.redis.set(picker, "1", "EX", 3600, "NX")) === null) return ctx.answerCallbackQuery({ text: ctx.t("api-key-already-made"), show_alert: true });
  const scopes = scopesOf(Number(ctx.match[1]));
  const name = `Telegram ${new Date().toISOString().slice(0, 10)}`;
  const created = await createApiKey(ctx.deps.prisma, { userId: ctx.shopUser.id, name, scopes });
  if (!created.ok) return ctx.answerCallbackQuery({ text: ctx.t(`api-create-refused-${created.reason}`, { max: MAX_ACTIVE_KEYS }), show_alert: true });
  await ctx.answerCallbackQuery();
  // The key is in this message only: the buttons that follow replace it, so it is not left on screen.
  await render(ctx, ctx.t("api-key-created", { key: created.token, prefix: created.key.prefix, scopes: scopes.join(", ") }), new InlineKeyboard().text(ctx.t("api-btn-saved"), "ak:menu"));
});

chat.callbackQuery(/^ak:rv:(\d+)$/, async (ctx) => {
  const key = (await listApiKeys(ctx.deps.prisma, ctx.shopUser.id)).find((k) => k.id === Number(ctx.match[1]) && !k.revokedAt);
  if (!key) return ctx.answerCallbackQuery({ text: ctx.t("api-key-gone"), show_alert: true });
  await ctx.answerCallbackQuery();
  const kb = new InlineKeyboard().text(ctx.t("api-btn-revoke-yes"), `ak:rvok:${key.id}`).row().text(ctx.t("api-btn-back"), "ak:menu");
  await render(ctx, ctx.t("api-revoke-confirm", { prefix: key.prefix, name: escapeHtml(key.name) }), kb);
});

chat.callbackQuery(/^ak:rvok:(\d+)$/, async (ctx) => {
  const result = await revokeApiKey(ctx.deps.prisma, { userId: ctx.shopUser.id, keyId: Number(ctx.match[1]) });
  await ctx.answerCallbackQuery(result.ok ? { text: ctx.t("api-key-revoked", { prefix: result.prefix }) } : { text: ctx.t("api-key-gone"), show_alert: true });
  await showKeys(ctx);
});

chat.callbackQuery("ak:whr", async (ctx) => {
  await ctx.answerCallbackQuery();
  await render(ctx, ctx.t("api-rotate-confirm"), new InlineKeyboard().text(ctx.t("api-btn-rotate-yes"), "ak:whrok").row().text(ctx.t("api-btn-back"), "ak:menu"));
});

chat.callbackQuery("ak:whrok", async (ctx) => {
  const result = await rotateWebhookSecret(ctx.deps.prisma, { encryptionKey: ctx.deps.config.encryptionKey }, ctx.shopUser.id);
  if (!result.ok) return ctx.answerCallbackQuery({ text: ctx.t("api-webhook-none"), show_alert: true });
  await ctx.answerCallbackQuery();
  await render(ctx, ctx.t("api-webhook-secret", { secret: result.secret }), new InlineKeyboard().text(ctx.t("api-btn-saved"), "ak:menu"));
});

chat.callbackQuery("ak:whx", async (ctx) => {
  const off = await disableWebhookEndpoint(ctx.deps.prisma, ctx.shopUser.id);
  await ctx.answerCallbackQuery({ text: ctx.t(off.ok ? "api-webhook-turned-off" : "api-webhook-none") });
  await showKeys(ctx);
});
