/**
 * Correcting a customer's wallet by hand: a ledger ADJUSTMENT between the shop's `adjustments`
 * account and the customer's wallet, typed as a draft and applied by a confirmation tap.
 * A negative adjustment never takes the wallet below zero (the wallet row is locked first, so a
 * spend racing it is serialised). Audited with the balance before and after.
 */
import type { PrismaClient } from "../../db/client.js";
import { ADJUSTMENTS_ACCOUNT, walletAccount } from "../wallet/accounts.js";
import { walletBalance } from "../wallet/balance.js";
import { lockWallet, postLedger } from "../wallet/post-ledger.js";
import { auditOnCustomer, cleanReason, type CustomerStaff } from "./actor.js";
import { isRefusal, lockDraft, markDone, recordDraft, type DraftRefusal } from "./drafts.js";

/** Largest adjustment either way (a typo guard: one extra zero should not move a fortune). */
export const MAX_ADJUSTMENT_IDR = 50_000_000;

export type ParsedAdjustment = { ok: true; amountIdr: number; reason: string } | { ok: false; reason: "format" | "zero" | "too_large" | "reason" };

/**
 * Reads "+50000 compensation for downtime" / "-20.000 correction": a signed whole rupiah amount
 * (dots or commas as thousands separators), then the reason (3–500 characters).
 */
export function parseAdjustment(text: string): ParsedAdjustment {
  const m = /^\s*([+-])\s*(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d+)\s+(.+)$/is.exec(text);
  if (!m) return { ok: false, reason: "format" };
  const digits = m[2]!.replace(/[.,]/g, "");
  if (digits.length > 12) return { ok: false, reason: "too_large" };
  const amount = Number(digits) * (m[1] === "-" ? -1 : 1);
  if (amount === 0) return { ok: false, reason: "zero" };
  if (Math.abs(amount) > MAX_ADJUSTMENT_IDR) return { ok: false, reason: "too_large" };
  const reason = cleanReason(m[3]!);
  if (!reason) return { ok: false, reason: "reason" };
  return { ok: true, amountIdr: amount, reason };
}

/** Records an adjustment for `staff` to confirm; returns the draft id and the balance now. */
export async function draftAdjustment(prisma: PrismaClient, input: { customerId: number; staff: CustomerStaff; amountIdr: number; reason: string }) {
  const id = await recordDraft(prisma, { kind: "WALLET_ADJUSTMENT", customerId: input.customerId, actorUserId: input.staff.userId, amountIdr: input.amountIdr, text: input.reason });
  return { draftId: id, balanceIdr: await walletBalance(prisma, input.customerId) };
}

export type AdjustmentResult =
  | { ok: true; customerId: number; amountIdr: number; beforeIdr: number; afterIdr: number; transactionId: number }
  | DraftRefusal
  | { ok: false; reason: "below_zero"; balanceIdr: number; amountIdr: number }
  /** A staff member (not an owner) adjusting their own wallet. */
  | { ok: false; reason: "self" };

/** Applies adjustment draft `draftId` once; a second tap gets `already_done`. */
export async function applyAdjustment(prisma: PrismaClient, input: { draftId: number; staff: CustomerStaff }): Promise<AdjustmentResult> {
  return prisma.$transaction(async (tx): Promise<AdjustmentResult> => {
    const draft = await lockDraft(tx, input.draftId, "WALLET_ADJUSTMENT", input.staff.userId);
    if (isRefusal(draft)) return draft;
    const { customerId } = draft;
    const amountIdr = draft.amountIdr!;
    if (customerId === input.staff.userId && input.staff.role !== "OWNER") return { ok: false, reason: "self" };
    await lockWallet(tx, customerId);
    const beforeIdr = await walletBalance(tx, customerId);
    if (beforeIdr + amountIdr < 0) return { ok: false, reason: "below_zero", balanceIdr: beforeIdr, amountIdr };
    const posted = await postLedger(tx, {
      kind: "ADJUSTMENT",
      idempotencyKey: `adjust:action:${draft.id}`,
      entries: [
        { account: ADJUSTMENTS_ACCOUNT, amountIdr: -amountIdr },
        { account: walletAccount(customerId), userId: customerId, amountIdr },
      ],
      memo: draft.text,
      createdById: input.staff.userId,
    });
    const afterIdr = await walletBalance(tx, customerId);
    await markDone(tx, draft.id);
    await auditOnCustomer(tx, input.staff, "wallet.adjust", customerId, { amountIdr, reason: draft.text, before: { balanceIdr: beforeIdr }, after: { balanceIdr: afterIdr }, transactionId: posted.transactionId, draftId: draft.id });
    return { ok: true, customerId, amountIdr, beforeIdr, afterIdr, transactionId: posted.transactionId };
  });
}
