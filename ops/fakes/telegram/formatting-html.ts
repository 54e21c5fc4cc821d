import { type EntityDraft, type FormattedText, byteOffset, isSpace, makeEntity, normalizeUrl, parseError } from "./formatting-common.js";

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

