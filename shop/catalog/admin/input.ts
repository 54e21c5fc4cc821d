/**
 * What staff type into the chat, read strictly: a value or the reason it is not one. Nothing is
 * changed on a bad answer; the bot shows the reason and asks again.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: InputError };

export type InputError = "not_amount" | "amount_range" | "not_number" | "number_range" | "not_date" | "not_text" | "text_long" | "not_list" | "not_code";

/** Highest rupiah amount a price, cap or minimum may be (inside Postgres' integer). */
export const MAX_IDR = 1_000_000_000;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const err = <T>(error: InputError): Parsed<T> => ({ ok: false, error });

/** "75000", "75.000", "Rp 75.000", "75,000" → 75000 (whole rupiah, 1..MAX_IDR). */
export function parseRupiah(text: string): Parsed<number> {
  const cleaned = text.trim().replace(/^rp\.?\s*/i, "").replace(/[.,\s]/g, "");
  if (!/^\d{1,12}$/.test(cleaned)) return err("not_amount");
  const value = Number(cleaned);
  return value >= 1 && value <= MAX_IDR ? ok(value) : err("amount_range");
}

/** A whole number in [min, max]. */
export function parseWhole(text: string, min: number, max: number): Parsed<number> {
  const cleaned = text.trim().replace(/[.\s]/g, "");
  if (!/^\d{1,10}$/.test(cleaned)) return err("not_number");
  const value = Number(cleaned);
  return value >= min && value <= max ? ok(value) : err("number_range");
}

/** Whole numbers separated by commas or spaces ("1, 3, 12"), each in [min, max], no repeats. */
export function parseWholeList(text: string, min: number, max: number): Parsed<number[]> {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > 50) return err("not_list");
  const values: number[] = [];
  for (const part of parts) {
    const one = parseWhole(part, min, max);
    if (!one.ok) return err(one.error === "number_range" ? "number_range" : "not_list");
    if (!values.includes(one.value)) values.push(one.value);
  }
  return ok(values.sort((a, b) => a - b));
}

const JAKARTA_OFFSET = "+07:00";

/**
 * A date the shop's way, in Jakarta time (WIB): "2026-12-31" (00:00) or "2026-12-31 18:30".
 * `endOfDay` reads a bare date as the end of that day (a window that "ends on the 31st").
 */
export function parseJakartaDate(text: string, opts: { endOfDay?: boolean } = {}): Parsed<Date> {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2})[:.](\d{2}))?$/.exec(text.trim());
  if (!m) return err("not_date");
  const [, y, mo, d, h, mi] = m;
  const time = h !== undefined ? `${h}:${mi}:00` : opts.endOfDay ? "23:59:59" : "00:00:00";
  const date = new Date(`${y}-${mo}-${d}T${time}${JAKARTA_OFFSET}`);
  if (Number.isNaN(date.getTime())) return err("not_date");
  // Rejects 2026-02-31 (Date rolls it over to March instead of failing).
  const back = new Date(date.getTime() + 7 * 3600_000).toISOString();
  if (back.slice(0, 10) !== `${y}-${mo}-${d}`) return err("not_date");
  if (h !== undefined && back.slice(11, 16) !== `${h}:${mi}`) return err("not_date");
  return ok(opts.endOfDay && h === undefined ? new Date(date.getTime() + 1000) : date);
}

/** Trimmed, printable text of 1..max characters. */
export function parseText(text: string, max: number): Parsed<string> {
  const value = text.trim().replace(/\s+/g, " ");
  if (value.length === 0 || /\p{Cc}/u.test(value)) return err("not_text");
  return value.length <= max ? ok(value) : err("text_long");
}

/** A coupon code: 3..32 letters, digits, "-" or "_", stored upper case. */
export function parseCode(text: string): Parsed<string> {
  const value = text.trim().toUpperCase();
  return /^[A-Z0-9_-]{3,32}$/.test(value) ? ok(value) : err("not_code");
}
