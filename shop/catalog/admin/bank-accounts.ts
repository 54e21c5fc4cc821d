import type { PrismaClient } from "../../../db/client.js";
import { isUniqueViolation } from "../../../db/client.js";
import type { EditResult } from "./plans.js";
import { auditChange, type CatalogStaff } from "./staff-change.js";

/**
 * Bank accounts customers transfer to (manual transfer shows the active ones in sortOrder).
 * Accounts are switched off, never deleted: old transfer instructions name them.
 */

export interface BankDraft {
  bankName: string;
  accountNumber: string;
  accountHolder: string;
}

/** Every account, in the order customers see the active ones. */
export function bankAccounts(prisma: PrismaClient) {
  return prisma.bankAccount.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }] });
}

/** Digits, spaces and dashes only (what banks print), 5..34 characters; stored without spaces. */
export function normalizeAccountNumber(text: string): string | null {
  const value = text.trim().replace(/[\s-]/g, "");
  return /^\d{5,34}$/.test(value) ? value : null;
}

export type AddBankResult = { ok: true; id: number } | { ok: false; reason: "duplicate" | "invalid" };

/** Adds an account at the end of the list, switched on. */
export async function addBankAccount(prisma: PrismaClient, actor: CatalogStaff, draft: BankDraft): Promise<AddBankResult> {
  const accountNumber = normalizeAccountNumber(draft.accountNumber);
  if (!accountNumber || !draft.bankName.trim() || !draft.accountHolder.trim()) return { ok: false, reason: "invalid" };
  try {
    return await prisma.$transaction(async (tx) => {
      const last = await tx.bankAccount.aggregate({ _max: { sortOrder: true } });
      const row = await tx.bankAccount.create({ data: { bankName: draft.bankName.trim(), accountNumber, accountHolder: draft.accountHolder.trim(), sortOrder: (last._max.sortOrder ?? 0) + 1 } });
      await auditChange(tx, actor, { action: "bank.create", targetType: "bank_account", targetId: row.id, before: null, after: { bankName: row.bankName, accountNumber, accountHolder: row.accountHolder } });
      return { ok: true, id: row.id } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "duplicate" };
    throw err;
  }
}

/** Switches an account on or off for new transfers. */
export async function setBankAccountActive(prisma: PrismaClient, actor: CatalogStaff, input: { id: number; active: boolean }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.bankAccount.findUnique({ where: { id: input.id }, select: { active: true } });
    if (!before) return { ok: false, reason: "not_found" } as const;
    await tx.bankAccount.update({ where: { id: input.id }, data: { active: input.active } });
    await auditChange(tx, actor, { action: input.active ? "bank.enable" : "bank.disable", targetType: "bank_account", targetId: input.id, before, after: { active: input.active } });
    return { ok: true } as const;
  });
}

/** Moves an account one place up or down; the whole order is rewritten 1..n (ties from old rows go away). */
export async function moveBankAccount(prisma: PrismaClient, actor: CatalogStaff, input: { id: number; direction: "up" | "down" }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    // Every row locked in one order: two staff reordering at once take turns.
    const rows = await tx.$queryRaw<Array<{ id: number }>>`SELECT id FROM bank_accounts ORDER BY sort_order, id FOR UPDATE`;
    const before = rows.map((r) => r.id);
    const at = before.indexOf(input.id);
    if (at < 0) return { ok: false, reason: "not_found" } as const;
    const to = input.direction === "up" ? at - 1 : at + 1;
    if (to < 0 || to >= before.length) return { ok: true } as const;
    const after = [...before];
    [after[at], after[to]] = [after[to]!, after[at]!];
    for (const [i, id] of after.entries()) await tx.bankAccount.update({ where: { id }, data: { sortOrder: i + 1 } });
    await auditChange(tx, actor, { action: "bank.reorder", targetType: "bank_account", targetId: input.id, before: { order: before }, after: { order: after } });
    return { ok: true } as const;
  });
}
