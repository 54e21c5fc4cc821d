import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup } from "grammy/types";
import { badRequest } from "./errors.js";

/** The outcome of validating `reply_markup`: what goes on the message and what the user's keyboard becomes. */
export interface MarkupResult {
  /** Inline keyboard to store on the message (only inline keyboards are echoed by Telegram). */
  inline?: InlineKeyboardMarkup;
  /** "keep" = no change, "remove" = remove_keyboard, or the new reply keyboard. */
  replyKeyboard: "keep" | "remove" | ReplyKeyboardMarkup;
}

const ACTION_FIELDS = [
  "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
];

/**
 * Validates reply_markup like Telegram (64-byte callback_data, no action-less inline
 * buttons, sane URLs) so keyboards that Telegram would reject fail in tests too.
 */
export function validateReplyMarkup(markup: unknown, opts: { allowLocalhostUrls: boolean }): MarkupResult {
  if (markup === undefined || markup === null) return { replyKeyboard: "keep" };
  if (typeof markup !== "object" || Array.isArray(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
  const m = markup as Record<string, unknown>;
  if ("inline_keyboard" in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    }
    const clean: InlineKeyboardButton[][] = [];
    for (const row of rows as unknown[][]) {
      const out: InlineKeyboardButton[] = [];
      for (const button of row) out.push(validateInlineButton(button, opts));
      if (out.length > 0) clean.push(out);
    }
    return clean.length > 0 ? { inline: { inline_keyboard: clean }, replyKeyboard: "keep" } : { replyKeyboard: "keep" };
  }
  if ("keyboard" in m) {
    if (!Array.isArray(m.keyboard) || m.keyboard.some((r) => !Array.isArray(r))) {
      throw badRequest('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays');
    }
    for (const row of m.keyboard as unknown[][]) {
      for (const b of row) {
        const text = typeof b === "string" ? b : (b as { text?: unknown } | null)?.text;
        if (typeof text !== "string" || text === "") throw badRequest("keyboard button text is empty");
      }
    }
    return { replyKeyboard: m as unknown as ReplyKeyboardMarkup };
  }
  if (m.remove_keyboard === true) return { replyKeyboard: "remove" };
  if (m.force_reply === true) return { replyKeyboard: "keep" };
  throw badRequest("can't parse reply keyboard markup JSON object");
}

function validateInlineButton(button: unknown, opts: { allowLocalhostUrls: boolean }): InlineKeyboardButton {
  if (typeof button !== "object" || button === null) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  const b = button as Record<string, unknown>;
  if (typeof b.text !== "string") throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
  if (b.text.trim() === "") throw badRequest("BUTTON_TEXT_INVALID");
  const actions = ACTION_FIELDS.filter((f) => b[f] !== undefined && b[f] !== null);
  if (actions.length === 0) throw badRequest("text buttons are unallowed in the inline keyboard");
  if (b.callback_data !== undefined && b.callback_data !== null) {
    const data = String(b.callback_data);
    const bytes = Buffer.byteLength(data, "utf8");
    if (bytes === 0 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
  }
  if (b.url !== undefined) checkButtonUrl(String(b.url), opts);
  if (b.web_app !== undefined) {
    const url = String((b.web_app as { url?: unknown }).url ?? "");
    if (!url.startsWith("https://")) {
      throw badRequest(`inline keyboard button Web App URL '${url}' is invalid: Only HTTPS links are allowed`);
    }
  }
  return b as unknown as InlineKeyboardButton;
}

function checkButtonUrl(url: string, opts: { allowLocalhostUrls: boolean }): void {
  const invalid = () => badRequest(`inline keyboard button URL '${url}' is invalid: Wrong HTTP URL`);
  if (/^tg:\/\//i.test(url)) return;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw invalid();
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw invalid();
  const host = parsed.hostname;
  const local = host === "localhost" || !host.includes(".");
  if (local && !opts.allowLocalhostUrls) throw invalid();
}

/** Every button of an inline keyboard in reading order (rows, then columns), as the chat client numbers them. */
export function flattenButtons(markup: InlineKeyboardMarkup | undefined): InlineKeyboardButton[] {
  return markup?.inline_keyboard.flat() ?? [];
}
