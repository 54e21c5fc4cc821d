/**
 * Where a reseller's webhooks may go (shop/events/webhook-url.ts): https to public hosts only,
 * checked on the addresses the name resolves to (a public-looking name pointing at 10.0.0.5 or
 * the cloud metadata address is refused); WEBHOOK_ALLOW_PRIVATE lifts both rules.
 */
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isPrivateAddress } from "../../shop/events/webhook-url.js";

const strict = { allowPrivate: false };
const resolveTo = (...addresses: string[]) => async () => addresses;

describe("webhook URL policy", () => {
  it("accepts https to a host that resolves to public addresses only", async () => {
    expect(await checkWebhookUrl(" https://hooks.example.com/shop?x=1 ", strict, resolveTo("93.184.216.34", "2606:2800:220:1::248"))).toEqual({ ok: true, url: "https://hooks.example.com/shop?x=1" });
  });

  it("refuses plain http, odd schemes, credentials and junk", async () => {
    const pub = resolveTo("93.184.216.34");
    expect(await checkWebhookUrl("http://hooks.example.com/", strict, pub)).toEqual({ ok: false, reason: "not_https" });
    for (const raw of ["ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "not a url", "", `https://example.com/${"a".repeat(2100)}`]) {
      expect(await checkWebhookUrl(raw, strict, pub)).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("refuses loopback, private, link-local and metadata hosts, literal or resolved", async () => {
    for (const raw of ["https://127.0.0.1/", "https://10.1.2.3/", "https://[::1]/", "https://169.254.169.254/latest", "https://localhost/", "https://[::ffff:192.168.1.1]/"]) {
      expect((await checkWebhookUrl(raw, strict, resolveTo("93.184.216.34"))).ok, raw).toBe(false);
    }
    expect(await checkWebhookUrl("https://sneaky.example.com/", strict, resolveTo("93.184.216.34", "10.0.0.5"))).toEqual({ ok: false, reason: "private_host" });
    expect(await checkWebhookUrl("https://gone.example.com/", strict, async () => Promise.reject(new Error("ENOTFOUND")))).toEqual({ ok: false, reason: "unresolvable" });
  });

  it("knows the private ranges", () => {
    for (const a of ["10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.0.1", "100.64.0.1", "127.0.0.1", "0.0.0.0", "169.254.1.1", "224.0.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "::7f00:1", "2002:7f00:1::", "64:ff9b:1::a00:1"]) expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ["8.8.8.8", "172.32.0.1", "93.184.216.34", "2606:4700::1111"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  it("with WEBHOOK_ALLOW_PRIVATE: http and loopback are fine (tests, local development)", async () => {
    expect(await checkWebhookUrl("http://127.0.0.1:8080/hook", { allowPrivate: true })).toEqual({ ok: true, url: "http://127.0.0.1:8080/hook" });
  });
});
