import { describe, expect, it } from "vitest";
import { formatText, parseHtml, parseMarkdownLegacy, parseMarkdownV2 } from "../../ops/fakes/telegram/formatting.js";

describe("fake Telegram formatting (parse_mode)", () => {
  it("HTML: entities, HTML escapes, UTF-16 offsets, pre+code language", () => {
    expect(parseHtml('😀 <b>bold <i>both</i></b> &lt;&amp;&gt; <a href="https://x.id/a?b=1&amp;c=2">link</a>')).toEqual({
      text: "😀 bold both <&> link",
      entities: [
        { type: "italic", offset: 8, length: 4 },
        { type: "bold", offset: 3, length: 9 },
        { type: "text_link", offset: 17, length: 4, url: "https://x.id/a?b=1&c=2" },
      ],
    });
    expect(parseHtml('<pre><code class="language-bash">ssh root@1.2.3.4</code></pre>').entities).toEqual([
      { type: "pre", offset: 0, length: 16, language: "bash" },
    ]);
  });

  it("HTML: the same errors Telegram gives", () => {
    expect(() => parseHtml("<b>open")).toThrow('Can\'t find end tag corresponding to start tag "b"');
    expect(() => parseHtml("<b>x</i>")).toThrow('Unmatched end tag at byte offset 4, expected "</b>", found "</i>"');
    expect(() => parseHtml("<br>")).toThrow('Unsupported start tag "br" at byte offset 0');
    expect(() => parseHtml("Rp 5 < 10")).toThrow('Unsupported start tag "" at byte offset 5');
  });

  it("MarkdownV2: entities, escapes, blockquotes and reserved characters", () => {
    expect(parseMarkdownV2("*b _i_* __u__ ~s~ ||sp|| `c` \\. [l](https://e.com)")).toEqual({
      text: "b i u s sp c . l",
      entities: [
        { type: "italic", offset: 2, length: 1 },
        { type: "bold", offset: 0, length: 3 },
        { type: "underline", offset: 4, length: 1 },
        { type: "strikethrough", offset: 6, length: 1 },
        { type: "spoiler", offset: 8, length: 2 },
        { type: "code", offset: 11, length: 1 },
        { type: "text_link", offset: 15, length: 1, url: "https://e.com" },
      ],
    });
    expect(parseMarkdownV2(">line 1\n>line 2\nafter").entities).toEqual([{ type: "blockquote", offset: 0, length: 13 }]);
    expect(() => parseMarkdownV2("IP: 1.2.3.4")).toThrow("Character '.' is reserved and must be escaped with the preceding '\\'");
    expect(() => parseMarkdownV2("*open")).toThrow("Can't find end of Bold entity at byte offset 0");
  });

  it("legacy Markdown: underscores in usernames break it, as on Telegram", () => {
    expect(() => parseMarkdownLegacy("hi user_name")).toThrow("Can't find end of the entity starting at byte offset 7");
    expect(parseMarkdownLegacy("*b* _i_").entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "italic", offset: 2, length: 1 },
    ]);
  });

  it("trims the text and auto-detects commands, mentions, hashtags and URLs", () => {
    expect(formatText("\n  /start@fake_shop_bot hi @budi_123 #promo https://t.me/x.  ", undefined, undefined)).toEqual({
      text: "/start@fake_shop_bot hi @budi_123 #promo https://t.me/x.",
      entities: [
        { type: "bot_command", offset: 0, length: 20 },
        { type: "mention", offset: 24, length: 9 },
        { type: "hashtag", offset: 34, length: 6 },
        { type: "url", offset: 41, length: 14 },
      ],
    });
    expect(() => formatText("x", "Markdown2", undefined)).toThrow("Bad Request: unsupported parse_mode");
  });
});
