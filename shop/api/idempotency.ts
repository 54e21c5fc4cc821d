/**
 * `Idempotency-Key` for the reseller API's POSTs, as payment APIs do it (Stripe's rules): the
 * first request with a key runs and its response is stored; the same key with the same method,
 * path and body gets that stored response again, whatever happened in between; the same key with
 * anything else is refused (409), and so is a second request while the first is still running.
 * The claim is one INSERT on the unique (api_key_id, idem_key), so of two concurrent requests
 * exactly one runs. Records are kept 24 hours; after that the key may be used again. A request
 * cut off mid-way (the process died) leaves its key "in flight": when it had not yet changed
 * anything (no markIdempotencyChanged), the key is taken over by a retry after
 * IN_FLIGHT_TAKEOVER_MS; when it had (an order paid), it stays refused ("unfinished") for the 24 hours, since
 * running it again would do the change twice: the caller looks at GET /orders instead.
 *
 * Stored answers are sealed with DATA_ENCRYPTION_KEY (shop/crypto/secretbox.ts): some carry a
 * secret shown once (a webhook signing secret), and a database copy must not hold it in clear.
 */
import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "../../db/client.js";
import { open, ready, seal } from "../crypto/secretbox.js";

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** After this, a claim still in flight that changed nothing belongs to a request that died: a retry takes it over. */
export const IN_FLIGHT_TAKEOVER_MS = 5 * 60_000;
/** Printable ASCII without spaces, like Stripe's; UUIDs fit. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyClaim =
  | { kind: "run"; recordId: number }
  | { kind: "replay"; statusCode: number; body: unknown; headers: Record<string, string> }
  /** unfinished: its request changed something (an order paid) long ago and never stored its answer. */
  | { kind: "conflict"; reason: "other_request" | "in_flight" | "unfinished" };

/** JSON with object keys sorted, so the same body written in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The fingerprint a key is bound to: method, path and the body (parsed JSON when it is JSON, else the raw text). */
export function requestFingerprint(method: string, path: string, rawBody: string): string {
  let body: string;
  try {
    body = rawBody.trim() === "" ? "" : canonical(JSON.parse(rawBody));
  } catch {
    body = rawBody;
  }
  return createHash("sha256").update(`${method.toUpperCase()} ${path}\n${body}`).digest("hex");
}

/** How an answer is kept in api_idempotency.response: sealed, never in clear. */
interface SealedAnswer {
  sealed: string;
}

/** What a replay gives back besides the status: the JSON body and the headers a client acts on. */
export interface StoredAnswer {
  body: unknown;
  headers: Record<string, string>;
}

async function sealAnswer(encryptionKey: Uint8Array, answer: StoredAnswer): Promise<SealedAnswer> {
  await ready();
  return { sealed: Buffer.from(seal(encryptionKey, Buffer.from(JSON.stringify({ body: answer.body ?? null, headers: answer.headers }), "utf8"))).toString("base64") };
}

async function openAnswer(encryptionKey: Uint8Array, stored: unknown): Promise<StoredAnswer> {
  await ready();
  const { sealed } = stored as SealedAnswer;
  return JSON.parse(Buffer.from(open(encryptionKey, Buffer.from(sealed, "base64"))).toString("utf8")) as StoredAnswer;
}

/**
 * Deletes every record past its 24 hours, of every key (the daily retention run): claims prune
 * only their own key's records, so a key never used again would keep its sealed answers for good.
 */
export async function purgeExpiredIdempotency(prisma: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await prisma.apiIdempotency.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_TTL_MS) } } });
  return count;
}

/** Claims `idemKey` for this request, or says what to answer instead (a stored answer opened with `encryptionKey`). */
export async function claimIdempotencyKey(
  prisma: PrismaClient,
  input: { apiKeyId: number; idemKey: string; method: string; path: string; requestHash: string; encryptionKey: Uint8Array; now?: Date },
): Promise<IdempotencyClaim> {
  const now = input.now ?? new Date();
  // This key's records past their 24 hours go first (one indexed delete): the table holds at most
  // a day of each key's POSTs without a sweeping job.
  await prisma.apiIdempotency.deleteMany({ where: { apiKeyId: input.apiKeyId, createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_TTL_MS) } } });
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await prisma.$queryRaw<{ id: number }[]>`
      INSERT INTO api_idempotency (api_key_id, idem_key, method, path, request_hash, created_at)
      VALUES (${input.apiKeyId}, ${input.idemKey}, ${input.method}, ${input.path}, ${input.requestHash}, ${now})
      ON CONFLICT (api_key_id, idem_key) DO NOTHING
      RETURNING id`;
    if (inserted[0]) return { kind: "run", recordId: inserted[0].id };
    const existing = await prisma.apiIdempotency.findUnique({ where: { apiKeyId_idemKey: { apiKeyId: input.apiKeyId, idemKey: input.idemKey } } });
    if (!existing) continue; // expired and removed in between: claim again
    if (existing.createdAt.getTime() < now.getTime() - IDEMPOTENCY_TTL_MS) {
      await prisma.apiIdempotency.deleteMany({ where: { id: existing.id, createdAt: existing.createdAt } });
      continue;
    }
    if (existing.requestHash !== input.requestHash) return { kind: "conflict", reason: "other_request" };
    if (existing.statusCode === null) {
      if (existing.createdAt.getTime() > now.getTime() - IN_FLIGHT_TAKEOVER_MS) return { kind: "conflict", reason: "in_flight" };
      if (existing.response !== null) return { kind: "conflict", reason: "unfinished" };
      // Of several retries at once, the one whose update finds the old claim unchanged takes it.
      const taken = await prisma.$executeRaw`
        UPDATE api_idempotency SET created_at = ${now}
        WHERE id = ${existing.id} AND status_code IS NULL AND response IS NULL AND created_at = ${existing.createdAt}`;
      return taken === 1 ? { kind: "run", recordId: existing.id } : { kind: "conflict", reason: "in_flight" };
    }
    return { kind: "replay", statusCode: existing.statusCode, ...(await openAnswer(input.encryptionKey, existing.response)) };
  }
  return { kind: "conflict", reason: "in_flight" };
}

/**
 * Notes that the claimed request has changed something (its order is paid): from then on the
 * claim is never taken over, even if the request dies before its answer is stored.
 */
export async function markIdempotencyChanged(prisma: PrismaClient, recordId: number): Promise<void> {
  await prisma.$executeRaw`UPDATE api_idempotency SET response = '{"changed":true}'::jsonb WHERE id = ${recordId} AND status_code IS NULL`;
}

/** Stores the response the claimed request produced (sealed); later requests with the key get it back. */
export async function finishIdempotencyKey(prisma: PrismaClient, encryptionKey: Uint8Array, recordId: number, statusCode: number, answer: StoredAnswer): Promise<void> {
  const response = (await sealAnswer(encryptionKey, answer)) as unknown as Prisma.InputJsonValue;
  await prisma.apiIdempotency.update({ where: { id: recordId }, data: { statusCode, response } });
}

/**
 * Lets the key go without a stored response: for a request refused without changing anything
 * (its body failed validation, the balance was short, a limit was reached), so the caller may
 * send it again with the same key once the cause is gone.
 */
export async function releaseIdempotencyKey(prisma: PrismaClient, recordId: number): Promise<void> {
  await prisma.apiIdempotency.deleteMany({ where: { id: recordId, statusCode: null } });
}
