/**
 * Decides which of many alike events get a log line: the first of each kind, then at most one
 * per `intervalMs`, carrying how many were left out since the previous line.
 *
 * Why: anyone can send refused requests (forged callbacks) as fast as they like. Each one is
 * counted in a metric; a log line each would let them fill the disk and drown real lines.
 * Kinds are a small fixed set (source × reason), so the map stays small.
 */
export class LogSampler {
  private readonly kinds = new Map<string, { loggedAt: number; skipped: number }>();

  constructor(
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `undefined`: do not log this one; a number: log it, with this many left out before it. */
  take(kind: string): number | undefined {
    const at = this.now();
    const seen = this.kinds.get(kind);
    if (seen && at - seen.loggedAt < this.intervalMs) {
      seen.skipped += 1;
      return undefined;
    }
    this.kinds.set(kind, { loggedAt: at, skipped: 0 });
    return seen?.skipped ?? 0;
  }
}
