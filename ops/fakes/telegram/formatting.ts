import type { MessageEntity } from "grammy/types";
import { badRequest } from "./errors.js";
import type { FormattedText } from "./formatting-common.js";
import { parseHtml } from "./formatting-html.js";
import { parseMarkdownLegacy, parseMarkdownV2 } from "./formatting-markdown.js";

export type { FormattedText } from "./formatting-common.js";
export { parseHtml, parseMarkdownLegacy, parseMarkdownV2 };


/**
 * Turns `text` + `parse_mode` (or explicit `entities`) into what Telegram would store,
 * throwing the same "can't parse entities" 400s Telegram throws, so formatting bugs
 * (unescaped MarkdownV2 characters, stray `<` in HTML) fail in tests, not production.
 */
export function formatText(raw: string, parseMode: unknown, explicit: MessageEntity[] | undefined): FormattedText {
  let parsed: FormattedText;
  if (explicit !== undefined) parsed = { text: raw, entities: explicit.map((e) => ({ ...e })) };
  else if (parseMode === undefined || parseMode === "" || parseMode === null) parsed = { text: raw, entities: [] };
  else if (typeof parseMode === "string" && parseMode.toLowerCase() === "html") parsed = parseHtml(raw);
  else if (typeof parseMode === "string" && parseMode.toLowerCase() === "markdownv2") parsed = parseMarkdownV2(raw);
  else if (typeof parseMode === "string" && parseMode.toLowerCase() === "markdown") parsed = parseMarkdownLegacy(raw);
  else throw badRequest("unsupported parse_mode");
  const trimmed = trim(parsed);
  const auto = explicit === undefined ? detectEntities(trimmed.text, trimmed.entities) : [];
  return { text: trimmed.text, entities: sortEntities([...trimmed.entities, ...auto]) };
}

function trim({ text, entities }: FormattedText): FormattedText {
  const lead = text.length - text.trimStart().length;
  const body = text.trim();
  const out: MessageEntity[] = [];
  for (const e of entities) {
    const start = Math.max(0, e.offset - lead);
    const end = Math.min(body.length, e.offset + e.length - lead);
    if (end > start) out.push({ ...e, offset: start, length: end - start });
  }
  return { text: body, entities: out };
}

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

/** Adds the entities Telegram detects by itself in plain text: /commands, @mentions, #hashtags, URLs. */
function detectEntities(text: string, existing: MessageEntity[]): MessageEntity[] {
  const blocked = existing.filter((e) => e.type === "code" || e.type === "pre" || e.type === "text_link");
  const overlaps = (o: number, l: number) => blocked.some((e) => o < e.offset + e.length && e.offset < o + l);
  const found: MessageEntity[] = [];
  const patterns: Array<[MessageEntity["type"], RegExp]> = [
    ["url", /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g],
    ["bot_command", /(?<![\w/@])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])/g],
    ["mention", /(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)/g],
    ["hashtag", /(?<![\w#/])#[\p{L}_][\p{L}\p{N}_]*/gu],
  ];
  for (const [type, re] of patterns) {
    for (const m of text.matchAll(re)) {
      const offset = m.index ?? 0;
      const length = m[0].length;
      if (overlaps(offset, length) || found.some((e) => offset < e.offset + e.length && e.offset < offset + length)) continue;
      found.push({ type, offset, length } as MessageEntity);
    }
  }
  return found;
}



