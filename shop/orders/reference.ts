import { randomInt } from "node:crypto";

// No 0/O/1/I/L: references are read aloud and typed from screenshots.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/** A human-friendly order reference such as `ORD-20261121-7KQ2M` (Jakarta date). */
export function newOrderReference(now = new Date(), prefix = "ORD"): string {
  const jakarta = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10).replaceAll("-", "");
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${prefix}-${jakarta}-${suffix}`;
}
