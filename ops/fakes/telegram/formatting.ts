import type { MessageEntity } from "grammy/types";
import { badRequest, type TelegramApiError } from "./errors.js";

/** Plain text plus entities: what Telegram stores after parsing HTML/Markdown. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

type EntityDraft = { type: string; offset: number; length: number; url?: string; language?: string; custom_emoji_id?: string };

const byteOffset = (src: string, pos: number): number => Buffer.byteLength(src.slice(0, pos), "utf8");
const isSpace = (c: string | undefined): boolean => c === " " || c === "\n" || c === "\r" || c === "\t";
const parseError = (message: string): TelegramApiError => badRequest(`can't parse entities: ${message}`);

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

function makeEntity(d: EntityDraft): MessageEntity {
  const e: Record<string, unknown> = { type: d.type, offset: d.offset, length: d.length };
  if (d.url !== undefined) e.url = d.url;
  if (d.language !== undefined && d.language !== "") e.language = d.language;
  if (d.custom_emoji_id !== undefined) e.custom_emoji_id = d.custom_emoji_id;
  return e as unknown as MessageEntity;
}

/** Telegram's link check, simplified: a scheme-less host gets "http://", junk is rejected. */
function normalizeUrl(url: string): string | undefined {
  const u = url.trim();
  if (u === "") return undefined;
  if (/^tg:\/\//i.test(u)) return u;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`;
  try {
    const parsed = new URL(withScheme);
    if (!["http:", "https:", "ftp:"].includes(parsed.protocol)) return undefined;
    if (parsed.hostname === "") return undefined;
    return withScheme;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- HTML

const HTML_TAGS = new Set([
  "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
  "span", "pre", "code", "blockquote",
]);

function decodeHtmlEntity(src: string, i: number): { char: string; end: number } | undefined {
  const semi = src.indexOf(";", i);
  if (semi < 0 || semi - i > 10) return undefined;
  const name = src.slice(i + 1, semi);
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  if (named[name] !== undefined) return { char: named[name], end: semi + 1 };
  let code: number | undefined;
  if (/^#[0-9]+$/.test(name)) code = Number.parseInt(name.slice(1), 10);
  else if (/^#x[0-9a-f]+$/i.test(name)) code = Number.parseInt(name.slice(2), 16);
  if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { char: String.fromCodePoint(code), end: semi + 1 };
}

/** Parses Telegram-flavoured HTML exactly as strictly as the Bot API (same error texts and byte offsets). */
export function parseHtml(src: string): FormattedText {
  let out = "";
  const entities: EntityDraft[] = [];
  const stack: Array<{ tag: string; arg: string; offset: number; expandable: boolean }> = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === "&") {
      const dec = decodeHtmlEntity(src, i);
      if (dec !== undefined) {
        out += dec.char;
        i = dec.end;
        continue;
      }
    }
    if (c !== "<") {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    i++;
    if (src[i] !== "/") {
      while (i < src.length && !isSpace(src[i]) && src[i] !== ">") i++;
      if (i >= src.length) throw parseError(`Unclosed start tag at byte offset ${byteOffset(src, begin)}`);
      const tag = src.slice(begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) throw parseError(`Unsupported start tag "${tag}" at byte offset ${byteOffset(src, begin)}`);
      let arg = "";
      let expandable = false;
      while (src[i] !== ">") {
        while (i < src.length && isSpace(src[i])) i++;
        if (i >= src.length) throw parseError(`Unclosed start tag "${tag}" at byte offset ${byteOffset(src, begin)}`);
        if (src[i] === ">") break;
        const nameStart = i;
        while (i < src.length && !isSpace(src[i]) && src[i] !== "=" && src[i] !== ">") i++;
        const attr = src.slice(nameStart, i).toLowerCase();
        if (attr === "") throw parseError(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(src, begin)}`);
        while (i < src.length && isSpace(src[i])) i++;
        if (i >= src.length) throw parseError(`Unclosed start tag "${tag}" at byte offset ${byteOffset(src, begin)}`);
        if (src[i] !== "=") {
          if (tag === "blockquote" && attr === "expandable") expandable = true;
          continue;
        }
        i++;
        while (i < src.length && isSpace(src[i])) i++;
        if (i >= src.length) throw parseError(`Unclosed start tag at byte offset ${byteOffset(src, begin)}`);
        let value = "";
        const q = src[i];
        if (q !== "'" && q !== '"') {
          const tokenStart = i;
          while (i < src.length && /[A-Za-z0-9.-]/.test(src[i] as string)) i++;
          value = src.slice(tokenStart, i).toLowerCase();
          if (!isSpace(src[i]) && src[i] !== ">") {
            throw parseError(`Unexpected end of name token at byte offset ${byteOffset(src, tokenStart)}`);
          }
        } else {
          i++;
          while (i < src.length && src[i] !== q) {
            if (src[i] === "&") {
              const dec = decodeHtmlEntity(src, i);
              if (dec !== undefined) {
                value += dec.char;
                i = dec.end;
                continue;
              }
            }
            value += src[i];
            i++;
          }
          if (src[i] === q) i++;
        }
        if (i >= src.length) throw parseError(`Unclosed start tag at byte offset ${byteOffset(src, begin)}`);
        if (tag === "a" && attr === "href") arg = value;
        else if (tag === "code" && attr === "class" && value.startsWith("language-")) arg = value.slice(9);
        else if (tag === "span" && attr === "class" && value.startsWith("tg-")) arg = value.slice(3);
        else if (tag === "tg-emoji" && attr === "emoji-id") arg = value;
      }
      if (tag === "span" && arg !== "spoiler") {
        throw parseError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(src, begin)}`);
      }
      if (tag === "tg-emoji" && !/^[0-9]+$/.test(arg)) {
        throw parseError(`Invalid custom emoji identifier specified at byte offset ${byteOffset(src, begin)}`);
      }
      stack.push({ tag, arg, offset: out.length, expandable });
      i++; // skip '>'
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) throw parseError(`Unexpected end tag at byte offset ${byteOffset(src, begin)}`);
      i++;
      while (i < src.length && !isSpace(src[i]) && src[i] !== ">") i++;
      const endTag = src.slice(begin + 2, i).toLowerCase();
      while (i < src.length && isSpace(src[i])) i++;
      if (src[i] !== ">") throw parseError(`Unclosed end tag at byte offset ${byteOffset(src, begin)}`);
      if (endTag !== "" && endTag !== top.tag) {
        throw parseError(
          `Unmatched end tag at byte offset ${byteOffset(src, begin)}, expected "</${top.tag}>", found "</${endTag}>"`,
        );
      }
      stack.pop();
      i++;
      const length = out.length - top.offset;
      if (length > 0) closeHtmlEntity(top, length, out, entities);
    }
  }
  const open = stack[stack.length - 1];
  if (open !== undefined) throw parseError(`Can't find end tag corresponding to start tag "${open.tag}"`);
  return { text: out, entities: entities.map(makeEntity) };
}

function closeHtmlEntity(
  top: { tag: string; arg: string; offset: number; expandable: boolean },
  length: number,
  out: string,
  entities: EntityDraft[],
): void {
  const at = { offset: top.offset, length };
  switch (top.tag) {
    case "b":
    case "strong":
      entities.push({ type: "bold", ...at });
      return;
    case "i":
    case "em":
      entities.push({ type: "italic", ...at });
      return;
    case "u":
    case "ins":
      entities.push({ type: "underline", ...at });
      return;
    case "s":
    case "strike":
    case "del":
      entities.push({ type: "strikethrough", ...at });
      return;
    case "tg-spoiler":
    case "span":
      entities.push({ type: "spoiler", ...at });
      return;
    case "tg-emoji":
      entities.push({ type: "custom_emoji", ...at, custom_emoji_id: top.arg });
      return;
    case "blockquote":
      entities.push({ type: top.expandable ? "expandable_blockquote" : "blockquote", ...at });
      return;
    case "code":
      entities.push({ type: "code", ...at, language: top.arg });
      return;
    case "pre": {
      // <pre><code class="language-x">…</code></pre> becomes one pre entity with a language.
      const inner = entities.findIndex((e) => e.type === "code" && e.offset === at.offset && e.length === at.length);
      const language = inner >= 0 ? entities[inner]?.language : undefined;
      if (inner >= 0) entities.splice(inner, 1);
      entities.push({ type: "pre", ...at, language: language ?? "" });
      return;
    }
    case "a": {
      const url = normalizeUrl(top.arg === "" ? out.slice(at.offset) : top.arg);
      if (url !== undefined) entities.push({ type: "text_link", ...at, url });
      return;
    }
  }
}

// ---------------------------------------------------------------- MarkdownV2

const MDV2_NAMES: Record<string, string> = {
  bold: "Bold", italic: "Italic", underline: "Underline", strikethrough: "Strikethrough", spoiler: "Spoiler",
  code: "Code", pre: "Pre", text_link: "TextUrl", custom_emoji: "CustomEmoji",
};

/** Parses MarkdownV2 with Telegram's rules, including the infamous "Character '.' is reserved" error. */
export function parseMarkdownV2(src: string): FormattedText {
  let out = "";
  const entities: EntityDraft[] = [];
  const stack: Array<{ type: string; arg: string; offset: number; byte: number }> = [];
  let quoteStart: number | undefined;
  let expandableQuote = false;
  const closeQuote = () => {
    if (quoteStart !== undefined && out.length > quoteStart) {
      let end = out.length;
      while (end > quoteStart && out[end - 1] === "\n") end--;
      entities.push({ type: expandableQuote ? "expandable_blockquote" : "blockquote", offset: quoteStart, length: end - quoteStart });
    }
    quoteStart = undefined;
    expandableQuote = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    const atLineStart = i === 0 || src[i - 1] === "\n";
    if (atLineStart && stack.length === 0) {
      if (c === ">" || (c === "*" && src.startsWith("**>", i))) {
        if (quoteStart === undefined) quoteStart = out.length;
        if (c === "*") {
          expandableQuote = true;
          i += 2;
        }
        continue;
      }
      if (quoteStart !== undefined) closeQuote();
    }
    if (c === "|" && src.startsWith("||", i) && quoteStart !== undefined && expandableQuote && (src[i + 2] === "\n" || i + 2 === src.length) && stack.length === 0) {
      i += 1;
      continue;
    }
    const next = src.charCodeAt(i + 1);
    if (c === "\\" && next > 0 && next <= 126) {
      i++;
      out += src[i];
      continue;
    }
    const top = stack[stack.length - 1];
    const reserved = top !== undefined && (top.type === "code" || top.type === "pre") ? "`" : "_*[]()~`>#+-=|{}.!";
    if (!reserved.includes(c)) {
      out += c;
      continue;
    }
    let isEnd = false;
    if (top !== undefined) {
      switch (top.type) {
        case "bold": isEnd = c === "*"; break;
        case "italic": isEnd = c === "_" && src[i + 1] !== "_"; break;
        case "code": isEnd = c === "`"; break;
        case "pre": isEnd = c === "`" && src[i + 1] === "`" && src[i + 2] === "`"; break;
        case "text_link": isEnd = c === "]"; break;
        case "underline": isEnd = c === "_" && src[i + 1] === "_"; break;
        case "strikethrough": isEnd = c === "~"; break;
        case "spoiler": isEnd = c === "|" && src[i + 1] === "|"; break;
        case "custom_emoji": isEnd = c === "]"; break;
      }
    }
    const reservedError = () =>
      parseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    if (!isEnd) {
      const byte = byteOffset(src, i);
      let type: string;
      let arg = "";
      switch (c) {
        case "_":
          if (src[i + 1] === "_") {
            type = "underline";
            i++;
          } else type = "italic";
          break;
        case "*": type = "bold"; break;
        case "~": type = "strikethrough"; break;
        case "|":
          if (src[i + 1] !== "|") throw reservedError();
          i++;
          type = "spoiler";
          break;
        case "[": type = "text_link"; break;
        case "`":
          if (src[i + 1] === "`" && src[i + 2] === "`") {
            i += 3;
            type = "pre";
            let langEnd = i;
            while (langEnd < src.length && !isSpace(src[langEnd]) && src[langEnd] !== "`") langEnd++;
            if (i !== langEnd && langEnd < src.length && src[langEnd] !== "`") {
              arg = src.slice(i, langEnd);
              i = langEnd;
            }
            if (src[i] === "\n" || src[i] === "\r") {
              if ((src[i + 1] === "\n" || src[i + 1] === "\r") && src[i] !== src[i + 1]) i += 2;
              else i++;
            }
            i--;
          } else type = "code";
          break;
        case "!":
          if (src[i + 1] === "[") {
            i++;
            type = "custom_emoji";
            break;
          }
          throw reservedError();
        default:
          throw reservedError();
      }
      stack.push({ type, arg, offset: out.length, byte });
      continue;
    }
    const open = stack.pop() as { type: string; arg: string; offset: number; byte: number };
    let skip = out.length === open.offset;
    let url: string | undefined;
    switch (open.type) {
      case "underline":
      case "spoiler":
        i++;
        break;
      case "pre":
        i += 2;
        break;
      case "text_link":
      case "custom_emoji": {
        let target = "";
        if (src[i + 1] !== "(") {
          target = out.slice(open.offset);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < src.length && src[i] !== ")") {
            const n = src.charCodeAt(i + 1);
            if (src[i] === "\\" && n > 0 && n <= 126) {
              target += src[i + 1];
              i += 2;
              continue;
            }
            target += src[i];
            i++;
          }
          if (src[i] !== ")") throw parseError(`Can't find end of a URL at byte offset ${byteOffset(src, urlBegin)}`);
        }
        if (open.type === "custom_emoji") {
          const m = /^tg:\/\/emoji\?id=([0-9]+)$/.exec(target);
          if (m === null) throw parseError(`Custom emoji URL must have an emoji identifier`);
          url = m[1];
        } else {
          url = normalizeUrl(target);
          if (url === undefined) skip = true;
        }
        break;
      }
    }
    if (!skip) {
      const d: EntityDraft = { type: open.type, offset: open.offset, length: out.length - open.offset };
      if (open.type === "text_link") d.url = url;
      if (open.type === "custom_emoji") d.custom_emoji_id = url;
      if (open.type === "pre") d.language = open.arg;
      entities.push(d);
    }
  }
  const open = stack[stack.length - 1];
  if (open !== undefined) {
    throw parseError(`Can't find end of ${MDV2_NAMES[open.type] ?? open.type} entity at byte offset ${open.byte}`);
  }
  closeQuote();
  return { text: out, entities: entities.map(makeEntity) };
}

// ---------------------------------------------------------------- legacy Markdown

/** Parses the legacy "Markdown" mode, including its "Can't find end of the entity" error on stray `_`. */
export function parseMarkdownLegacy(src: string): FormattedText {
  let out = "";
  const entities: EntityDraft[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === "\\" && "_*`[".includes(src[i + 1] ?? "\0")) {
      i++;
      out += src[i];
      continue;
    }
    if (c !== "_" && c !== "*" && c !== "`" && c !== "[") {
      out += c;
      continue;
    }
    const begin = i;
    const endChar = c === "[" ? "]" : c;
    let isPre = false;
    let language = "";
    i++;
    if (c === "`" && src[i] === "`" && src[i + 1] === "`") {
      i += 2;
      isPre = true;
      let langEnd = i;
      while (langEnd < src.length && !isSpace(src[langEnd]) && src[langEnd] !== "`") langEnd++;
      if (i !== langEnd && langEnd < src.length && src[langEnd] !== "`") {
        language = src.slice(i, langEnd);
        i = langEnd;
      }
      if (src[i] === "\n" || src[i] === "\r") i++;
    }
    const offset = out.length;
    while (i < src.length && (src[i] !== endChar || (isPre && !(src[i + 1] === "`" && src[i + 2] === "`")))) {
      out += src[i];
      i++;
    }
    if (i >= src.length) {
      throw parseError(`Can't find end of the entity starting at byte offset ${byteOffset(src, begin)}`);
    }
    const length = out.length - offset;
    if (c === "[") {
      let url = out.slice(offset);
      if (src[i + 1] === "(") {
        const close = src.indexOf(")", i + 2);
        if (close >= 0) {
          url = src.slice(i + 2, close);
          i = close;
        }
      }
      const normalized = normalizeUrl(url);
      if (length > 0 && normalized !== undefined) entities.push({ type: "text_link", offset, length, url: normalized });
      continue;
    }
    if (length > 0) {
      if (c === "_") entities.push({ type: "italic", offset, length });
      else if (c === "*") entities.push({ type: "bold", offset, length });
      else if (isPre) entities.push({ type: "pre", offset, length, language });
      else entities.push({ type: "code", offset, length });
    }
    if (isPre) i += 2;
  }
  return { text: out, entities: entities.map(makeEntity) };
}
