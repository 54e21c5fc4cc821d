import { parseJakartaDate } from "../../../shop/catalog/admin/input.js";

/** WIB is UTC+7 all year (no daylight saving). */
const WIB_OFFSET_MS = 7 * 3_600_000;

export type ScheduleInput = { ok: true; at: Date } | { ok: false; reason: "format" | "past" };

const pad = (n: number | string) => String(n).padStart(2, "0");

/** Days after today a word names ("besok 09:00", "tomorrow 09:00", a bare "09:00" is today). */
const DAY_WORDS: Record<string, number> = { "": 0, "hari ini": 0, today: 0, besok: 1, tomorrow: 1, lusa: 2 };

/**
 * When to send a scheduled broadcast, typed in Jakarta time (WIB): "2026-12-24 09:00",
 * "24/12 09:00", "24/12/2026 09:00", "besok 09:00" / "tomorrow 09:00", "lusa 09:00", "hari ini
 * 18:00" / "today 18:00" or just "18:00" (today); "09.00" works as well as "09:00", a trailing
 * "WIB" is ignored. A day and month without a year is the next such day (today included). A
 * time that has already passed is refused, not moved.
 */
export function parseScheduleTime(text: string, now: Date = new Date()): ScheduleInput {
  const s = text.trim().toLowerCase().replace(/\s+/g, " ").replace(/ ?wib$/, "");
  // The WIB wall clock of `now`, read through the UTC getters.
  const wall = new Date(now.getTime() + WIB_OFFSET_MS);
  const today = wall.toISOString().slice(0, 10);
  let day: string | undefined;
  let hh: string | undefined;
  let mm: string | undefined;

  let m = /^(\d{4}-\d{2}-\d{2})[ t](\d{1,2})[:.](\d{2})$/.exec(s);
  if (m) [, day, hh, mm] = m;
  m ??= /^(\d{1,2})\/(\d{1,2})(?:\/(\d{4}))? (\d{1,2})[:.](\d{2})$/.exec(s);
  if (m && !day) {
    const [, d, mo, y] = m;
    const year = y ?? String(wall.getUTCFullYear());
    day = `${year}-${pad(mo!)}-${pad(d!)}`;
    // "02/01" typed in late December means next January.
    if (!y && day < today) day = `${wall.getUTCFullYear() + 1}-${pad(mo!)}-${pad(d!)}`;
    [hh, mm] = [m[4], m[5]];
  }
  m ??= /^(?:(hari ini|today|besok|tomorrow|lusa) ?)?(\d{1,2})[:.](\d{2})$/.exec(s);
  if (m && !day) {
    const shift = DAY_WORDS[m[1] ?? ""] ?? 0;
    day = new Date(wall.getTime() + shift * 86_400_000).toISOString().slice(0, 10);
    [hh, mm] = [m[2], m[3]];
  }
  if (!day || hh === undefined || mm === undefined) return { ok: false, reason: "format" };
  const parsed = parseJakartaDate(`${day} ${pad(hh)}:${mm}`);
  if (!parsed.ok) return { ok: false, reason: "format" };
  if (parsed.value.getTime() <= now.getTime()) return { ok: false, reason: "past" };
  return { ok: true, at: parsed.value };
}
