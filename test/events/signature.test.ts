/**
 * The webhook signature as a reseller checks it (shop/events/signature.ts): the header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, computed here independently
 * with node:crypto; a changed body, another secret, an old timestamp or a mangled header fail.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "../../shop/events/signature.js";

const secret = "whsec_test-secret";
const body = JSON.stringify({ id: "evt_1", type: "vps.active", created_at: "2026-12-04T10:00:00.000Z", data: { instance_id: 7 } });
const t = 1_796_000_000;

describe("webhook signature", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it("verifies its own header within the tolerance, either side", () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 299)).toEqual({ ok: true, t });
    expect(verifyWebhookSignature(secret, header, body, 300, t - 299)).toEqual({ ok: true, t });
  });

  it("refuses another body, another secret, an old timestamp and a mangled header", () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace("7", "8"), 300, t)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhookSignature("whsec_other", header, body, 300, t)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhookSignature(secret, header, body, 300, t + 301)).toEqual({ ok: false, reason: "too_old" });
    // The timestamp is signed: moving it forward breaks the signature, not just the window.
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toEqual({ ok: false, reason: "mismatch" });
    for (const bad of [undefined, "", "v1=abc", `t=${t}`, `t=x,v1=${"0".repeat(64)}`, `t=${t},v1=zz`]) {
      expect(verifyWebhookSignature(secret, bad, body, 300, t)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("accepts any of several v1 values (a secret being rotated)", () => {
    const oldSig = signWebhook("whsec_old", body, t).split(",")[1]!;
    const header = `${signWebhook(secret, body, t)},${oldSig}`;
    expect(verifyWebhookSignature(secret, header, body, 300, t).ok).toBe(true);
    expect(verifyWebhookSignature("whsec_old", header, body, 300, t).ok).toBe(true);
  });
});
