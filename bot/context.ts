import type { ConversationFlavor } from "@grammyjs/conversations";
import type { I18n, I18nFlavor } from "@grammyjs/i18n";
import type { Context, LazySessionFlavor } from "grammy";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../db/client.js";
import type { Queues } from "../jobs/queues.js";
import type { Config } from "../shop/platform/config.js";
import type { Logger } from "../shop/platform/logger.js";
import type { Metrics } from "../shop/platform/metrics.js";
import type { ShopUser, UserDirectory } from "../shop/users/directory.js";
import type { LocaleCache } from "./i18n.js";
import type { Catalog } from "../shop/catalog/catalog.js";
import type { Checkout } from "../shop/payments/checkout.js";
import type { CloudProvider, ProviderCode } from "../shop/cloud/provider.js";

/** Per-chat UI state; small on purpose (the database is the source of truth). */
export interface SessionData {
  /** Message id of the last menu we drew, so menus are edited in place. */
  menuMessageId?: number;
  /** The staff console asked for who to add or for a new role's name; the next message answers. */
  staffInput?: { kind: "add" | "role-name"; at: number };
}

/** Everything the bot needs from the outside world, injected once in createBot. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  metrics: Metrics;
  users: UserDirectory;
  locales: LocaleCache;
  i18n: I18n<Context>;
  catalog: Catalog;
  checkout: Checkout;
  /** Configured cloud adapters by provider code. */
  providers: Partial<Record<ProviderCode, CloudProvider>>;
}

interface ShopFlavor {
  deps: BotDeps;
  logger: Logger;
  /** The shop's user record for `ctx.from`, loaded by the user middleware. */
  shopUser: ShopUser;
}

/** The one context type of the outside middleware tree. */
export type BotContext = ConversationFlavor<Context & LazySessionFlavor<SessionData> & I18nFlavor & ShopFlavor>;

/** Context inside conversations: plugins there are re-installed per replay, so it is slimmer. */
export type ConvContext = Context & I18nFlavor;
