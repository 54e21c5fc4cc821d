/**
 * A wallet adjustment or a message typed by a staff member waits as a `customer_actions` row for
 * its confirmation tap. The button carries the row's id, and the tap applies the row once: the
 * row is locked, a done row is reported as done, and its id names the ledger posting or the
 * outbox job, so a double tap (or Telegram delivering the tap twice) cannot apply it twice.
 */
import type { CustomerActionKind, Prisma, PrismaClient } from "../../db/client.js";

export interface Draft {
  id: number;
  kind: CustomerActionKind;
  customerId: number;
  actorUserId: number;
  amountIdr: number | null;
  text: string;
  doneAt: Date | null;
}

/** Records a draft for the staff member to confirm; returns its id. */
export async function recordDraft(
  prisma: PrismaClient,
  input: { kind: CustomerActionKind; customerId: number; actorUserId: number; amountIdr?: number | null; text: string },
): Promise<number> {
  const row = await prisma.customerAction.create({
    data: { kind: input.kind, customerId: input.customerId, actorUserId: input.actorUserId, amountIdr: input.amountIdr ?? null, text: input.text },
    select: { id: true },
  });
  return row.id;
}

export type DraftRefusal = { ok: false; reason: "not_found" | "not_yours" } | { ok: false; reason: "already_done"; doneAt: Date };

/**
 * Locks draft `id` of kind `kind` for the rest of the transaction. Only the staff member who
 * typed it may confirm it (the button sits in their chat; another member confirming it would act
 * on words they did not write). A second tap waits for the first and then finds it done.
 */
export async function lockDraft(tx: Prisma.TransactionClient, id: number, kind: CustomerActionKind, actorUserId: number): Promise<Draft | DraftRefusal> {
  const [row] = await tx.$queryRaw<{ id: number; kind: CustomerActionKind; customer_id: number; actor_user_id: number; amount_idr: number | null; text: string; done_at: Date | null }[]>`
    SELECT id, kind, customer_id, actor_user_id, amount_idr, text, done_at FROM customer_actions WHERE id = ${id} FOR UPDATE`;
  if (!row || row.kind !== kind) return { ok: false, reason: "not_found" };
  if (row.actor_user_id !== actorUserId) return { ok: false, reason: "not_yours" };
  if (row.done_at) return { ok: false, reason: "already_done", doneAt: row.done_at };
  return { id: row.id, kind: row.kind, customerId: row.customer_id, actorUserId: row.actor_user_id, amountIdr: row.amount_idr, text: row.text, doneAt: null };
}

/** Marks a locked draft applied. */
export async function markDone(tx: Prisma.TransactionClient, id: number, at = new Date()): Promise<void> {
  await tx.customerAction.update({ where: { id }, data: { doneAt: at } });
}

export const isRefusal = (d: Draft | DraftRefusal): d is DraftRefusal => "ok" in d;
