/**
 * One attempt at a reseller webhook: POST the event as JSON, signed with the endpoint's secret,
 * with a hard timeout (http-post.ts); any 2xx is delivered, anything else (another status, a timeout, a refused
 * connection, a URL that now points at a private host) is recorded on the delivery row and
 * retried on the schedule of attempts.ts until it runs out. A receiver answering 429 or 503 with
 * Retry-After (seconds or an HTTP-date) gets its next attempt no sooner than it asked (capped at
 * RETRY_AFTER_CAP_MS), never sooner than the schedule; the wait it asked for is noted in last_error.
 */
import type { PrismaClient } from "../../db/client.js";
import { open, ready } from "../crypto/secretbox.js";
import { claimDelivery, nextAttemptAt, RETRY_AFTER_CAP_MS, RETRY_DELAYS_MS, retryAfterMs } from "./attempts.js";
import { EVENT_WIRE_TYPES } from "./record.js";
import { SIGNATURE_HEADER, signWebhook } from "./signature.js";
import { postOnce } from "./http-post.js";
import { checkWebhookUrl, type Resolve, type WebhookUrlPolicy } from "./webhook-url.js";

export interface WebhookDeliveryDeps {
  prisma: PrismaClient;
  encryptionKey: Uint8Array;
  policy: WebhookUrlPolicy;
  resolve?: Resolve;
  /** Per request: connect, send, and the answer's headers (default 10 s). */
  timeoutMs?: number;
  /** Waits between attempts (default RETRY_DELAYS_MS); tests shorten them. */
  retryDelaysMs?: readonly number[];
}

/** What one attempt came to; `retry` says when the next is due. */
export type DeliveryResult =
  | { outcome: "delivered"; status: number }
  | { outcome: "retry"; dueAt: Date; error: string }
  | { outcome: "failed"; error: string }
  | { outcome: "skipped"; reason: string };

/** The JSON body of a webhook. */
export function webhookBody(event: { id: number; type: keyof typeof EVENT_WIRE_TYPES; createdAt: Date; data: unknown }): string {
  return JSON.stringify({ id: `evt_${event.id}`, type: EVENT_WIRE_TYPES[event.type], created_at: event.createdAt.toISOString(), data: event.data });
}

/** Makes one attempt at delivery `deliveryId` if it is due (or exactly at `dueAt`, the time its job was queued for). */
export async function deliverWebhook(deps: WebhookDeliveryDeps, deliveryId: number, dueAt?: Date): Promise<DeliveryResult> {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const claim = await claimDelivery(deps.prisma, "webhook_deliveries", deliveryId, dueAt, timeoutMs + 30_000);
  if (!claim) return { outcome: "skipped", reason: "not pending, not due, or taken by another attempt" };
  const delivery = await deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { event: true, endpoint: { include: { user: { select: { resellerTierId: true, bannedAt: true, blocked: true } } } } } });
  const { event, endpoint } = delivery;
  const finish = (outcome: Outcome) =>
    record(deps, { id: deliveryId, attempts: claim.attempts + 1, leaseUntil: claim.leaseUntil, url: endpoint.url }, outcome);

  if (endpoint.disabledAt) return finish({ error: "endpoint disabled", giveUp: true });
  // Banned, restricted or no longer a reseller since the event: their customers' data is not sent.
  const owner = endpoint.user;
  if (owner.resellerTierId === null || owner.bannedAt || owner.blocked) return finish({ error: "account no longer served by the reseller API", giveUp: true });
  const checked = await checkWebhookUrl(endpoint.url, deps.policy, deps.resolve);
  if (!checked.ok) return finish({ error: `url refused: ${checked.reason}` });

  const body = webhookBody(event);
  let secret: string;
  try {
    await ready();
    secret = Buffer.from(open(deps.encryptionKey, endpoint.secretEnc)).toString("utf8");
  } catch {
    // An attempt like any other (counted, retried, then FAILED), not a job that throws forever.
    return finish({ error: "cannot open the endpoint's signing secret (DATA_ENCRYPTION_KEY changed?)" });
  }
  const t = Math.floor(Date.now() / 1000);
  try {
    const { status, retryAfter } = await postOnce(
      checked.url,
      {
        "Content-Type": "application/json",
        "User-Agent": "vps-shop-webhooks/1",
        "X-Shop-Event": EVENT_WIRE_TYPES[event.type],
        "X-Shop-Delivery": String(deliveryId),
        [SIGNATURE_HEADER]: signWebhook(secret, body, t),
      },
      body,
      { timeoutMs, allowPrivate: deps.policy.allowPrivate },
    );
    if (status >= 200 && status < 300) return finish({ status, delivered: true });
    const waitMs = status === 429 || status === 503 ? retryAfterMs(retryAfter, new Date(), RETRY_AFTER_CAP_MS) : null;
    if (waitMs !== null) return finish({ status, error: `HTTP ${status} (Retry-After ${Math.ceil(waitMs / 1000)} s)`, notBeforeMs: waitMs });
    return finish({ status, error: `HTTP ${status}` });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    return finish({ error: code && !message.includes(code) ? `${code}: ${message}` : message });
  }
}

/** One attempt's outcome; `notBeforeMs`: the receiver's Retry-After (capped), the least wait before the next. */
type Outcome = { status?: number; error?: string; delivered?: boolean; giveUp?: boolean; notBeforeMs?: number };

/** Writes the attempt on the row while the claim still holds: delivered, retry later, or FAILED. */
async function record(deps: WebhookDeliveryDeps, attempt: { id: number; attempts: number; leaseUntil: Date; url: string }, outcome: Outcome): Promise<DeliveryResult> {
  const now = new Date();
  const scheduled = outcome.delivered || outcome.giveUp ? null : nextAttemptAt(attempt.attempts, now, deps.retryDelaysMs ?? RETRY_DELAYS_MS);
  // Retry-After moves a retry later, never earlier, and never revives a schedule that has run out.
  const next = scheduled && outcome.notBeforeMs ? new Date(Math.max(scheduled.getTime(), now.getTime() + outcome.notBeforeMs)) : scheduled;
  const error = outcome.error?.slice(0, 500) ?? null;
  const { count } = await deps.prisma.webhookDelivery.updateMany({
    where: { id: attempt.id, status: "PENDING", nextAttemptAt: attempt.leaseUntil },
    data: {
      attempts: attempt.attempts,
      url: attempt.url,
      lastStatus: outcome.status ?? null,
      lastError: outcome.delivered ? null : error,
      ...(outcome.delivered ? { status: "DELIVERED", deliveredAt: now } : next ? { nextAttemptAt: next } : { status: "FAILED" }),
    },
  });
  if (count === 0) return { outcome: "skipped", reason: "the claim lapsed before the attempt was recorded" };
  if (outcome.delivered) return { outcome: "delivered", status: outcome.status! };
  return next ? { outcome: "retry", dueAt: next, error: error ?? "" } : { outcome: "failed", error: error ?? "" };
}
