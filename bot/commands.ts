import type { I18n } from "@grammyjs/i18n";
import { GrammyError, type Api, type Context } from "grammy";
import type { BotCommand } from "grammy/types";
import type { Logger } from "../shop/platform/logger.js";
import { LOCALES, DEFAULT_LOCALE } from "../shop/messages/locale.js";
import type { Permission } from "../shop/users/staff.js";

/** Commands every customer sees, in menu order. */
export const CUSTOMER_COMMANDS = ["start", "catalog", "orders", "invoices", "vps", "wallet", "apikeys", "settings", "language", "help", "cancel"] as const;

/**
 * Staff commands, in menu order, each with the permission that opens it: a member's menu and
 * /help list exactly the ones they hold (a reviewer sees /pending, the owner everything).
 */
export const STAFF_COMMANDS: ReadonlyArray<readonly [string, Permission]> = [
  ["pending", "payments.review"],
  ["order", "orders.view"],
  ["customer", "customers.view"],
  ["broadcast", "broadcast.send"],
  ["retry", "provisioning.retry"],
  ["refund", "orders.refund"],
  ["stats", "stats.view"],
  ["shop", "catalog.manage"],
  ["coupons", "coupons.manage"],
  ["staff", "staff.manage"],
  ["health", "service.health"],
  ["doctor", "service.doctor"],
  ["backup", "backups.run"],
  ["restore", "backups.restore"],
  ["maintenance", "maintenance.manage"],
];

/** The commands someone with these permissions may use: the customer ones, then the staff ones they hold. */
export function commandsFor(permissions: readonly Permission[]): string[] {
  return [...CUSTOMER_COMMANDS, ...STAFF_COMMANDS.filter(([, p]) => permissions.includes(p)).map(([name]) => name)];
}

function localized(i18n: I18n<Context>, locale: string, names: readonly string[]): BotCommand[] {
  return names.map((name) => ({ command: name, description: i18n.t(locale, `cmd-${name}`) }));
}

/** Publishes one scope's menu in every language we speak (the default scope: customers). */
async function publishScope(api: Api, i18n: I18n<Context>, chatId: number | undefined, names: readonly string[], signal?: Parameters<Api["setMyCommands"]>[2]): Promise<void> {
  for (const locale of LOCALES) {
    const scope = chatId === undefined ? { type: "default" as const } : { type: "chat" as const, chat_id: chatId };
    const languageCode = locale === DEFAULT_LOCALE ? undefined : locale;
    await api.setMyCommands(localized(i18n, locale, names), { scope, language_code: languageCode }, signal);
  }
}

/**
 * Publishes the command menu: the default scope for customers and a per-chat scope for each
 * staff member with the commands their permissions open, in every language we speak.
 * A staff member who never opened the bot yields "chat not found"; that is logged, not fatal
 * (their menu is published again when they send /start). Anything else (Telegram unreachable,
 * 5xx, flood control) is thrown, so start-up tries the whole menu again later instead of
 * leaving it half published.
 */
export async function publishCommands(
  api: Api,
  i18n: I18n<Context>,
  staff: ReadonlyArray<{ telegramId: number; permissions: readonly Permission[] }>,
  logger: Logger,
  signal?: Parameters<Api["setMyCommands"]>[2],
): Promise<void> {
  await publishScope(api, i18n, undefined, CUSTOMER_COMMANDS, signal);
  for (const member of staff) await publishStaffMenu(api, i18n, member.telegramId, member.permissions, logger, signal);
}

/**
 * One member's menu, after their powers changed or when they open the bot: their commands, or,
 * with no staff power left, the chat scope removed so they see the customers' menu again.
 */
export async function publishStaffMenu(
  api: Api,
  i18n: I18n<Context>,
  telegramId: number,
  permissions: readonly Permission[],
  logger: Logger,
  signal?: Parameters<Api["setMyCommands"]>[2],
): Promise<void> {
  try {
    if (permissions.length > 0) await publishScope(api, i18n, telegramId, commandsFor(permissions), signal);
    else for (const locale of LOCALES) await api.deleteMyCommands({ scope: { type: "chat", chat_id: telegramId }, language_code: locale === DEFAULT_LOCALE ? undefined : locale }, signal);
  } catch (err) {
    if (!(err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403))) throw err;
    logger.warn({ err, chatId: telegramId }, "could not publish commands for this chat");
  }
}
