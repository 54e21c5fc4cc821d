import { randomInt } from "node:crypto";
import type { Db, PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";

/** The unique code is 1–999 rupiah: small enough not to matter, unique among open transfers. */
const MAX_UNIQUE_CODE = 999;

export interface TransferInstructions {
  paymentId: number;
  /** What the customer must transfer, to the rupiah (total + unique code). */
  amountIdr: number;
  uniqueCodeIdr: number;
  deadline: string;
  accounts: Array<{ bankName: string; accountNumber: string; accountHolder: string }>;
}

/**
 * Starts (or resumes) a manual bank transfer for an order: the amount is the
 * order total plus a unique code so a seller can match a bank mutation to one
 * order. Uniqueness among open transfers is enforced by a partial unique index,
 * so two customers can never be told the same amount.
 */
export async function startManualTransfer(prisma: PrismaClient, order: { id: number; reference: string; totalIdr: number; paymentDeadline: Date | null }): Promise<TransferInstructions> {
  const accounts = await prisma.bankAccount.findMany({
    where: { active: true },
    orderBy: [{ sortOrder: "asc" }, { id: "asc" }],
    select: { bankName: true, accountNumber: true, accountHolder: true },
  });
  if (accounts.length === 0) throw new Error("no active bank account configured for manual transfer");
  const open = await prisma.payment.findFirst({ where: { orderId: order.id, gateway: "MANUAL_TRANSFER", status: "PENDING" } });
  const deadline = (order.paymentDeadline ?? new Date(Date.now() + 24 * 3600_000)).toISOString();
  if (open) return { paymentId: open.id, amountIdr: open.totalIdr, uniqueCodeIdr: open.uniqueCodeIdr, deadline, accounts };
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = randomInt(1, MAX_UNIQUE_CODE + 1);
    try {
      const payment = await prisma.payment.create({
        data: {
          orderId: order.id,
          gateway: "MANUAL_TRANSFER",
          method: "BANK_TRANSFER",
          attemptRef: `${order.reference}-MT`,
          amountIdr: order.totalIdr,
          feeIdr: 0,
          uniqueCodeIdr: code,
          totalIdr: order.totalIdr + code,
          status: "PENDING",
          expiresAt: order.paymentDeadline,
        },
      });
      return { paymentId: payment.id, amountIdr: payment.totalIdr, uniqueCodeIdr: code, deadline, accounts };
    } catch (err) {
      if (isUniqueViolation(err, ["attemptRef"]) || isUniqueViolation(err, ["attempt_ref"])) {
        const again = await prisma.payment.findUniqueOrThrow({ where: { attemptRef: `${order.reference}-MT` } });
        return { paymentId: again.id, amountIdr: again.totalIdr, uniqueCodeIdr: again.uniqueCodeIdr, deadline, accounts };
      }
      if (isUniqueViolation(err)) continue; // that amount is taken by another open transfer: draw again
      throw err;
    }
  }
  throw new Error("could not find a free unique transfer amount");
}

/** The customer's open manual transfer awaiting a screenshot, newest first. */
export async function openTransferFor(db: Db, userId: number) {
  return db.payment.findFirst({
    where: { gateway: "MANUAL_TRANSFER", status: "PENDING", order: { userId, status: "PENDING_PAYMENT" } },
    orderBy: { createdAt: "desc" },
    include: { order: { select: { id: true, reference: true, userId: true } } },
  });
}
