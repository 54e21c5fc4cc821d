import { timingSafeEqual } from "node:crypto";

/**
 * Compares a received hex signature with the expected one in constant time.
 *
 * Why not `===`: a string compare stops at the first differing character, which
 * leaks how much of a forged signature is right. `timingSafeEqual` throws on
 * length mismatch, so malformed input (wrong length, non-hex, missing, an array
 * from a repeated header) returns false first; a signature's length is public.
 */
export function hexSignatureEquals(expectedHex: string, received: unknown): boolean {
  if (typeof received !== "string") return false;
  const candidate = received.trim().toLowerCase();
  if (candidate.length !== expectedHex.length || !/^[0-9a-f]+$/.test(candidate) || candidate.length % 2 !== 0) return false;
  const a = Buffer.from(expectedHex.toLowerCase(), "hex");
  const b = Buffer.from(candidate, "hex");
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(a, b);
}
