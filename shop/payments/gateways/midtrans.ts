/**
 * Midtrans (Snap + Core API status) integration: notification signature, API client,
 * schemas and the mapping to our GatewayOutcome. Wire facts: /work/shared/specs/integrations.md §2.
 *
 * Parsed Midtrans objects keep Midtrans' snake_case names; `gross_amount` stays the
 * exact decimal string Midtrans sent (it is part of the signature) and is turned into
 * integer rupiah only by {@link parseMidtransAmount}, without floating point.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Config } from "../../platform/config.js";
import { ExternalServiceError, requestJson, type RequestDefaults } from "../../http/resilient-fetch.js";
import { dependencyHealth } from "../../maintenance/dependency-health.js";
import type { GatewayOutcome } from "../outcome.js";
import { hexSignatureEquals } from "./hex-compare.js";

export type MidtransConfig = NonNullable<Config["midtrans"]>;

// ---------------------------------------------------------------------------------------
// Signature (pure)

/**
 * `signature_key` of a notification / status answer: lowercase hex
 * SHA-512(order_id + status_code + gross_amount + server_key) — a plain digest, not an
 * HMAC — over the strings exactly as Midtrans sent them ("145000.00", not 145000).
 */
export function midtransSignature(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash("sha512").update(`${orderId}${statusCode}${grossAmount}${serverKey}`).digest("hex");
}

/**
 * Verifies a parsed notification body's `signature_key` in constant time. False (never a
 * throw) when the body is not an object or a field is missing or of the wrong type.
 * Midtrans' own docs add: also trust only the Get Status answer before fulfilling.
 */
export function verifyMidtransNotification(body: unknown, serverKey: string): boolean {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const statusCode = typeof b.status_code === "number" ? String(b.status_code) : b.status_code;
  if (typeof b.order_id !== "string" || typeof statusCode !== "string" || typeof b.gross_amount !== "string") return false;
  if (typeof b.signature_key !== "string" || !serverKey) return false;
  return hexSignatureEquals(midtransSignature(b.order_id, statusCode, b.gross_amount, serverKey), b.signature_key);
}

// ---------------------------------------------------------------------------------------
// Amounts and times

const AMOUNT = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/**
 * "145000.00" → 145000, parsed from the digits (no float). Throws RangeError for
 * anything else, including a non-zero fraction: IDR has no cents and Midtrans only
 * accepts integer IDR amounts, so "145000.50" means something is wrong.
 */
export function parseMidtransAmount(grossAmount: string): number {
  const m = AMOUNT.exec(grossAmount.trim());
  if (!m) throw new RangeError(`not a Midtrans amount: ${JSON.stringify(grossAmount.slice(0, 32))}`);
  if (m[2] !== undefined && !/^0+$/.test(m[2])) throw new RangeError(`Midtrans IDR amount has a fraction: ${grossAmount}`);
  return Number(m[1]);
}

/** "YYYY-MM-DD HH:MM:SS" as Midtrans sends it, read as Jakarta time (WIB, UTC+7; the spec marks the zone unconfirmed). */
export function parseMidtransTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}+07:00`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// ---------------------------------------------------------------------------------------
// Schemas

const nullableString = z.string().nullable().optional().transform((v) => v ?? null);
const amountString = z.string().refine((s) => {
  try {
    parseMidtransAmount(s);
    return true;
  } catch {
    return false;
  }
}, "must be an integer IDR amount like \"145000.00\"");

/** A Get Status answer (and the common part of every notification). */
export const midtransStatusSchema = z.looseObject({
  transaction_status: z.string().min(1),
  order_id: z.string().min(1),
  status_code: z.union([z.string(), z.number().int().transform(String)]),
  gross_amount: amountString,
  transaction_id: nullableString,
  status_message: nullableString,
  fraud_status: nullableString,
  payment_type: nullableString,
  transaction_time: nullableString,
  settlement_time: nullableString,
  expiry_time: nullableString,
  currency: nullableString,
  merchant_id: nullableString,
  signature_key: nullableString,
});
export type MidtransStatus = z.output<typeof midtransStatusSchema>;

/** An HTTP notification body. Verify with verifyMidtransNotification on the parsed JSON first. */
export const midtransNotificationSchema = midtransStatusSchema.extend({
  signature_key: z.string().min(1),
});
export type MidtransNotification = z.output<typeof midtransNotificationSchema>;

// ---------------------------------------------------------------------------------------
// Outcome mapping

/**
 * The exactly-once key of a Midtrans status for one attempt
 * ("<order_id>:<transaction_status>:<fraud_status>"). The notification job and the status
 * check (reconcile.ts) must use the same key, so whichever comes second is a duplicate.
 */
export function midtransEventKey(orderId: string, status: Pick<MidtransStatus, "transaction_status" | "fraud_status">): string {
  return `${orderId}:${status.transaction_status}:${status.fraud_status ?? ""}`;
}

/**
 * Maps a notification or Get Status answer to our outcome (spec §2.4):
 * - `capture` + fraud `accept` → paid; `capture` + `challenge` (or no fraud status) →
 *   challenge, a human decides; `capture` + fraud `deny` → failed.
 * - `settlement` → paid (amount parsed from the decimal string, paidAt = settlement_time,
 *   else transaction_time, else `now`).
 * - `pending`, `authorize` → pending.
 * - `expire` → expired; `deny`, `cancel`, `failure` → failed.
 * - `refund`, `partial_refund`, `chargeback`, `partial_chargeback` → refunded.
 * - anything else → pending (never settle on an unknown word).
 */
export function midtransOutcome(status: MidtransStatus, now: Date = new Date()): GatewayOutcome {
  const ref = status.transaction_id ?? undefined;
  const fraud = status.fraud_status?.toLowerCase() ?? null;
  const paid = (): GatewayOutcome => ({
    kind: "paid",
    amountIdr: parseMidtransAmount(status.gross_amount),
    paidAt: parseMidtransTime(status.settlement_time) ?? parseMidtransTime(status.transaction_time) ?? now,
    ...(ref ? { gatewayReference: ref } : {}),
    ...(status.payment_type ? { method: status.payment_type } : {}),
  });
  switch (status.transaction_status.toLowerCase()) {
    case "capture":
      if (fraud === "accept") return paid();
      if (fraud === "deny") return { kind: "failed", reason: "midtrans capture denied by fraud detection" };
      return { kind: "challenge", amountIdr: parseMidtransAmount(status.gross_amount), ...(ref ? { gatewayReference: ref } : {}) };
    case "settlement":
      return paid();
    case "pending":
    case "authorize":
      return { kind: "pending" };
    case "expire":
      return { kind: "expired" };
    case "deny":
    case "cancel":
    case "failure":
      return { kind: "failed", reason: `midtrans ${status.transaction_status.toLowerCase()}` };
    case "refund":
    case "partial_refund":
    case "chargeback":
    case "partial_chargeback":
      return { kind: "refunded" };
    default:
      return { kind: "pending" };
  }
}

// ---------------------------------------------------------------------------------------
// Client

export interface MidtransSnapInput {
  /** Unique per merchant; reuse is rejected (406). */
  orderId: string;
  /** Integer rupiah; must equal Σ price × quantity when items are given. */
  grossAmount: number;
  items?: { id?: string; name: string; price: number; quantity: number }[];
  customer?: { firstName?: string; lastName?: string; email?: string; phone?: string };
  /** Payment page lifetime, from creation. */
  expiryMinutes?: number;
  /** Restricts the methods shown, e.g. ["other_qris", "bca_va"]. */
  enabledPayments?: string[];
  /** Where Snap sends the customer after paying. */
  finishUrl?: string;
  /** Sent as X-Override-Notification: notifications for this transaction go here instead of the dashboard URL. */
  notificationUrl?: string;
}

export interface MidtransClientOptions {
  fetchOptions?: RequestDefaults;
}

/**
 * Midtrans client: Snap create and Core API Get Status, Basic auth with the server key,
 * through requestJson (Snap create is a POST, so it is never retried after a response).
 */
export class MidtransClient {
  private readonly auth: string;

  constructor(
    private readonly config: MidtransConfig,
    private readonly opts: MidtransClientOptions = {},
  ) {
    this.auth = `Basic ${Buffer.from(`${config.serverKey}:`).toString("base64")}`;
  }

  /** POST {snapUrl}/transactions → 201 {token, redirect_url}. `error_messages` become ExternalServiceError. */
  async createSnap(input: MidtransSnapInput): Promise<{ token: string; redirectUrl: string }> {
    if (!Number.isSafeInteger(input.grossAmount) || input.grossAmount <= 0) {
      throw new RangeError(`midtrans gross amount must be a positive integer rupiah, got ${input.grossAmount}`);
    }
    if (input.items) {
      const sum = input.items.reduce((s, i) => s + i.price * i.quantity, 0);
      if (sum !== input.grossAmount) throw new RangeError(`midtrans item_details sum to ${sum} but gross amount is ${input.grossAmount}`);
    }
    const c = input.customer;
    const body = {
      transaction_details: { order_id: input.orderId, gross_amount: input.grossAmount },
      ...(input.items
        ? {
            item_details: input.items.map((i, n) => ({
              id: (i.id ?? `item-${n + 1}`).slice(0, 50),
              // Midtrans rejects item names over 50 characters.
              name: i.name.slice(0, 50),
              price: i.price,
              quantity: i.quantity,
            })),
          }
        : {}),
      ...(c
        ? {
            customer_details: {
              ...(c.firstName ? { first_name: c.firstName } : {}),
              ...(c.lastName ? { last_name: c.lastName } : {}),
              ...(c.email ? { email: c.email } : {}),
              ...(c.phone ? { phone: c.phone } : {}),
            },
          }
        : {}),
      ...(input.enabledPayments ? { enabled_payments: input.enabledPayments } : {}),
      ...(input.expiryMinutes ? { expiry: { unit: "minute", duration: input.expiryMinutes } } : {}),
      ...(input.finishUrl ? { callbacks: { finish: input.finishUrl } } : {}),
    };
    const headers: Record<string, string> = { authorization: this.auth, "content-type": "application/json" };
    if (input.notificationUrl) headers["x-override-notification"] = input.notificationUrl;
    const res = await dependencyHealth.observe("GATEWAY:MIDTRANS", requestJson<{ token?: unknown; redirect_url?: unknown; error_messages?: unknown }>({
      ...this.opts.fetchOptions,
      service: "midtrans",
      method: "POST",
      url: `${this.config.snapUrl}/transactions`,
      headers,
      body,
      redact: this.secrets(),
    }));
    const d = res.data;
    if (!d || typeof d.token !== "string" || typeof d.redirect_url !== "string") {
      throw new ExternalServiceError({
        service: "midtrans",
        code: "bad_response",
        message: `midtrans: Snap create answered HTTP ${res.status} without token/redirect_url`,
        status: res.status,
        body: res.text.slice(0, 2000),
        retryable: false,
        attempts: res.attempts,
        data: d,
      });
    }
    return { token: d.token, redirectUrl: d.redirect_url };
  }

  /**
   * GET {apiUrl}/v2/{orderId}/status. Returns null when Midtrans does not know the order
   * (404: for Snap this is normal until the customer picks a payment method). An expired
   * transaction answers `status_code: "407"` in the body — a valid answer, mapped by
   * midtransOutcome, not an error. (It has to be in the body: the Fetch standard turns an
   * HTTP-level 407 into a network error, and the official Node client also only special-cases
   * the body's 407.) Other 4xx/5xx, in the HTTP status or in the body's status_code, throw
   * ExternalServiceError.
   */
  async status(orderId: string): Promise<MidtransStatus | null> {
    const res = await dependencyHealth.observe("GATEWAY:MIDTRANS", requestJson<Record<string, unknown>>({
      ...this.opts.fetchOptions,
      service: "midtrans",
      method: "GET",
      url: `${this.config.apiUrl}/v2/${encodeURIComponent(orderId)}/status`,
      headers: { authorization: this.auth },
      acceptStatus: [404],
      redact: this.secrets(),
    }));
    const d = res.data;
    const bodyCode = d && typeof d === "object" ? Number(d.status_code) : Number.NaN;
    if (res.status === 404 || bodyCode === 404) return null;
    if (Number.isInteger(bodyCode) && bodyCode >= 400 && bodyCode !== 407) {
      const text = typeof d?.status_message === "string" ? d.status_message.slice(0, 200) : "error";
      throw new ExternalServiceError({
        service: "midtrans",
        code: bodyCode >= 500 ? "http_5xx" : "http_4xx",
        message: `midtrans: status of ${orderId} answered status_code ${bodyCode}: ${text}`,
        status: bodyCode,
        body: res.text.slice(0, 2000),
        retryable: bodyCode >= 500,
        attempts: res.attempts,
        data: d,
      });
    }
    const parsed = midtransStatusSchema.safeParse(d);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ExternalServiceError({
        service: "midtrans",
        code: "bad_response",
        message: `midtrans: unexpected status shape (${first ? `${first.path.join(".")}: ${first.message}` : "invalid"})`,
        status: res.status,
        retryable: false,
        attempts: res.attempts,
      });
    }
    return parsed.data;
  }

  private secrets(): string[] {
    return [this.config.serverKey, ...(this.config.clientKey ? [this.config.clientKey] : []), ...(this.opts.fetchOptions?.redact ?? [])];
  }
}

/**
 * Snap refused the order_id as already used ("transaction_details.order_id has already been
 * taken", a 4xx with that in `error_messages`): an earlier request with this order_id reached
 * Midtrans, whatever became of its answer.
 */
export function midtransOrderIdTaken(err: unknown): boolean {
  return (
    err instanceof ExternalServiceError &&
    err.service === "midtrans" &&
    err.status !== undefined &&
    err.status >= 400 &&
    err.status < 500 &&
    /order_id has already been taken/i.test(err.body ?? "")
  );
}
