import { randomInt } from "node:crypto";

const LOWER = "abcdefghijkmnpqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
// Symbols that survive shells, cloud-init YAML and copy-paste from Telegram.
const SYMBOLS = "-_.+=@%";

/**
 * A strong root password (24 chars, every class present, no look-alike
 * characters). Providers with strength checks (Linode) accept it.
 */
export function generateRootPassword(length = 24): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  // Start with a letter: some panels and tools choke on a leading symbol.
  const first = chars.findIndex((c) => /[A-Za-z]/.test(c));
  [chars[0], chars[first]] = [chars[first]!, chars[0]!];
  return chars.join("");
}
