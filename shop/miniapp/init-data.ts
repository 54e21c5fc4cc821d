import { createHmac, timingSafeEqual } from "node:crypto";
import type { TelegramProfile } from "../users/directory.js";

/**
 * Telegram's `initData` of a Mini App launch, checked as core.telegram.org/bots/webapps
 * ("Validating data received via the Mini App") says: the data-check-string is every received
 * field except `hash`, sorted by key, as `key=value` lines joined by "\n"; the secret key is
 * HMAC-SHA256 of the bot token keyed with "WebAppData"; `hash` is the hex HMAC-SHA256 of the
 * data-check-string with that key. Nothing in `initDataUnsafe` (the client's parsed copy) is trusted.
 */

export type InitDataRefusal = "missing" | "malformed" | "forged" | "expired" | "from_future" | "no_user";

export type VerifiedInitData =
  | { ok: true; user: TelegramProfile; authDate: Date; /** The signature (hex), to make each launch open one session. */ hash: string }
  | { ok: false; reason: InitDataRefusal };

/** A launch longer than this is not real (Telegram signs each launch when it opens the app). */
const MAX_INIT_DATA_CHARS = 8192;
/** Clock skew between Telegram and us that is still accepted for an auth_date ahead of our clock. */
const FUTURE_SKEW_S = 60;

const secretKey = (botToken: string): Buffer => createHmac("sha256", "WebAppData").update(botToken).digest();

/** The data-check-string of the fields (without `hash`), in Telegram's order. */
function dataCheckString(fields: Array<[string, string]>): string {
  return fields
    .filter(([key]) => key !== "hash")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
}

/** Signs fields the way Telegram does: the `initData` query string a launch would carry. Tests and the demo use it. */
export function signInitData(fields: Record<string, string>, botToken: string): string {
  const entries = Object.entries(fields).filter(([key]) => key !== "hash");
  const hash = createHmac("sha256", secretKey(botToken)).update(dataCheckString(entries)).digest("hex");
  return new URLSearchParams([...entries, ["hash", hash]]).toString();
}

function profileOf(raw: string | undefined): TelegramProfile | null {
  if (!raw) return null;
  try {
    const user = JSON.parse(raw) as { id?: unknown; first_name?: unknown; username?: unknown };
    if (typeof user.id !== "number" || !Number.isSafeInteger(user.id) || user.id <= 0) return null;
    const firstName = typeof user.first_name === "string" ? user.first_name : "";
    return { id: user.id, first_name: firstName, ...(typeof user.username === "string" ? { username: user.username } : {}) };
  } catch {
    return null;
  }
}

/**
 * Verifies a launch's `initData` with the bot token and the freshness window (`maxAgeS` after
 * `auth_date`). A field sent twice is refused as malformed: which copy was signed is ambiguous.
 */
export function verifyInitData(initData: string | undefined, botToken: string, opts: { maxAgeS: number; now?: Date }): VerifiedInitData {
  if (!initData) return { ok: false, reason: "missing" };
  if (initData.length > MAX_INIT_DATA_CHARS) return { ok: false, reason: "malformed" };
  const fields = [...new URLSearchParams(initData)];
  const byKey = new Map(fields);
  if (byKey.size !== fields.length) return { ok: false, reason: "malformed" };
  const given = byKey.get("hash");
  if (!given || !/^[0-9a-f]{64}$/i.test(given)) return { ok: false, reason: "malformed" };
  const expected = createHmac("sha256", secretKey(botToken)).update(dataCheckString(fields)).digest();
  if (!timingSafeEqual(expected, Buffer.from(given, "hex"))) return { ok: false, reason: "forged" };

  const authDate = Number(byKey.get("auth_date"));
  if (!Number.isSafeInteger(authDate) || authDate <= 0) return { ok: false, reason: "malformed" };
  const nowS = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (authDate > nowS + FUTURE_SKEW_S) return { ok: false, reason: "from_future" };
  if (nowS - authDate > opts.maxAgeS) return { ok: false, reason: "expired" };
  const user = profileOf(byKey.get("user"));
  if (!user) return { ok: false, reason: "no_user" };
  return { ok: true, user, authDate: new Date(authDate * 1000), hash: given.toLowerCase() };
}
