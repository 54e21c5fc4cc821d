/**
 * Writing to the double-entry ledger. Every movement of money is one LedgerTransaction with
 * two or more entries that sum to zero; balances are never stored, only derived by summing.
 *
 * Why it is shaped this way:
 * - Idempotency comes from the UNIQUE index on `idempotency_key`, with
 *   `INSERT … ON CONFLICT DO NOTHING` (Prisma `createManyAndReturn({ skipDuplicates })`): a
 *   retried webhook, a double-clicked button or two racing workers can post the same key and
 *   only one transaction ever exists. A read-then-insert would race, and catching a unique
 *   violation would abort the surrounding Postgres transaction.
 * - The sum-to-zero rule is checked here before anything is written (a clear error at the
 *   call site) and again by the database at COMMIT (deferred trigger), which is why posting
 *   must happen inside `prisma.$transaction(async (tx) => …)`: outside one, the header row
 *   would be committed alone and rejected.
 * - Taking money out of a wallet locks that wallet row first (`SELECT … FOR UPDATE`), so two
 *   spends from one wallet are serialised and a wallet can never go below zero.
 */
import type { LedgerTransactionKind, Prisma } from "../../db/client.js";
import { parseAccount } from "./accounts.js";
import { walletBalance } from "./balance.js";

/** One leg of a posting. `userId` is required on (and only allowed on) `wallet:<id>` accounts. */
export interface LedgerEntryInput {
  account: string;
  userId?: number | null;
  /** Signed, non-zero integer rupiah. */
  amountIdr: number;
}

/** What to post; see `postLedger`. */
export interface PostLedgerInput {
  kind: LedgerTransactionKind;
  /** Unique name of this movement, e.g. "topup:payment:42", "order:ORD-…:wallet", "refund:order:17". */
  idempotencyKey: string;
  entries: readonly LedgerEntryInput[];
  orderId?: number | null;
  paymentId?: number | null;
  memo?: string | null;
  createdById?: number | null;
  /** Let a wallet go below zero (owner corrections only). Default false. */
  allowOverdraft?: boolean;
}

/** A posted (or previously posted) ledger transaction. */
export interface PostedLedger {
  transactionId: number;
  /** false when the idempotency key already existed and nothing was written. */
  created: boolean;
  kind: LedgerTransactionKind;
  idempotencyKey: string;
  createdAt: Date;
  entries: { account: string; userId: number | null; amountIdr: number }[];
}

/** Why a posting was refused. Everything here is a programming or data error, except "overdraft". */
export type LedgerErrorCode = "invalid" | "unbalanced" | "idempotency_conflict" | "overdraft" | "not_in_transaction" | "isolation";

/** Thrown by `postLedger`/`lockWallet` (before anything is written, or inside the caller's transaction, which then rolls back). */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LedgerError";
  }
}

type Tx = Prisma.TransactionClient;

/**
 * Refuses a top-level client: only the `tx` of an interactive transaction lacks `$transaction`.
 * Why: a ledger header committed without its entries is rejected at COMMIT, and locks taken
 * outside a transaction are released immediately.
 */
export function assertInTransaction(db: unknown): asserts db is Tx {
  if (typeof (db as { $transaction?: unknown }).$transaction === "function") {
    throw new LedgerError("not_in_transaction", "ledger writes and wallet locks must run inside prisma.$transaction(async (tx) => …)");
  }
}

const MAX_KEY_LENGTH = 200;

function normalizeEntries(entries: readonly LedgerEntryInput[]): PostedLedger["entries"] {
  if (entries.length < 2) throw new LedgerError("invalid", `a ledger transaction needs at least 2 entries, got ${entries.length}`);
  let sum = 0;
  const out = entries.map((e) => {
    let walletUserId: number | null;
    try {
      walletUserId = parseAccount(e.account).walletUserId;
    } catch (error) {
      throw new LedgerError("invalid", (error as Error).message);
    }
    const userId = e.userId ?? null;
    if (walletUserId !== userId) {
      throw new LedgerError("invalid", walletUserId === null ? `entry on ${e.account} must not carry a userId` : `entry on ${e.account} must carry userId ${walletUserId}`);
    }
    if (!Number.isSafeInteger(e.amountIdr) || e.amountIdr === 0) {
      throw new LedgerError("invalid", `entry amounts must be non-zero integer rupiah, got ${e.amountIdr} on ${e.account}`);
    }
    sum += e.amountIdr;
    return { account: e.account, userId, amountIdr: e.amountIdr };
  });
  if (sum !== 0) throw new LedgerError("unbalanced", `ledger entries must sum to zero, got ${sum}`);
  return out;
}

const canonical = (entries: PostedLedger["entries"]): string =>
  JSON.stringify(
    entries.map((e) => [e.account, e.userId, e.amountIdr]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );

/**
 * Locks a user's wallet row for the rest of the transaction (creating the row first if it is
 * missing, with INSERT … ON CONFLICT DO NOTHING). Every spend from a wallet takes this lock
 * before reading the balance, so concurrent spends are serialised.
 *
 * Requires READ COMMITTED (Postgres' default): at REPEATABLE READ or SERIALIZABLE the balance
 * read after the lock would come from an older snapshot and could miss a concurrent spend.
 */
export async function lockWallet(tx: Tx, userId: number): Promise<void> {
  assertInTransaction(tx);
  await tx.wallet.createMany({ data: [{ userId }], skipDuplicates: true });
  const rows = await tx.$queryRaw<{ id: number; iso: string }[]>`
    SELECT id, current_setting('transaction_isolation') AS iso FROM wallets WHERE user_id = ${userId} FOR UPDATE`;
  const iso = rows[0]?.iso;
  if (iso !== "read committed") {
    throw new LedgerError("isolation", `wallet spends need a READ COMMITTED transaction, this one is ${iso ?? "unknown"}`);
  }
}

/**
 * Posts a balanced ledger transaction inside the caller's `$transaction`, exactly once per
 * `idempotencyKey`: posting an existing key writes nothing and returns the stored transaction
 * (`created: false`); posting it with different contents throws `idempotency_conflict`, since
 * that is a bug (two different movements sharing one name), not a retry.
 *
 * Wallets that lose money are locked (ascending user id, so two postings cannot deadlock) and
 * must stay ≥ 0 unless `allowOverdraft` (throws `overdraft`, rolling the transaction back).
 */
export async function postLedger(tx: Tx, input: PostLedgerInput): Promise<PostedLedger> {
  assertInTransaction(tx);
  const key = input.idempotencyKey;
  if (typeof key !== "string" || key.trim() === "" || key.length > MAX_KEY_LENGTH) {
    throw new LedgerError("invalid", `idempotencyKey must be a non-empty string of at most ${MAX_KEY_LENGTH} chars`);
  }
  const entries = normalizeEntries(input.entries);
  const orderId = input.orderId ?? null;
  const paymentId = input.paymentId ?? null;

  const walletDelta = new Map<number, number>();
  for (const e of entries) if (e.userId !== null) walletDelta.set(e.userId, (walletDelta.get(e.userId) ?? 0) + e.amountIdr);
  const debited = [...walletDelta].filter(([, delta]) => delta < 0).sort(([a], [b]) => a - b);
  // Lock before claiming the key, in the same order as payOrderFromWallet (wallet, then key).
  for (const [userId] of debited) await lockWallet(tx, userId);

  const [header] = await tx.ledgerTransaction.createManyAndReturn({
    data: [{ kind: input.kind, idempotencyKey: key, orderId, paymentId, memo: input.memo ?? null, createdById: input.createdById ?? null }],
    skipDuplicates: true,
    select: { id: true, createdAt: true },
  });

  if (!header) {
    const existing = await tx.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: key },
      select: { id: true, kind: true, orderId: true, paymentId: true, createdAt: true, entries: { select: { account: true, userId: true, amountIdr: true }, orderBy: { id: "asc" } } },
    });
    if (existing.kind !== input.kind || existing.orderId !== orderId || existing.paymentId !== paymentId || canonical(existing.entries) !== canonical(entries)) {
      throw new LedgerError("idempotency_conflict", `ledger transaction "${key}" already exists with different contents (transaction ${existing.id})`);
    }
    return { transactionId: existing.id, created: false, kind: existing.kind, idempotencyKey: key, createdAt: existing.createdAt, entries: existing.entries };
  }

  if (!input.allowOverdraft) {
    for (const [userId, delta] of debited) {
      const balance = await walletBalance(tx, userId);
      if (balance + delta < 0) {
        throw new LedgerError("overdraft", `wallet of user ${userId} holds ${balance}, cannot take ${-delta}`);
      }
    }
  }

  await tx.ledgerEntry.createMany({ data: entries.map((e) => ({ transactionId: header.id, ...e })) });
  return { transactionId: header.id, created: true, kind: input.kind, idempotencyKey: key, createdAt: header.createdAt, entries };
}
