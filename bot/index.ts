import { conversations, createConversation } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, lazySession, type Context, type MiddlewareFn } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotContext, BotDeps, ConvContext, SessionData } from "./context.js";
import { LANGUAGE_CONVERSATION, languageConversation, languageFeature } from "./features/language.conversation.js";
import { staffFeature } from "./features/staff.commands.js";
import { staffConsoleFeature } from "./features/staff/staff.feature.js";
import { CHECKOUT_CONVERSATION, checkoutConversation } from "./features/catalog/checkout.conversation.js";
import { browseFeature } from "./features/catalog/browse.feature.js";
import { ordersFeature } from "./features/orders.feature.js";
import { vpsFeature } from "./features/vps.feature.js";
import { renewFeature } from "./features/renew.feature.js";
import { provisioningStaffFeature } from "./features/provisioning.staff.js";
import { payFeature } from "./features/payments/pay.feature.js";
import { proofFeature } from "./features/payments/proof.feature.js";
import { REJECT_CONVERSATION, rejectConversation, reviewFeature } from "./features/payments/review.feature.js";
import { TOPUP_CONVERSATION, topUpConversation, walletFeature } from "./features/wallet.feature.js";
import { startFeature } from "./features/start.command.js";
import { unhandledFeature } from "./features/unhandled.js";
import { backupFeature } from "./features/backup.feature.js";
import { RESTORE_CONVERSATION, restoreConversation, restoreFeature, restoreKeyIntake } from "./features/restore.conversation.js";
import { alertsFeature } from "./features/alerts.feature.js";
import { pendingFeature } from "./features/pending.feature.js";
import { catalogAdminFeature } from "./features/catalog-admin/index.js";
import { customerConsoleFeature } from "./features/customer-console.feature.js";
import { CUSTOMER_INPUT_CONVERSATION, customerInputConversation } from "./features/customer-console.conversation.js";
import { resellerFeature } from "./features/reseller.feature.js";
import { apiKeysFeature } from "./features/api-keys.feature.js";
import { LABEL_CONVERSATION, labelConversation } from "./features/reseller-label.conversation.js";
import { orderConsoleFeature } from "./features/order-console.feature.js";
import { ORDER_REASON_CONVERSATION, orderReasonConversation } from "./features/order-console.conversation.js";
import { BROADCAST_CONVERSATION, broadcastInputConversation } from "./features/broadcast/broadcast.conversation.js";
import { broadcastFeature } from "./features/broadcast/broadcast.feature.js";
import { settingsFeature } from "./features/settings.feature.js";
import { emailSettingsFeature } from "./features/email-settings.feature.js";
import { EMAIL_CONVERSATION, emailConversation } from "./features/email-settings.conversation.js";
import { botRetry } from "../shop/messages/telegram-api.js";
import { admitUpdates } from "./middlewares/admit.middleware.js";
import { maintenanceGate } from "./middlewares/maintenance.middleware.js";
import { maintenanceFeature } from "./features/maintenance.feature.js";
import { doctorFeature } from "./features/doctor.command.js";
import { handleBotError } from "./middlewares/error-boundary.js";
import { refuseForeignCallbackData } from "./middlewares/callback-data.filter.js";
import { guardBlocked, loadUser } from "./middlewares/user.middleware.js";
import { RedisStorage } from "./storage.js";

/**
 * Bump whenever a conversation's code changes shape: stored replay logs from an
 * older version are discarded instead of replayed into the wrong code.
 */
export const CONVERSATION_VERSION = 5;

/** Conversations build a fresh Api per replay; this gives it the same retry policy. */
const conversationApiRetry: MiddlewareFn<ConvContext> = (ctx, next) => {
  botRetry(ctx.api);
  return next();
};

/** Where a chat's session and conversation state live in Redis (keys: prefix + chat key). */
export const stateKeyPrefixes = (queuePrefix: string) => ({ session: `${queuePrefix}:sess:`, conversation: `${queuePrefix}:conv:` });

/** Updates that share a chat share session and conversation state: one key for both. */
export const chatKey = (ctx: Context): string | undefined => ctx.chat?.id.toString();

/**
 * Builds the bot for both polling and webhook entry points. Order matters:
 * sequentialize → admit (dedupe + rate limit) → session → user → i18n → guard →
 * foreign callback data → conversations → features → unhandled.
 */
export function createBot(deps: BotDeps, opts: { botInfo?: UserFromGetMe; fetch?: typeof fetch } = {}): Bot<BotContext> {
  const { config, redis } = deps;
  const bot = new Bot<BotContext>(config.telegram.token, {
    botInfo: opts.botInfo,
    // `fetch` is the wire: tests swap it for a recorder; conversations inherit it.
    client: { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
  });
  // Bounded: an unbounded retry can hold an update (and its chat) for an hour.
  botRetry(bot.api);

  const debug = deps.logger.isLevelEnabled("debug");
  bot.use(async (ctx, next) => {
    ctx.deps = deps;
    // Created on first use: most updates never log, and a child logger per update is not free.
    let child: typeof deps.logger | undefined;
    Object.defineProperty(ctx, "logger", {
      get: () => (child ??= deps.logger.child({ updateId: ctx.update.update_id, chatId: ctx.chat?.id })),
      configurable: true,
    });
    const started = debug ? performance.now() : 0;
    await next();
    deps.metrics.botUpdates.inc({ outcome: "handled" });
    if (debug) ctx.logger.debug({ ms: Math.round(performance.now() - started) }, "update handled");
  });

  // A late write of a process that lost the chat's lease (bot/storage.ts): refused, the newer state stays.
  const fencedWrite = (key: string, updateId: number) =>
    deps.logger.warn({ chatKey: key, updateId }, "chat state write refused: this process lost the chat's lease while handling, another handled the chat since");
  const protectedBot = bot.errorBoundary(handleBotError);
  protectedBot.use(sequentialize(chatKey));
  // In webhook mode the inbox (bot/inbox.ts) de-duplicates, durably and across processes.
  protectedBot.use(admitUpdates(config.botRateLimitPer10s, { dedupe: config.telegram.mode !== "webhook" }));
  protectedBot.use(maintenanceGate(config));
  // Lazy: most updates never touch the session, so they never pay its Redis round trips.
  protectedBot.use(
    lazySession<SessionData, BotContext>({
      initial: () => ({}),
      getSessionKey: chatKey,
      storage: new RedisStorage<SessionData>(redis, stateKeyPrefixes(config.queuePrefix).session, 30 * 86_400, fencedWrite),
    }),
  );
  protectedBot.use(loadUser());
  protectedBot.use(deps.i18n);
  protectedBot.use(guardBlocked());
  protectedBot.use(refuseForeignCallbackData());
  // A pasted backup key is deleted and replaced before any conversation can store it.
  protectedBot.use(restoreKeyIntake);
  protectedBot.use(
    conversations<BotContext, ConvContext>({
      storage: {
        type: "key",
        version: CONVERSATION_VERSION,
        getStorageKey: chatKey,
        adapter: new RedisStorage(redis, stateKeyPrefixes(config.queuePrefix).conversation, 7 * 86_400, fencedWrite),
      },
    }),
  );
  // Commands that must work mid-flow come before the conversations themselves.
  protectedBot.use(startFeature);
  const plugins = [deps.i18n, conversationApiRetry];
  protectedBot.use(createConversation<BotContext, ConvContext>(languageConversation(deps), { id: LANGUAGE_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(checkoutConversation(deps), { id: CHECKOUT_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(topUpConversation(deps), { id: TOPUP_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(rejectConversation(deps), { id: REJECT_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(restoreConversation(deps), { id: RESTORE_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(customerInputConversation(deps), { id: CUSTOMER_INPUT_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(labelConversation(deps), { id: LABEL_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(orderReasonConversation(deps), { id: ORDER_REASON_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(broadcastInputConversation(deps), { id: BROADCAST_CONVERSATION, plugins }));
  protectedBot.use(createConversation<BotContext, ConvContext>(emailConversation(deps), { id: EMAIL_CONVERSATION, plugins }));
  protectedBot.use(staffConsoleFeature);
  protectedBot.use(languageFeature);
  protectedBot.use(settingsFeature);
  protectedBot.use(emailSettingsFeature);
  protectedBot.use(browseFeature);
  protectedBot.use(ordersFeature);
  protectedBot.use(payFeature);
  protectedBot.use(walletFeature);
  protectedBot.use(reviewFeature);
  protectedBot.use(proofFeature);
  protectedBot.use(vpsFeature);
  protectedBot.use(renewFeature);
  protectedBot.use(provisioningStaffFeature);
  protectedBot.use(staffFeature);
  protectedBot.use(backupFeature);
  protectedBot.use(restoreFeature);
  protectedBot.use(maintenanceFeature);
  protectedBot.use(doctorFeature);
  protectedBot.use(orderConsoleFeature);
  protectedBot.use(resellerFeature);
  protectedBot.use(apiKeysFeature);
  protectedBot.use(customerConsoleFeature);
  protectedBot.use(broadcastFeature);
  protectedBot.use(catalogAdminFeature);
  protectedBot.use(pendingFeature);
  protectedBot.use(alertsFeature);
  protectedBot.use(unhandledFeature);
  return bot;
}
