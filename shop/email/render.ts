/**
 * A chat message turned into an email: the chat's own text (rendered from the same i18n key),
 * as plain text and as a small HTML page. Chat texts are either Telegram HTML (b, i, code,
 * tg-spoiler, a…, with values already escaped) or plain text; `isHtml` says which.
 */
import { escapeHtml } from "../messages/format.js";

/** The body parts of one email. */
export interface EmailBody {
  text: string;
  html: string;
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&" };

/** Telegram HTML → plain text: tags dropped (a link keeps its address), entities decoded. */
export function telegramHtmlToText(html: string): string {
  return html
    .replace(/<a\s+href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) => (label === href ? href : `${label} (${href})`))
    .replace(/<[^>]+>/g, "")
    .replace(/&(lt|gt|quot|#39|amp);/g, (m) => ENTITIES[m] ?? m);
}

/**
 * Telegram HTML → email HTML. Telegram's tags are HTML already, but for the spoiler (shown as
 * plain text: a mail client has no spoiler) and the line breaks.
 */
function telegramHtmlToEmailHtml(html: string): string {
  return html.replace(/<\/?tg-spoiler>/g, "").replace(/\n/g, "<br>\n");
}

/** The body of an email from a chat text, with a closing line (why this email came). */
export function emailBody(chatText: string, isHtml: boolean, footer: string, title: string): EmailBody {
  const text = isHtml ? telegramHtmlToText(chatText) : chatText;
  const inner = isHtml ? telegramHtmlToEmailHtml(chatText) : escapeHtml(chatText).replace(/\n/g, "<br>\n");
  const html = [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222">',
    `<div style="max-width:560px">${inner}</div>`,
    `<p style="margin-top:24px;font-size:12px;color:#777">${escapeHtml(footer).replace(/\n/g, "<br>\n")}</p>`,
    "</body></html>",
  ].join("\n");
  return { text: `${text}\n\n-- \n${footer}\n`, html };
}
