const DAY_MS = 86_400_000;
const JAKARTA_MS = 7 * 3600_000;

/** Jakarta is UTC+7 all year (no DST); "today" for an Indonesian shop starts there. */
export function startOfJakartaDay(now: Date): Date {
  const shifted = new Date(now.getTime() + JAKARTA_MS);
  shifted.setUTCHours(0, 0, 0, 0);
  return new Date(shifted.getTime() - JAKARTA_MS);
}

/**
 * The days a report covers, in Jakarta days (UTC+7, no DST): `[from, to)` for the totals, and
 * the daily series (revenue, orders) over the `dailyDays` days ending at `to`, which may reach
 * further back than `from` (the weekly summary draws two weeks of bars and sums one).
 */
export interface StatsPeriod {
  from: Date;
  to: Date;
  dailyFrom: Date;
}

/** The last `days` Jakarta days up to and including today (the days of `/stats`). */
export function lastDays(days: number, now = new Date()): StatsPeriod {
  const to = new Date(startOfJakartaDay(now).getTime() + DAY_MS);
  const from = new Date(to.getTime() - days * DAY_MS);
  return { from, to, dailyFrom: from };
}

/** The Monday 00:00 (Jakarta) that starts the week holding `now`. */
export function startOfJakartaWeek(now: Date): Date {
  const day = startOfJakartaDay(now);
  const weekday = new Date(day.getTime() + JAKARTA_MS).getUTCDay(); // 0 = Sunday
  return new Date(day.getTime() - ((weekday + 6) % 7) * DAY_MS);
}

/** The week before the one starting at `weekStart` (what the Monday summary reports), with two weeks of daily bars. */
export function previousWeek(weekStart: Date): StatsPeriod {
  const from = new Date(weekStart.getTime() - 7 * DAY_MS);
  return { from, to: weekStart, dailyFrom: new Date(weekStart.getTime() - 14 * DAY_MS) };
}

/** The same length of time just before `period` (the week before, for comparisons). */
export function periodBefore(period: StatsPeriod): StatsPeriod {
  const length = period.to.getTime() - period.from.getTime();
  const from = new Date(period.from.getTime() - length);
  return { from, to: period.from, dailyFrom: from };
}

/** `YYYY-MM-DD` of the Jakarta day a moment falls in (how the daily rows are keyed). */
export function jakartaDayKey(at: Date): string {
  return new Date(at.getTime() + JAKARTA_MS).toISOString().slice(0, 10);
}

/** Every Jakarta day key from `from` (inclusive) to `to` (exclusive). */
export function dayKeys(from: Date, to: Date): string[] {
  const keys: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY_MS) keys.push(jakartaDayKey(new Date(t)));
  return keys;
}
