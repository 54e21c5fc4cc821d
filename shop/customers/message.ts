/**
 * A message from the shop to one customer, typed by a staff member and sent by a confirmation
 * tap through the customer-notification queue. The job is recorded in the outbox in the same
 * transaction that marks the draft sent and audits it, so the message goes out once: a second
 * tap finds the draft done, and a job Redis lost is pushed again by the recovery sweep.
 */
import type { Prisma, PrismaClient } from "../../db/client.js";
import { auditOnCustomer, type CustomerStaff } from "./actor.js";
import { isRefusal, lockDraft, markDone, recordDraft, type DraftRefusal } from "./drafts.js";

export const MAX_MESSAGE_CHARS = 3000;

/** The notification the customer receives (queue "notifications"), in their language at send time. */
export interface ShopMessageJob {
  jobId: string;
  payload: { chatId: number; key: "cust-shop-message"; params: { text: string } };
}

/** Writes a notification job into the outbox inside `tx` (the bot passes the queues' outbox). */
export type RecordJob = (tx: Prisma.TransactionClient, job: ShopMessageJob) => Promise<void>;

/** The message text as sent, or null when empty or too long. */
export function cleanMessage(text: string): string | null {
  const body = text.trim();
  return body.length > 0 && body.length <= MAX_MESSAGE_CHARS ? body : null;
}

/** Records a message for `staff` to confirm; returns the draft id. */
export function draftMessage(prisma: PrismaClient, input: { customerId: number; staff: CustomerStaff; text: string }): Promise<number> {
  return recordDraft(prisma, { kind: "MESSAGE", customerId: input.customerId, actorUserId: input.staff.userId, text: input.text });
}

/** The job id of a draft's message: one job per draft, ever. */
export const messageJobId = (draftId: number) => `cu-msg-${draftId}`;

export type MessageResult = { ok: true; job: ShopMessageJob; customerId: number } | DraftRefusal;

/**
 * Sends message draft `draftId` once. The notifications processor reads a parameter that starts
 * with "t:" as an i18n key; a message that happens to start so is kept literal by a zero-width
 * space after the "t".
 */
export async function sendShopMessage(prisma: PrismaClient, input: { draftId: number; staff: CustomerStaff; record: RecordJob }): Promise<MessageResult> {
  return prisma.$transaction(async (tx): Promise<MessageResult> => {
    const draft = await lockDraft(tx, input.draftId, "MESSAGE", input.staff.userId);
    if (isRefusal(draft)) return draft;
    const customer = await tx.user.findUniqueOrThrow({ where: { id: draft.customerId }, select: { telegramId: true } });
    const text = draft.text.startsWith("t:") ? `t\u200b${draft.text.slice(1)}` : draft.text;
    const job: ShopMessageJob = { jobId: messageJobId(draft.id), payload: { chatId: Number(customer.telegramId), key: "cust-shop-message", params: { text } } };
    await input.record(tx, job);
    await markDone(tx, draft.id);
    await auditOnCustomer(tx, input.staff, "customer.message", draft.customerId, { text: draft.text, jobId: job.jobId, draftId: draft.id });
    return { ok: true, job, customerId: draft.customerId };
  });
}
