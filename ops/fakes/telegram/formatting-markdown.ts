import { type EntityDraft, type FormattedText, byteOffset, isSpace, makeEntity, normalizeUrl, parseError } from "./formatting-common.js";

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
