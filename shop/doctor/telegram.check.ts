import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, type DoctorCheck, type DoctorResult } from "./types.js";

/**
 * Every owner can be written to: alerts and backups go to their private chats. Asked with
 * sendChatAction ("typing" for a few seconds), which fails exactly when a message would: the
 * owner never pressed Start (400 chat not found) or blocked the bot (403). getChat would still
 * answer for a user who blocked the bot.
 */
export const ownerChecks: DoctorCheck = async ({ config, telegram, timeoutMs }) => {
  if (config.ownerIds.length === 0) return [fail("owners reachable", "OWNER_IDS is empty: nobody gets alerts or backups", "Put your Telegram user id in OWNER_IDS (ask @userinfobot).")];
  return Promise.all(
    config.ownerIds.map(async (id): Promise<DoctorResult> => {
      try {
        await withTimeout(telegram.sendChatAction(id, "typing"), timeoutMs);
        return pass(`owner ${id} reachable`, "the bot can write to this owner");
      } catch (err) {
        return fail(`owner ${id} reachable`, reason(err), `Owner ${id} must open the bot and press Start (and not block it); check TELEGRAM_BOT_TOKEN.`);
      }
    }),
  );
};
