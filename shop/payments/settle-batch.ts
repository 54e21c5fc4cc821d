import { SETTLE_COLUMNS, SETTLE_PARAM_TYPES, settledFromRow, settleValues, settleWithValues, type SettleAndRecordInput, type Settled, type SettleRow, type SqlPool } from "./settle.js";

/** Something that settles a gateway outcome (and records its callback): one call per callback. */
export interface Settler {
  settle(input: SettleAndRecordInput): Promise<Settled>;
}

export interface SettlementBatcherOptions {
  /** Settlement statements running at once (at most the pool's size). */
  maxInFlight: number;
  /** Most callbacks settled by one statement. */
  maxBatch?: number;
  /**
   * Most callbacks waiting for a statement (default 1000). Beyond it `settle` fails at once with
   * SettlementBusyError: while the database is slow, waiting requests would only pile up (each
   * holding a connection and memory) until the gateways time out and send them again.
   */
  maxQueued?: number;
  /** Told the size of every statement sent (metrics). */
  onBatch?: (size: number) => void;
}

interface Pending {
  values: unknown[];
  /** Lock order inside a batch: the payment's key (callbacks for one payment keep their arrival order). */
  lockKey: string;
  resolve(settled: Settled): void;
  reject(error: unknown): void;
}

/** The settlement queue is full: answer "try again later" (the gateways retry callbacks). */
export class SettlementBusyError extends Error {
  constructor(queued: number) {
    super(`settlement queue full (${queued} callbacks waiting)`);
    this.name = "SettlementBusyError";
  }
}

const ordinalColumns = SETTLE_PARAM_TYPES.map((_, i) => `a${i + 1}`);

/**
 * Many settlements in one statement, so one transaction: settle_payment called per element of
 * the unnested parameter arrays, in array order (WITH ORDINALITY keeps each answer with its
 * callback).
 */
const BATCH_STATEMENT = {
  name: "settle_payment_batch_v3",
  text:
    `SELECT t.ord::int AS "ord", s.${SETTLE_COLUMNS.split(", ").join(", s.")}` +
    ` FROM unnest(${SETTLE_PARAM_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) WITH ORDINALITY AS t(${ordinalColumns.join(", ")}, ord)` +
    ` CROSS JOIN LATERAL "settle_payment"(${ordinalColumns.map((c) => `t.${c}`).join(", ")}) s ORDER BY t.ord`,
} as const;

/**
 * Errors that may belong to one callback of a batch, so each is worth settling on its own: an
 * exception raised by settle_payment (P0001), a deadlock or serialization failure (40…), a
 * constraint (23…) or data error (22…). Anything else (no connection, a timeout, the server
 * shutting down) would fail each callback again.
 */
function isPerCallbackFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "P0001" || /^(22|23|40)/.test(code));
}

function lockKeyOf(input: SettleAndRecordInput): string {
  return "attemptRef" in input.key ? `attempt\u0000${input.key.attemptRef}` : `${input.key.gateway}\u0000${input.key.gatewayReference}`;
}

/**
 * Settles the gateway callbacks that arrive together in one database round trip and one
 * transaction (group commit), each with exactly the semantics of `settleAndRecord`.
 *
 * Why: under a burst (a gateway retrying a backlog, a flash sale), every callback costs
 * Postgres a round trip, a statement and a commit (a WAL flush), and the web process a
 * socket write and read. Batching keeps the per-callback work (the rows settle_payment writes)
 * and shares the rest. Measured with `npm run bench -- webhook`.
 *
 * How: at most `maxInFlight` statements run at once. A callback arriving while one is free is
 * sent alone at once (no added latency when quiet); callbacks arriving while all are busy wait
 * in a queue, and the next free slot takes up to `maxBatch` of them as one statement.
 *
 * Safety:
 * - Exactly once still rests on settle_payment (processed_events + the payment row lock), per
 *   callback, inside the batch's transaction: two copies of one callback in one batch give one
 *   "paid" and one "duplicate", as they would in two transactions.
 * - A batch locks payments in one global order (by payment key), so two batches cannot
 *   deadlock on payments; callbacks for the same payment keep their arrival order (a PAID
 *   that came before an EXPIRED is still applied first).
 * - A batch that fails rolled back as a whole. When the failure may be one callback's (its
 *   settlement raised, a deadlock across orders Postgres broke, a constraint or data error),
 *   each callback is settled again on its own, so one bad callback fails only its own request.
 *   When it cannot be (no connection, a timeout), every callback of the batch fails at once
 *   and the gateways retry; a retry of a batch that did commit reports "duplicate".
 * - The price: callbacks share their batch's fate. One waiting on a lock (a seller approving
 *   that very payment) holds the others of its batch until it gets the lock or the pool's
 *   statement timeout cancels the batch; the other statement in flight keeps going.
 */
export class SettlementBatcher implements Settler {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  /** Counters for tests and the bench. */
  readonly stats = { statements: 0, callbacks: 0, largestBatch: 0, fallbacks: 0, refusedBusy: 0 };

  constructor(
    private readonly pool: SqlPool,
    private readonly opts: SettlementBatcherOptions,
  ) {
    if (!(opts.maxInFlight >= 1)) throw new Error("SettlementBatcher: maxInFlight must be at least 1");
    this.maxBatch = Math.max(1, opts.maxBatch ?? 32);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 1000);
  }

  /** Callbacks waiting for a statement slot. */
  get waiting(): number {
    return this.queue.length;
  }

  settle(input: SettleAndRecordInput): Promise<Settled> {
    if (this.inFlight >= this.opts.maxInFlight && this.queue.length >= this.maxQueued) {
      this.stats.refusedBusy += 1;
      return Promise.reject(new SettlementBusyError(this.queue.length));
    }
    let values: unknown[];
    try {
      values = settleValues(input);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Settled>((resolve, reject) => {
      this.queue.push({ values, lockKey: lockKeyOf(input), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    this.stats.statements += 1;
    this.stats.callbacks += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.opts.onBatch?.(batch.length);
    if (batch.length === 1) return this.alone(batch[0]!);

    // Stable sort: equal keys (one payment's callbacks) stay in arrival order.
    batch.sort((x, y) => (x.lockKey < y.lockKey ? -1 : x.lockKey > y.lockKey ? 1 : 0));
    let rows: Array<SettleRow & { ord: number }>;
    try {
      const values = SETTLE_PARAM_TYPES.map((_, i) => batch.map((p) => p.values[i]));
      rows = (await this.pool.query<SettleRow & { ord: number }>({ ...BATCH_STATEMENT, values })).rows;
    } catch (error) {
      if (!isPerCallbackFailure(error)) {
        // The database is unreachable, timed out or shutting down: retrying each callback
        // would only wait again. Every request fails now; the gateways retry later.
        for (const p of batch) p.reject(error);
        return;
      }
      this.stats.fallbacks += 1;
      await Promise.all(batch.map((p) => this.alone(p)));
      return;
    }
    const answered = new Set<number>();
    for (const row of rows) {
      const pending = batch[row.ord - 1];
      if (!pending || answered.has(row.ord)) continue;
      answered.add(row.ord);
      try {
        pending.resolve(settledFromRow(row));
      } catch (error) {
        pending.reject(error);
      }
    }
    batch.forEach((p, i) => {
      if (!answered.has(i + 1)) p.reject(new Error("settle_payment returned no row for a batched callback"));
    });
  }

  private async alone(p: Pending): Promise<void> {
    try {
      p.resolve(await settleWithValues(this.pool, p.values));
    } catch (error) {
      p.reject(error);
    }
  }
}
