/**
 * Reading wallets. A balance is always derived from the ledger (the sum of the entries on
 * `wallet:<userId>`), never stored, so it cannot drift from the history that explains it.
 */
import type { Db, LedgerTransactionKind } from "../../db/client.js";
import { walletAccount } from "./accounts.js";

/**
 * The user's spendable balance in rupiah: SUM of their wallet entries (0 without any).
 * Inside a spend, call it only after `lockWallet`, or a concurrent spend may be missed.
 */
export async function walletBalance(db: Db, userId: number): Promise<number> {
  const { _sum } = await db.ledgerEntry.aggregate({ where: { account: walletAccount(userId) }, _sum: { amountIdr: true } });
  return _sum.amountIdr ?? 0;
}

/** One line of a wallet statement. */
export interface WalletHistoryItem {
  entryId: number;
  transactionId: number;
  kind: LedgerTransactionKind;
  /** + money in, − money out. */
  amountIdr: number;
  /** Balance right after this entry (running sum in posting order). */
  balanceAfterIdr: number;
  memo: string | null;
  orderId: number | null;
  orderReference: string | null;
  createdAt: Date;
}

/** One page of a wallet statement, newest first. */
export interface WalletHistoryPage {
  items: WalletHistoryItem[];
  /** 1-based. */
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

interface HistoryRow {
  entry_id: number;
  transaction_id: number;
  kind: LedgerTransactionKind;
  amount_idr: number;
  balance_after: bigint | number;
  memo: string | null;
  order_id: number | null;
  order_reference: string | null;
  created_at: Date;
}

/**
 * The user's wallet statement, newest first, with the balance after each line so a customer
 * can follow every rupiah (`page` is 1-based, `pageSize` 1–100).
 */
export async function walletHistory(db: Db, userId: number, opts: { page?: number; pageSize?: number } = {}): Promise<WalletHistoryPage> {
  const account = walletAccount(userId);
  const pageSize = Math.min(100, Math.max(1, Math.trunc(opts.pageSize ?? 10)));
  const page = Math.max(1, Math.trunc(opts.page ?? 1));
  const offset = (page - 1) * pageSize;
  const [total, rows] = await Promise.all([
    db.ledgerEntry.count({ where: { account } }),
    db.$queryRaw<HistoryRow[]>`
      SELECT h.* FROM (
        SELECT e.id AS entry_id, e.transaction_id, t.kind::text AS kind, e.amount_idr,
               SUM(e.amount_idr) OVER (ORDER BY e.id) AS balance_after,
               t.memo, t.order_id, o.reference AS order_reference, e.created_at
          FROM ledger_entries e
          JOIN ledger_transactions t ON t.id = e.transaction_id
          LEFT JOIN orders o ON o.id = t.order_id
         WHERE e.account = ${account}
      ) h
      ORDER BY h.entry_id DESC
      LIMIT ${pageSize} OFFSET ${offset}`,
  ]);
  return {
    items: rows.map((r) => ({
      entryId: r.entry_id,
      transactionId: r.transaction_id,
      kind: r.kind,
      amountIdr: r.amount_idr,
      balanceAfterIdr: Number(r.balance_after),
      memo: r.memo,
      orderId: r.order_id,
      orderReference: r.order_reference,
      createdAt: r.created_at,
    })),
    page,
    pageSize,
    total,
    totalPages: Math.max(1, Math.ceil(total / pageSize)),
  };
}
