import type { I18n } from "@grammyjs/i18n";
import { GrammyError, type Api, type Context } from "grammy";
import type { BotCommand } from "grammy/types";
import type { Logger } from "../shop/platform/logger.js";
import { LOCALES, DEFAULT_LOCALE } from "../shop/messages/locale.js";

/** Commands each role sees in Telegram's menu; staff see the customer ones too. */
export const COMMANDS = {
  CUSTOMER: ["start", "catalog", "orders", "vps", "wallet", "language", "help", "cancel"],
  SELLER: ["stats", "retry", "refund"],
  OWNER: ["health", "doctor", "backup", "restore", "maintenance"],
} as const;

export type CommandRole = keyof typeof COMMANDS;

/** The commands a role may use, in menu order: staff see the customer ones first, the owner everything. */
export function commandsFor(role: CommandRole): readonly string[] {
  if (role === "CUSTOMER") return COMMANDS.CUSTOMER;
  const sellerCmds = [...COMMANDS.CUSTOMER, ...COMMANDS.SELLER];
  return role === "SELLER" ? sellerCmds : [...sellerCmds, ...COMMANDS.OWNER];
}

function localized(i18n: I18n<Context>, locale: string, names: readonly string[]): BotCommand[] {
  return names.map((name) => ({ command: name, description: i18n.t(locale, `cmd-${name}`) }));
}

/**
 * Publishes the command menu per role: the default scope for customers and a
 * per-chat scope for each seller and owner, in every language we speak.
 * A staff member who never opened the bot yields "chat not found"; that is logged, not fatal.
 * Anything else (Telegram unreachable, 5xx, flood control) is thrown, so start-up tries the
 * whole menu again later instead of leaving it half published.
 */
export async function publishCommands(
  api: Api,
  i18n: I18n<Context>,
  staff: { sellerIds: number[]; ownerIds: number[] },
  logger: Logger,
  signal?: Parameters<Api["setMyCommands"]>[2],
): Promise<void> {
  const sellerCmds = commandsFor("SELLER");
  const ownerCmds = commandsFor("OWNER");
  const targets: Array<{ chatId?: number; names: readonly string[] }> = [
    { names: COMMANDS.CUSTOMER },
    ...staff.sellerIds.filter((id) => !staff.ownerIds.includes(id)).map((chatId) => ({ chatId, names: sellerCmds })),
    ...staff.ownerIds.map((chatId) => ({ chatId, names: ownerCmds })),
  ];
  for (const target of targets) {
    for (const locale of LOCALES) {
      const scope = target.chatId === undefined ? { type: "default" as const } : { type: "chat" as const, chat_id: target.chatId };
      const languageCode = locale === DEFAULT_LOCALE ? undefined : locale;
      try {
        await api.setMyCommands(localized(i18n, locale, target.names), { scope, language_code: languageCode }, signal);
      } catch (err) {
        if (!(target.chatId !== undefined && err instanceof GrammyError && (err.error_code === 400 || err.error_code === 403))) throw err;
        logger.warn({ err, chatId: target.chatId, locale }, "could not publish commands for this scope");
      }
    }
  }
}
