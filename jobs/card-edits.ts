import type { Db } from "../db/client.js";
import { closeCards, paymentCardKeys, type CardActor, type CardOutcome } from "../shop/pending/cards.js";
import { QueueName, jobId, type Queues } from "./queues.js";

/**
 * After a decision: closes the cards it ends and queues the edit of every staff copy of each
 * (durable: recorded in the outbox, so a crash or a Redis wipe still edits them). One job per
 * card and version, so a later change of the same card is a job of its own.
 */
export async function closeCardsAndEdit(deps: { prisma: Db; queues: Queues }, keys: readonly string[], outcome: CardOutcome, actor: CardActor | null): Promise<void> {
  const changed = await closeCards(deps.prisma, keys, outcome, actor);
  await queueCardEdits(deps.queues, changed);
}

/**
 * Queues the edits that bring every copy of these cards to the given versions. `round` names a
 * catch-up pass (its tick): the version's own job may have run, or failed, already.
 */
export async function queueCardEdits(queues: Queues, cards: ReadonlyArray<{ key: string; version: number }>, round?: string): Promise<void> {
  for (const card of cards) {
    const id = round ? jobId("card-edit", card.key, card.version, round) : jobId("card-edit", card.key, card.version);
    await queues.enqueue(QueueName.Notifications, { cardKey: card.key, version: card.version }, { jobId: id });
  }
}

/**
 * A decision about a payment: its screenshot cards close, and its review card when the decision
 * ended money under review (`endedReview`; see paymentCardKeys); every copy is edited.
 */
export async function paymentDecided(deps: { prisma: Db; queues: Queues }, paymentId: number, outcome: CardOutcome, actor: CardActor, endedReview: boolean): Promise<void> {
  await closeCardsAndEdit(deps, await paymentCardKeys(deps.prisma, paymentId, { review: endedReview }), outcome, actor);
}

/** A decision about a failed or stuck order: its provisioning cards close, every copy is edited. */
export async function orderDecided(deps: { prisma: Db; queues: Queues }, orderId: number, outcome: CardOutcome, actor: CardActor): Promise<void> {
  const rows = await deps.prisma.staffCard.findMany({ where: { key: { startsWith: `prov:${orderId}:` }, outcome: null }, select: { key: true } });
  await closeCardsAndEdit(deps, rows.map((r) => r.key), outcome, actor);
}
