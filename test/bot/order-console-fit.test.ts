/** The orders console's `fit`: a drill-in too long for one message is cut at whole lines, so its HTML stays whole. */
import { describe, expect, it } from "vitest";
import { fit } from "../../bot/features/order-console.feature.js";

const balanced = (s: string) => (s.match(/<code>/g)?.length ?? 0) === (s.match(/<\/code>/g)?.length ?? 0);

describe("fit", () => {
  const title = "<b>Audit ORD-1</b>";
  const entries = Array.from({ length: 40 }, (_, i) => `12:0${i % 10} · <b>order.note</b> · @rina\n   <code>{"note":"row ${i} ${"&amp;".repeat(30)}"}</code>`);
  const text = [title, ...entries].join("\n");

  it("leaves a short text alone", () => {
    expect(fit("<b>x</b>")).toBe("<b>x</b>");
  });

  it("drops the last lines, never cutting inside a tag or an entity", () => {
    const out = fit(text);
    expect(out.length).toBeLessThanOrEqual(4000);
    expect(out.startsWith(title)).toBe(true);
    expect(balanced(out)).toBe(true);
    expect(out.endsWith("\n…")).toBe(true);
    expect(out).toContain("row 0 ");
  });

  it("from the start: keeps the title and the newest entries, whole", () => {
    const out = fit(text, "start");
    expect(out.length).toBeLessThanOrEqual(4000);
    expect(out.startsWith(`${title}\n…\n12:`)).toBe(true);
    expect(balanced(out)).toBe(true);
    expect(out).toContain("row 39 ");
    expect(out).not.toContain("row 0 ");
  });
});
