/**
 * Seeded inputs for the fuzz tests, so a failure reproduces: every run prints its seed, and
 * `SECURITY_FUZZ_SEED=<seed>` replays exactly the same inputs. mulberry32: tiny, fast, and good
 * enough to pick test inputs (not for anything secret).
 */
import { randomInt } from "node:crypto";

export interface Rng {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function seededRng(label: string): Rng {
  const fromEnv = process.env.SECURITY_FUZZ_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : randomInt(2 ** 31);
  console.log(`[${label}] fuzz seed ${seed} (replay: SECURITY_FUZZ_SEED=${seed})`);
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { seed, next, int, pick: (items) => items[int(0, items.length - 1)]!, chance: (p) => next() < p };
}

/** Numbers that break naive parsing: signs, overflow, floats, other radixes, padding. */
export const NASTY_NUMBERS = [
  "-1", "0", "-0", "00000001", "9007199254740993", "99999999999999999999", "1e309", "1.5", "0x10", "NaN", "Infinity", " 1", "2147483648", "-2147483649", "١٢",
];

/** A string of random code units: control characters, lone surrogates, multi-byte letters. */
export function randomText(rng: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const range = rng.pick([[0, 31], [32, 126], [127, 255], [0x400, 0x4ff], [0xd800, 0xdfff], [0x1f600, 0x1f64f]] as const);
    out += String.fromCodePoint(rng.int(range[0], range[1]));
  }
  return out;
}

/** Random JSON: wrong types, huge and fractional numbers, deep nesting, long strings, odd keys. */
export function randomJson(rng: Rng, depth = 0): unknown {
  const kinds = depth > 3 ? ["num", "str", "bool", "null", "nasty"] : ["num", "str", "bool", "null", "nasty", "arr", "obj", "obj"];
  switch (rng.pick(kinds)) {
    case "num":
      return rng.pick([rng.int(-1e6, 1e6), rng.next() * 1e308, -Number.MAX_VALUE, 2 ** 64, 0.1, -0]);
    case "str":
      return rng.chance(0.1) ? "x".repeat(rng.int(1000, 20_000)) : randomText(rng, rng.int(0, 40));
    case "bool":
      return rng.chance(0.5);
    case "null":
      return null;
    case "nasty":
      return rng.pick(NASTY_NUMBERS);
    case "arr":
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth + 1));
    default: {
      const keys = ["reference", "merchant_ref", "status", "total_amount", "order_id", "gross_amount", "signature_key", "status_code", "transaction_status", "__proto__", "constructor", "update_id", "message", "callback_query", "from", "chat", "data", randomText(rng, 6)];
      return Object.fromEntries(Array.from({ length: rng.int(0, 8) }, () => [rng.pick(keys), randomJson(rng, depth + 1)]));
    }
  }
}

/** `[[[…]]]` nested `levels` deep: a parser that recurses per level must not fall over. */
export function deeplyNested(levels: number): string {
  return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}
