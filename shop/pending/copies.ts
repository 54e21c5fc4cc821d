/**
 * Brings every recorded copy of a card to the card's current state (the notifications worker runs
 * this after a decision, and right after recording a copy of a card that changed meanwhile).
 * Each copy is edited in its reader's language. A copy Telegram will not edit any more (deleted,
 * too old) is logged and left alone, never fatal; a passing failure (network, 429 beyond the
 * client's retries) fails the job, whose retry edits only the copies still behind.
 */
import { GrammyError, InlineKeyboard, type Api } from "grammy";
import type { Db, PrismaClient } from "../../db/client.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../messages/locale.js";
import type { Logger } from "../platform/logger.js";
import { copiesBehind, markShown, markUneditable } from "./cards.js";
import { renderCard, type RenderedCard } from "./card-view.js";

export interface CopyDeps {
  prisma: PrismaClient;
  api: Api;
  t: (locale: Locale, key: string, params?: Record<string, string | number>) => string;
  secondAboveIdr: number;
  logger?: Logger;
}

/** Telegram's answers that mean the copy can never be edited again. */
const GONE = /message to edit not found|message can't be edited|message_id_invalid|chat not found|bot was blocked|user is deactivated/i;

/**
 * Refreshes of one card run one at a time (a transaction-scoped advisory lock on the key): two
 * edit jobs of the same card at once would otherwise race, and the one that read the older
 * state could write it over the newer one's edit while markShown keeps the higher version.
 * The second waits, then finds only the copies still behind and renders the state then.
 */
export async function refreshCardCopies(deps: CopyDeps, key: string): Promise<{ edited: number; gone: number; failed: number }> {
  return deps.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`card:${key}`}))::text`;
      return refreshLocked({ ...deps, prisma: tx }, key);
    },
    { maxWait: 60_000, timeout: 300_000 },
  );
}

async function refreshLocked(deps: Omit<CopyDeps, "prisma"> & { prisma: Db }, key: string): Promise<{ edited: number; gone: number; failed: number }> {
  const copies = await copiesBehind(deps.prisma, key);
  const rendered = new Map<Locale, RenderedCard | null>();
  const out = { edited: 0, gone: 0, failed: 0 };
  let lastError: unknown;
  for (const copy of copies) {
    const chatId = Number(copy.chatId);
    const locale = await localeOf(deps.prisma, chatId);
    if (!rendered.has(locale)) rendered.set(locale, await renderCard(deps.prisma, key, (k, p) => deps.t(locale, k, p), locale, { secondAboveIdr: deps.secondAboveIdr }));
    const card = rendered.get(locale);
    if (!card) {
      await markUneditable(deps.prisma, copy.id, "card subject gone");
      continue;
    }
    try {
      const reply_markup = new InlineKeyboard(card.buttons.map((row) => row.map((b) => InlineKeyboard.text(b.text, b.data))));
      await deps.api.editMessageText(chatId, copy.messageId, card.text, { reply_markup });
      await markShown(deps.prisma, copy.id, copy.version);
      out.edited++;
    } catch (err) {
      if (err instanceof GrammyError && /message is not modified/i.test(err.description)) {
        await markShown(deps.prisma, copy.id, copy.version);
        out.edited++;
      } else if (err instanceof GrammyError && (err.error_code === 403 || GONE.test(err.description))) {
        deps.logger?.warn({ cardKey: key, chatId, messageId: copy.messageId, error: err.description }, "staff card copy can no longer be edited");
        await markUneditable(deps.prisma, copy.id, err.description);
        out.gone++;
      } else {
        deps.logger?.warn({ err, cardKey: key, chatId, messageId: copy.messageId }, "staff card copy not edited yet; the job retries");
        lastError = err;
        out.failed++;
      }
    }
  }
  if (lastError) throw lastError;
  return out;
}

async function localeOf(prisma: Db, chatId: number): Promise<Locale> {
  const user = await prisma.user.findUnique({ where: { telegramId: BigInt(chatId) }, select: { language: true } });
  return isLocale(user?.language) ? user.language : DEFAULT_LOCALE;
}
