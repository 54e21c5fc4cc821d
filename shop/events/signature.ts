/**
 * The webhook signature, as resellers verify it:
 *
 *   X-Shop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a captured request cannot be replayed later than
 * the receiver's tolerance; `v1` names the scheme so a second one can be added beside it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Shop-Signature";

/** The header value for `body` sent at unix second `t`. */
export function signWebhook(secret: string, body: string, t: number): string {
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

export type SignatureCheck = { ok: true; t: number } | { ok: false; reason: "malformed" | "mismatch" | "too_old" };

/**
 * Checks a received `X-Shop-Signature` against the raw body (exactly the bytes received, before
 * any JSON parsing). `toleranceS` bounds how far the timestamp may be from `nowS` either way;
 * any `v1` value may match (several appear while a secret is being rotated).
 */
export function verifyWebhookSignature(secret: string, header: string | null | undefined, body: string, toleranceS = 300, nowS = Math.floor(Date.now() / 1000)): SignatureCheck {
  if (!header) return { ok: false, reason: "malformed" };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/.test(v)) candidates.push(v);
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(hmac(secret, t, body), "hex");
  if (!candidates.some((c) => timingSafeEqual(Buffer.from(c, "hex"), expected))) return { ok: false, reason: "mismatch" };
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, reason: "too_old" };
  return { ok: true, t };
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
}
