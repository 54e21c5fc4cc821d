/**
 * Staff cards and their copies. A card is one pending item as staff see it; every message that
 * shows it in a staff member's chat (a push, a card opened from /pending) is recorded as a copy,
 * so a decision can be shown on all of them ("✅ approved by Rina 12:03") and a second tap can be
 * told who handled it. The decision itself stays with the domain (shop/payments/review.ts,
 * shop/provisioning/staff-actions.ts), which locks its rows and checks their state; a card only
 * records what came of it, after the fact.
 */
import type { Db } from "../../db/client.js";

/** Card keys: one per screenshot, per payment under review, per provisioning episode of an order. */
export const cardKeys = {
  proof: (proofId: number) => `proof:${proofId}`,
  review: (paymentId: number) => `review:${paymentId}`,
  /** `episode`: the status-history row that put the order in this state (a later failure is a new card). */
  provisioning: (orderId: number, episode: number) => `prov:${orderId}:${episode}`,
};

/** What ended a card. */
export type CardOutcome = "approved" | "rejected" | "refunded-wallet" | "refunded-outside" | "retried" | "refunded" | "handled";

export interface CardActor {
  /** Null when only a name is known (a decision found in the audit trail of another path). */
  userId: number | null;
  name: string;
}

export interface CardState {
  key: string;
  version: number;
  outcome: string | null;
  actorName: string | null;
  actedAt: Date | null;
  firstApproverId: number | null;
  firstApproverName: string | null;
  firstApprovedAt: Date | null;
}

export async function cardState(db: Db, key: string): Promise<CardState | null> {
  return db.staffCard.findUnique({
    where: { key },
    select: { key: true, version: true, outcome: true, actorName: true, actedAt: true, firstApproverId: true, firstApproverName: true, firstApprovedAt: true },
  });
}

/**
 * Records a message showing card `key` in a staff chat (the card row is made on first sight),
 * showing version `shownVersion` of it. Returns the card's version now: above `shownVersion`, the
 * card changed before this copy was recorded, and the caller must bring the copy up to date
 * (refreshCardCopies).
 */
export async function recordCopy(db: Db, key: string, chatId: number, messageId: number, shownVersion = 0): Promise<number> {
  const rows = await db.$queryRaw<{ version: number }[]>`
    INSERT INTO staff_cards (key) VALUES (${key})
    ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
    RETURNING version`;
  await db.$executeRaw`
    INSERT INTO staff_card_copies (card_key, chat_id, message_id, shown_version) VALUES (${key}, ${BigInt(chatId)}, ${messageId}, ${shownVersion})
    ON CONFLICT (chat_id, message_id) DO UPDATE SET card_key = EXCLUDED.card_key, shown_version = EXCLUDED.shown_version, edit_error = NULL`;
  return rows[0]?.version ?? 0;
}

/**
 * Marks open cards as decided (the first decision wins: a card already closed keeps its outcome)
 * and returns the keys whose copies must be edited, with the version to show.
 */
export async function closeCards(db: Db, keys: readonly string[], outcome: CardOutcome, actor: CardActor | null, at = new Date()): Promise<Array<{ key: string; version: number }>> {
  if (keys.length === 0) return [];
  return db.$queryRaw<Array<{ key: string; version: number }>>`
    INSERT INTO staff_cards (key, version, outcome, actor_user_id, actor_name, acted_at, updated_at)
    SELECT k, 1, ${outcome}, ${actor?.userId ?? null}::int, ${actor?.name ?? null}, ${at}, now() FROM unnest(${[...keys]}::text[]) AS k
    ON CONFLICT (key) DO UPDATE SET version = staff_cards.version + 1, outcome = EXCLUDED.outcome, actor_user_id = EXCLUDED.actor_user_id,
      actor_name = EXCLUDED.actor_name, acted_at = EXCLUDED.acted_at, updated_at = now()
    WHERE staff_cards.outcome IS NULL
    RETURNING key, version`;
}

/**
 * The cards of a payment: its screenshots' and (`review`, the default) its review's. A decision
 * closes the review card only when it ended money under review (applied, given back): a late
 * transfer's approval puts money INTO review, and refusing a screenshot leaves the payment open,
 * so those close the screenshot cards alone.
 */
export async function paymentCardKeys(db: Db, paymentId: number, opts: { review?: boolean } = {}): Promise<string[]> {
  const proofs = await db.transferProof.findMany({ where: { paymentId }, select: { id: true } });
  const screenshots = proofs.map((p) => cardKeys.proof(p.id));
  return opts.review === false ? screenshots : [cardKeys.review(paymentId), ...screenshots];
}

/** Every card of an order's provisioning (all its episodes: only open ones change). */
export async function provisioningCardKeys(db: Db, orderId: number): Promise<string[]> {
  const rows = await db.staffCard.findMany({ where: { key: { startsWith: `prov:${orderId}:` }, outcome: null }, select: { key: true } });
  return rows.map((r) => r.key);
}

/** Copies not showing the card's current version (and still editable), for refreshCardCopies. */
export async function copiesBehind(db: Db, key: string) {
  return db.$queryRaw<Array<{ id: number; chatId: bigint; messageId: number; version: number }>>`
    SELECT c.id, c.chat_id AS "chatId", c.message_id AS "messageId", s.version
      FROM staff_card_copies c JOIN staff_cards s ON s.key = c.card_key
     WHERE c.card_key = ${key} AND c.edit_error IS NULL AND c.shown_version < s.version
     ORDER BY c.id`;
}

export async function markShown(db: Db, copyId: number, version: number): Promise<void> {
  await db.$executeRaw`UPDATE staff_card_copies SET shown_version = GREATEST(shown_version, ${version}) WHERE id = ${copyId}`;
}

/** A copy that can no longer be edited (deleted, too old): never tried again. */
export async function markUneditable(db: Db, copyId: number, error: string): Promise<void> {
  await db.$executeRaw`UPDATE staff_card_copies SET edit_error = ${error.slice(0, 500)} WHERE id = ${copyId}`;
}

/** Cards whose copies are behind (an edit job lost before it ran): the reminder pass queues them again. */
export async function cardsWithCopiesBehind(db: Db, limit = 100): Promise<Array<{ key: string; version: number }>> {
  return db.$queryRaw<Array<{ key: string; version: number }>>`
    SELECT DISTINCT s.key, s.version FROM staff_cards s JOIN staff_card_copies c ON c.card_key = s.key
     WHERE c.edit_error IS NULL AND c.shown_version < s.version AND s.updated_at < now() - interval '2 minutes'
     LIMIT ${limit}`;
}

/** Who handled a card, as a second tap is told: the card's record, else the audit trail of what it is about. */
export async function handledBy(db: Db, key: string): Promise<{ name: string; at: Date; outcome: string } | null> {
  const card = await cardState(db, key);
  if (card?.outcome && card.actedAt) return { name: card.actorName ?? "?", at: card.actedAt, outcome: card.outcome };
  const [kind, id] = key.split(":");
  const target =
    kind === "review" ? { targetType: "payment", targetId: id! } : kind === "proof" ? await proofTarget(db, Number(id)) : kind === "prov" ? { targetType: "order", targetId: id! } : null;
  if (!target) return null;
  const row = await db.auditLog.findFirst({
    where: { ...target, actorUserId: { not: null }, action: { notIn: ["payment.approve.first", "payment.mark-paid.first"] } },
    orderBy: { id: "desc" },
    include: { actor: { select: { firstName: true } } },
  });
  if (!row) return null;
  return { name: row.actor?.firstName ?? "?", at: row.createdAt, outcome: row.action };
}

async function proofTarget(db: Db, proofId: number) {
  const proof = await db.transferProof.findUnique({ where: { id: proofId }, select: { paymentId: true } });
  return proof?.paymentId ? { targetType: "payment", targetId: String(proof.paymentId) } : null;
}
