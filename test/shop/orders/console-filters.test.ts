/** What staff type after /order, read into a search filter (pure: no database). */
import { describe, expect, it } from "vitest";
import { jakartaDay, jakartaDaysAgo, parseOrderFilter } from "../../../shop/orders/console/filters.js";

describe("parseOrderFilter", () => {
  it("reads a reference, @username, a Telegram id, a name and keyed filters together", () => {
    expect(parseOrderFilter("ord-20261121-7kq2m")).toEqual({ ok: true, filter: { reference: "ORD-20261121-7KQ2M" } });
    expect(parseOrderFilter("@Budi_VPS status:gagal provider:do")).toEqual({ ok: true, filter: { username: "budi_vps", status: "PROVISIONING_FAILED", provider: "DIGITALOCEAN" } });
    expect(parseOrderFilter("123456789 status:PAYMENT_REVIEW")).toEqual({ ok: true, filter: { telegramId: "123456789", status: "PAYMENT_REVIEW" } });
    expect(parseOrderFilter("  Siti   Lestari provider:vultr ")).toEqual({ ok: true, filter: { name: "Siti Lestari", provider: "VULTR" } });
  });

  it("takes dates as whole Jakarta days: from midnight, up to (not including) the midnight after `to`", () => {
    const parsed = parseOrderFilter("from:2026-12-01 sampai:2026-12-31");
    expect(parsed).toEqual({ ok: true, filter: { from: new Date("2026-11-30T17:00:00Z"), to: new Date("2026-12-31T17:00:00Z") } });
    expect(jakartaDay("2026-02-30")).toBeNull();
    expect(jakartaDaysAgo(0, new Date("2026-12-03T18:30:00Z"))).toEqual(new Date("2026-12-03T17:00:00Z"));
    expect(jakartaDaysAgo(1, new Date("2026-12-03T16:59:00Z"))).toEqual(new Date("2026-12-01T17:00:00Z"));
  });

  it("refuses an unknown status or provider, an impossible date and a reversed range, by what was typed", () => {
    expect(parseOrderFilter("status:lunas")).toEqual({ ok: false, bad: "status:lunas" });
    expect(parseOrderFilter("provider:aws")).toEqual({ ok: false, bad: "provider:aws" });
    expect(parseOrderFilter("dari:2026-13-01")).toEqual({ ok: false, bad: "dari:2026-13-01" });
    expect(parseOrderFilter("from:2026-12-05 to:2026-12-01")).toEqual({ ok: false, bad: "from > to" });
  });
});
