import type { Db, Prisma, PrismaClient } from "../../db/client.js";

/**
 * Runs `fn` in the caller's transaction when given one, else in a new `$transaction`.
 * Why: wallet credits must be atomic with whatever settles the payment (order status, payment
 * row), so they accept the settlement's `tx`, yet stay safe when called with the client.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  if (typeof (db as { $transaction?: unknown }).$transaction === "function") return (db as PrismaClient).$transaction(fn);
  return fn(db as Prisma.TransactionClient);
}
