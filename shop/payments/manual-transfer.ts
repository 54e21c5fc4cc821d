import { randomInt } from "node:crypto";
import type { Db, PrismaClient } from "../../db/client.js";
import { Prisma } from "../../db/client.js";
import { withAttemptLock } from "./attempt-limits.js";

/** The unique code is 1–999 rupiah: small enough not to matter, unique among open transfers. */
export const MAX_UNIQUE_CODE = 999;

export interface TransferInstructions {
  paymentId: number;
  /** What the customer must transfer, to the rupiah (total + unique code). */
  amountIdr: number;
  uniqueCodeIdr: number;
  deadline: string;
  accounts: Array<{ bankName: string; accountNumber: string; accountHolder: string }>;
}

/** Every free unique code for `totalIdr` is held by an open transfer. */
export class NoFreeTransferCodeError extends Error {
  constructor(totalIdr: number) {
    super(`no free unique transfer code for an amount of ${totalIdr}`);
    this.name = "NoFreeTransferCodeError";
  }
}

/**
 * Starts (or resumes) a manual bank transfer for an order: the amount is the
 * order total plus a unique code so a seller can match a bank mutation to one
 * order. Uniqueness among open transfers is enforced by a partial unique index,
 * so two customers can never be told the same amount. Codes held by orders that
 * can no longer be paid are released first, so abandoned orders never use them up.
 *
 * Runs under the customer's payment-attempt lock (`withAttemptLock`), in one transaction:
 * look for the order's open transfer, `checkLimits` (called when the order has no transfer
 * yet: Checkout passes the attempt limits), create. Concurrent taps cannot all pass the limits.
 */
export async function startManualTransfer(
  prisma: PrismaClient,
  order: { id: number; userId: number; reference: string; totalIdr: number; paymentDeadline: Date | null },
  opts: { checkLimits?: (tx: Prisma.TransactionClient) => Promise<void> } = {},
): Promise<TransferInstructions> {
  const deadline = (order.paymentDeadline ?? new Date(Date.now() + 24 * 3600_000)).toISOString();
  const attemptRef = `${order.reference}-MT`;

  return withAttemptLock(prisma, order.userId, async (tx) => {
    const open = await tx.payment.findFirst({ where: { orderId: order.id, gateway: "MANUAL_TRANSFER", status: "PENDING" } });
    if (!open && opts.checkLimits && !(await tx.payment.findFirst({ where: { orderId: order.id, gateway: "MANUAL_TRANSFER" }, select: { id: true } }))) await opts.checkLimits(tx);
    const accounts = await tx.bankAccount.findMany({
      where: { active: true },
      orderBy: [{ sortOrder: "asc" }, { id: "asc" }],
      select: { bankName: true, accountNumber: true, accountHolder: true },
    });
    if (accounts.length === 0) throw new Error("no active bank account configured for manual transfer");
    const instructions = (p: { id: number; totalIdr: number; uniqueCodeIdr: number }) => ({ paymentId: p.id, amountIdr: p.totalIdr, uniqueCodeIdr: p.uniqueCodeIdr, deadline, accounts });
    if (open) return instructions(open);
    await endOpenTransfers(tx, { totalsBetween: [order.totalIdr + 1, order.totalIdr + MAX_UNIQUE_CODE] });
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = await freeCode(tx, order.totalIdr);
      if (code === null) throw new NoFreeTransferCodeError(order.totalIdr);
      // ON CONFLICT DO NOTHING (a unique violation would end the transaction): 0 rows when the
      // order's transfer exists after all, or another customer took that amount meanwhile.
      const { count } = await tx.payment.createMany({
        data: [
          {
            orderId: order.id,
            gateway: "MANUAL_TRANSFER",
            method: "BANK_TRANSFER",
            attemptRef,
            amountIdr: order.totalIdr,
            feeIdr: 0,
            uniqueCodeIdr: code,
            totalIdr: order.totalIdr + code,
            status: "PENDING",
            expiresAt: order.paymentDeadline,
          },
        ],
        skipDuplicates: true,
      });
      const payment = await tx.payment.findUnique({ where: { attemptRef } });
      if (count === 1 && payment) return instructions(payment);
      if (payment) {
        // The order's transfer exists; an ended one is never reopened (its code may belong to
        // someone else now).
        if (payment.status !== "PENDING") throw new Error(`manual transfer ${attemptRef} has ended (${payment.status})`);
        return instructions(payment);
      }
      // Another customer took that amount meanwhile: draw again.
    }
    throw new NoFreeTransferCodeError(order.totalIdr);
  });
}

/** A random code whose amount no open transfer expects, or null when all 999 are taken. */
async function freeCode(db: Db, totalIdr: number): Promise<number | null> {
  // Any open transfer whose expected amount lands in (total, total + 999] blocks that code,
  // whatever its own order total was (the partial unique index is on total_idr).
  const taken = await db.$queryRaw<Array<{ total_idr: number }>>`
    SELECT "total_idr" FROM "payments"
     WHERE "gateway" = 'MANUAL_TRANSFER' AND "status" IN ('PENDING', 'REVIEW')
       AND "total_idr" BETWEEN ${totalIdr + 1} AND ${totalIdr + MAX_UNIQUE_CODE}`;
  const used = new Set(taken.map((r) => Number(r.total_idr) - totalIdr));
  const free: number[] = [];
  for (let code = 1; code <= MAX_UNIQUE_CODE; code++) if (!used.has(code)) free.push(code);
  return free.length === 0 ? null : free[randomInt(free.length)]!;
}

/**
 * Ends (EXPIRED) open manual transfers that nobody can pay any more, so their unique codes are
 * free for other customers: those of orders that expired, were cancelled, or were paid or put
 * under review through another attempt. A transfer whose screenshot still waits for a seller is
 * kept (the seller may still approve the money). Gateway attempts are not touched: the
 * reconciliation asks the gateway about them, which is how late money on them is found.
 *
 * `orderIds`: only these orders (the order-expiry transaction), waiting for rows in use.
 * `totalsBetween`: only transfers expecting an amount in this range (before drawing a code).
 * Otherwise a sweep over every ended order, skipping rows another transaction holds.
 */
export async function releaseTransferCodes(
  prisma: PrismaClient,
  opts: { orderIds?: number[]; totalsBetween?: [number, number]; limit?: number } = {},
): Promise<number> {
  return prisma.$transaction((tx) => endOpenTransfers(tx, opts));
}

/** `releaseTransferCodes` inside the caller's transaction. */
export async function endOpenTransfers(tx: Prisma.TransactionClient, opts: { orderIds?: number[]; totalsBetween?: [number, number]; limit?: number } = {}): Promise<number> {
  const scope = opts.orderIds
    ? Prisma.sql`p."order_id" = ANY(${opts.orderIds}::int[])`
    : Prisma.sql`o."status" <> 'PENDING_PAYMENT'${opts.totalsBetween ? Prisma.sql` AND p."total_idr" BETWEEN ${opts.totalsBetween[0]} AND ${opts.totalsBetween[1]}` : Prisma.empty}`;
  // Lock first, decide in a second statement: a screenshot stored concurrently (storeProof locks
  // the payment row) is then visible to the NOT EXISTS below, so it is never stranded.
  const rows = await tx.$queryRaw<Array<{ id: number }>>`
    SELECT p."id" FROM "payments" p JOIN "orders" o ON o."id" = p."order_id"
     WHERE p."gateway" = 'MANUAL_TRANSFER' AND p."status" = 'PENDING' AND ${scope}
     ORDER BY p."id" LIMIT ${opts.limit ?? 500}
       FOR UPDATE OF p ${opts.orderIds ? Prisma.empty : Prisma.sql`SKIP LOCKED`}`;
  if (rows.length === 0) return 0;
  return tx.$executeRaw`
    UPDATE "payments" p SET "status" = 'EXPIRED', "updated_at" = now()
     WHERE p."id" = ANY(${rows.map((r) => r.id)}::int[]) AND p."status" = 'PENDING'
       AND NOT EXISTS (SELECT 1 FROM "transfer_proofs" t WHERE t."payment_id" = p."id" AND t."status" = 'PENDING')`;
}

/** How long after its transfer ended a screenshot of it is still taken (as a late payment). */
export const LATE_PROOF_DAYS = 7;

/**
 * Which manual transfers take a screenshot: an open one (PENDING, its order still payable), or
 * one that ended (EXPIRED: the order expired or was cancelled, its code released) within
 * LATE_PROOF_DAYS — money sent after the deadline still reaches a seller, whose approval settles
 * it as a late payment (review), never a dead end.
 */
export function acceptsProof(payment: { status: string; updatedAt?: Date }, orderStatus: string, now = new Date()): boolean {
  if (payment.status === "PENDING") return orderStatus === "PENDING_PAYMENT";
  const recent = !payment.updatedAt || payment.updatedAt.getTime() >= now.getTime() - LATE_PROOF_DAYS * 86_400_000;
  return payment.status === "EXPIRED" && recent && (orderStatus === "EXPIRED" || orderStatus === "CANCELLED");
}

/**
 * The customer's manual transfer a screenshot is for, newest first (`acceptsProof`): the open
 * one, else a recently ended one; with `reference`, only that order's.
 */
export async function openTransferFor(db: Db, userId: number, reference?: string) {
  const since = new Date(Date.now() - LATE_PROOF_DAYS * 86_400_000);
  const include = { order: { select: { id: true, reference: true, userId: true } } } as const;
  const order = reference ? { reference } : {};
  return (
    (await db.payment.findFirst({
      where: { gateway: "MANUAL_TRANSFER", status: "PENDING", order: { ...order, userId, status: "PENDING_PAYMENT" } },
      orderBy: { createdAt: "desc" },
      include,
    })) ??
    (await db.payment.findFirst({
      where: { gateway: "MANUAL_TRANSFER", status: "EXPIRED", updatedAt: { gte: since }, order: { ...order, userId, status: { in: ["EXPIRED", "CANCELLED"] } } },
      orderBy: { updatedAt: "desc" },
      include,
    }))
  );
}
