/**
 * Money is integer rupiah everywhere. These helpers are the only place amounts
 * are turned into text, so every screen shows `Rp 150.000` the Indonesian way.
 */

/** Formats integer rupiah as `Rp 150.000` (dot thousands separator, no decimals). */
export function formatIdr(amount: number): string {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`rupiah amount must be a safe integer, got ${amount}`);
  const sign = amount < 0 ? "-" : "";
  const digits = Math.abs(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${sign}Rp ${digits}`;
}

/** Asserts an amount is a non-negative safe integer (guards every money boundary). */
export function assertRupiah(amount: number, what = "amount"): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${what} must be a non-negative integer rupiah, got ${amount}`);
  return amount;
}
