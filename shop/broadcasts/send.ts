import { GrammyError, HttpError, InlineKeyboard, type Api } from "grammy";
import type { Message } from "grammy/types";
import { CATALOG_CALLBACK, type BroadcastButton, type BroadcastContent } from "./content.js";

export function broadcastKeyboard(buttons: BroadcastButton[]): InlineKeyboard | undefined {
  if (buttons.length === 0) return undefined;
  return new InlineKeyboard(buttons.map((b) => [b.kind === "url" ? InlineKeyboard.url(b.text, b.url) : InlineKeyboard.text(b.text, CATALOG_CALLBACK)]));
}

/**
 * Sends a broadcast's message to one chat, exactly as staff wrote it (text or a photo's caption
 * with Telegram's entities, no parse mode to break) — the preview and every delivery go through
 * here, so the preview is what customers get. `footer` (the promo opt-out line) is appended after
 * the text, which leaves the entities' offsets valid.
 */
export async function sendBroadcastMessage(api: Api, chatId: number, content: BroadcastContent, opts: { paid?: boolean; footer?: string } = {}): Promise<Message> {
  const text = opts.footer ? (content.text ? `${content.text}\n\n${opts.footer}` : opts.footer) : content.text;
  const reply_markup = broadcastKeyboard(content.buttons);
  const extra = { ...(reply_markup ? { reply_markup } : {}), ...(opts.paid ? { allow_paid_broadcast: true } : {}) };
  if (content.photoFileId) {
    return api.sendPhoto(chatId, content.photoFileId, { ...(text ? { caption: text, caption_entities: content.entities } : {}), ...extra });
  }
  return api.sendMessage(chatId, text, { entities: content.entities, ...extra });
}

/** Connection failures where the request never reached Telegram: safe to send again. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export type SendOutcome =
  /** Telegram's flood control: everyone waits `retryAfterMs`; the row goes back to the queue. */
  | { kind: "hold"; retryAfterMs: number; reason: string }
  /** Blocked the bot, deleted account, chat gone: marked, skipped by later broadcasts. */
  | { kind: "blocked"; reason: string }
  /** Telegram refused this message for good (e.g. a bad file id): recorded, not retried. */
  | { kind: "failed"; reason: string }
  /** Did not get through (Telegram 5xx, connection refused): tried again with backoff. */
  | { kind: "retry"; reason: string }
  /** The request left but no answer came (timeout, reset): it may have been delivered, so it is never sent again. */
  | { kind: "uncertain"; reason: string };

export function classifySendError(err: unknown): SendOutcome {
  if (err instanceof GrammyError) {
    const reason = `${err.error_code} ${err.description}`.slice(0, 300);
    if (err.error_code === 429) return { kind: "hold", retryAfterMs: Math.max(1, err.parameters.retry_after ?? 1) * 1000, reason };
    if (err.error_code === 403) return { kind: "blocked", reason };
    if (err.error_code === 400 && /chat not found|user is deactivated|PEER_ID_INVALID|bot was blocked|user not found/i.test(err.description)) return { kind: "blocked", reason };
    if (err.error_code >= 500) return { kind: "retry", reason };
    return { kind: "failed", reason };
  }
  if (err instanceof HttpError) {
    const code = (err.error as { code?: unknown } | undefined)?.code;
    const reason = `network: ${typeof code === "string" ? code : (err.error as Error | undefined)?.name ?? "error"}`;
    return typeof code === "string" && NEVER_SENT.has(code) ? { kind: "retry", reason } : { kind: "uncertain", reason };
  }
  return { kind: "uncertain", reason: `unexpected: ${(err as Error)?.message ?? String(err)}`.slice(0, 300) };
}
