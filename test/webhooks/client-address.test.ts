/**
 * clientAddress behind a load balancer on another machine (TRUSTED_PROXIES): the per-address
 * limits (Mini App launches, refused API keys) must count the customer, not the load balancer,
 * and a client must still not be able to pick its own address.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shop/platform/config.js";
import { clientAddress, trustedProxies, type AppEnv } from "../../webhooks/http.js";

function app(list: string[]) {
  const trusted = trustedProxies(list);
  const a = new Hono<AppEnv>();
  a.use("*", async (c, next) => {
    c.set("trustedProxy", trusted);
    await next();
  });
  a.get("/", (c) => c.text(clientAddress(c)));
  return a;
}
const seen = async (a: Hono<AppEnv>, xff: string) => (await a.request("/", { headers: { "x-forwarded-for": xff } })).text();

describe("trusted proxies", () => {
  it("loopback always; listed addresses and ranges, IPv4 and IPv6, IPv4-mapped too; nothing else", () => {
    const t = trustedProxies(["10.0.0.5", "10.0.1.0/24", "fd00::/8"]);
    for (const yes of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.5", "10.0.1.77", "::ffff:10.0.1.77", "fd12::1"]) expect(t(yes), yes).toBe(true);
    for (const no of ["10.0.0.6", "10.0.2.1", "203.0.113.9", "2001:db8::1", "not-an-ip", ""]) expect(t(no), no).toBe(false);
  });

  it("the client is the right-most forwarded address that is not a trusted proxy", async () => {
    const lb = app(["10.0.0.5"]);
    // Caddy on the load balancer appended what it saw; the app host's own Caddy appended the LB.
    expect(await seen(lb, "203.0.113.9, 10.0.0.5")).toBe("203.0.113.9");
    // A client that writes the header itself cannot choose: its own entry sits further left.
    expect(await seen(lb, "198.51.100.1, 203.0.113.9, 10.0.0.5")).toBe("203.0.113.9");
    // Without TRUSTED_PROXIES the load balancer is the client (the old behaviour, one limit for all).
    expect(await seen(app([]), "203.0.113.9, 10.0.0.5")).toBe("10.0.0.5");
  });

  it("TRUSTED_PROXIES is checked at start-up", () => {
    const base = { TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379", DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };
    expect(loadConfig({ ...base, TRUSTED_PROXIES: "10.0.0.5, 10.0.1.0/24,fd00::/8" }).http.trustedProxies).toEqual(["10.0.0.5", "10.0.1.0/24", "fd00::/8"]);
    expect(() => loadConfig({ ...base, TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ ...base, TRUSTED_PROXIES: "lb.internal" })).toThrow(/TRUSTED_PROXIES/);
  });
});
