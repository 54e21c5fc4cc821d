import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/** Telegram's limit for a button's callback_data. */
const MAX_DATA_BYTES = 64;
/** Ids are Postgres `integer`s; pages, months and rupiah amounts are far smaller. */
const MAX_NUMBER = 2_147_483_647;

/**
 * Whether callback data could have come from one of our buttons: at most 64 bytes, and every
 * all-digit segment a number our buttons put there (an id, a page, months, an amount).
 */
export function isOurCallbackData(data: string): boolean {
  if (Buffer.byteLength(data) > MAX_DATA_BYTES) return false;
  return data.split(":").every((part) => !/^\d+$/.test(part) || (part.length <= 10 && Number(part) <= MAX_NUMBER));
}

/**
 * Answers a button tap none of our buttons produce like a stale button, before any handler:
 * data no button of ours carries, or a tap on an inline-mode message (the bot has no inline
 * mode, so such a query has no chat to answer in). Why at the door: a modified client can send
 * any 64 bytes for any of our messages, and every handler reads its ids with `Number(match)`;
 * "ord:list:99999999999999999999" became a number past Postgres' integer and a failed query,
 * logged as an error and answered "error on our side" for each tap. One check here covers every
 * handler, present and future.
 */
export function refuseForeignCallbackData(): Middleware<BotContext> {
  return async (ctx, next) => {
    const query = ctx.callbackQuery;
    if (query && (!query.message || (query.data !== undefined && !isOurCallbackData(query.data)))) {
      await ctx.answerCallbackQuery({ text: ctx.t("stale-button") });
      return;
    }
    await next();
  };
}
