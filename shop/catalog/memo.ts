/**
 * A small in-process cache of loads (promises), each kept for `ttlMs`, at most `maxEntries` at
 * once (least recently used first out), so what callers can make it hold is bounded.
 *
 * Why bounded: keys come from the outside (a plan id in a button's callback data), and anyone can
 * send forged ones; without a bound every new id would stay in memory for the life of the process.
 */
export class Memo {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 256,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many loads are held (expired ones included until they are pushed out or asked for). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached load for `key`, or a fresh `load()`. A failed load is dropped; so is a result for
   * which `keep` says no (e.g. "no such plan": those ids cost nothing to ask the database about).
   */
  get<T>(key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) {
      // Re-inserted: Map order is then least → most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    this.entries.delete(key);
    const value = load();
    const entry = { at: this.now(), value };
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const drop = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    value.then((v) => (keep(v) ? undefined : drop()), drop);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
