import type { PrismaClient } from "../../db/client.js";
import { newOrderReference } from "../orders/reference.js";

/** Top-up limits: VA channels start at Rp 10.000; large sums go through the seller. */
export const TOPUP_MIN_IDR = 10_000;
export const TOPUP_MAX_IDR = 10_000_000;
export const TOPUP_PRESETS_IDR = [50_000, 100_000, 250_000, 500_000] as const;

/** Reads an amount as people type it: "150000", "150.000", "Rp 150.000", "150rb". */
export function parseRupiah(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/^rp\.?\s*/, "");
  const thousands = /^(\d{1,7})\s*(rb|ribu|k)$/.exec(t);
  if (thousands) return Number(thousands[1]) * 1000;
  if (!/^\d{1,3}(\.\d{3})*$|^\d+$/.test(t)) return null;
  const value = Number(t.replaceAll(".", ""));
  return Number.isSafeInteger(value) ? value : null;
}

/** Unpaid top-ups one customer may have open at once (each may hold gateway transactions). */
export const TOPUP_MAX_OPEN = 3;

export type TopUpResult =
  | { ok: true; orderId: number; reference: string; amountIdr: number; reused: boolean }
  | { ok: false; reason: "out_of_range" }
  | { ok: false; reason: "too_many_open"; maxOpen: number };

/**
 * A wallet top-up is an order of kind WALLET_TOPUP paid through a gateway; the
 * wallet is credited (through the ledger) only when that payment settles.
 *
 * Tapping the same amount again gives back the customer's open top-up of that amount (with its
 * payment attempts) instead of a new order; a customer has at most TOPUP_MAX_OPEN unpaid ones.
 * The check and the insert run under a lock on the customer's row, so taps racing in two
 * processes cannot both pass it.
 */
export async function createTopUpOrder(prisma: PrismaClient, input: { userId: number; amountIdr: number; paymentTtlHours: number; now?: Date }): Promise<TopUpResult> {
  const { amountIdr } = input;
  if (!Number.isSafeInteger(amountIdr) || amountIdr < TOPUP_MIN_IDR || amountIdr > TOPUP_MAX_IDR) return { ok: false, reason: "out_of_range" };
  const now = input.now ?? new Date();
  return prisma.$transaction(async (tx): Promise<TopUpResult> => {
    await tx.$queryRaw`SELECT 1 FROM "users" WHERE "id" = ${input.userId} FOR UPDATE`;
    const open = await tx.order.findMany({
      where: { userId: input.userId, kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", paymentDeadline: { gt: now } },
      orderBy: { id: "desc" },
      select: { id: true, reference: true, totalIdr: true },
    });
    const same = open.find((o) => o.totalIdr === amountIdr);
    if (same) return { ok: true, orderId: same.id, reference: same.reference, amountIdr, reused: true };
    if (open.length >= TOPUP_MAX_OPEN) return { ok: false, reason: "too_many_open", maxOpen: TOPUP_MAX_OPEN };
    const order = await tx.order.create({
      data: {
        reference: newOrderReference(now, "TOP"),
        userId: input.userId,
        kind: "WALLET_TOPUP",
        status: "PENDING_PAYMENT",
        basePriceIdr: amountIdr,
        totalIdr: amountIdr,
        snapshot: { kind: "WALLET_TOPUP", amountIdr },
        paymentDeadline: new Date(now.getTime() + input.paymentTtlHours * 3600_000),
        createdAt: now,
      },
    });
    await tx.orderStatusHistory.create({
      data: { orderId: order.id, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(input.userId), reason: "wallet top-up", createdAt: now },
    });
    return { ok: true, orderId: order.id, reference: order.reference, amountIdr, reused: false };
  });
}
