/**
 * Tripay (tripay.co.id) closed-payment integration: signatures, API client, callback
 * parsing and the mapping to our GatewayOutcome. Wire facts: /work/shared/specs/integrations.md §1.
 *
 * Field names of parsed Tripay objects stay snake_case as on the wire, so they can be
 * read side by side with Tripay's documentation; amounts are integer rupiah.
 */
import { createHash, createHmac } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Config } from "../../platform/config.js";
import { ExternalServiceError, requestJson, type RequestDefaults } from "../../http/resilient-fetch.js";
import { dependencyHealth } from "../../maintenance/dependency-health.js";
import type { GatewayOutcome } from "../outcome.js";
import { hexSignatureEquals } from "./hex-compare.js";

export type TripayConfig = NonNullable<Config["tripay"]>;

// ---------------------------------------------------------------------------------------
// Signatures (pure)

/**
 * Signature of a closed-payment create request: lowercase hex
 * HMAC-SHA256(privateKey, merchantCode + merchantRef + amount), amount as its integer text.
 */
export function tripayRequestSignature(privateKey: string, merchantCode: string, merchantRef: string, amount: number): string {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`tripay amount must be a positive integer rupiah, got ${amount}`);
  return createHmac("sha256", privateKey).update(`${merchantCode}${merchantRef}${amount}`).digest("hex");
}

/** Open-payment signature (production only at Tripay): HMAC-SHA256(privateKey, merchantCode + channel + merchantRef). */
export function tripayOpenPaymentSignature(privateKey: string, merchantCode: string, channel: string, merchantRef: string): string {
  return createHmac("sha256", privateKey).update(`${merchantCode}${channel}${merchantRef}`).digest("hex");
}

/** What Tripay puts in `X-Callback-Signature`: lowercase hex HMAC-SHA256(privateKey, raw body bytes). */
export function tripayCallbackSignature(privateKey: string, rawBody: string | Buffer): string {
  return createHmac("sha256", privateKey).update(rawBody).digest("hex");
}

/**
 * Verifies a Tripay callback. Must get the RAW request body: re-serialising parsed
 * JSON changes bytes (spacing, escaping, key order) and breaks the HMAC.
 * Constant-time; false (never a throw) for a missing, repeated or malformed header.
 */
export function verifyTripayCallback(privateKey: string, rawBody: string | Buffer, signatureHeader: string | string[] | null | undefined): boolean {
  if (typeof signatureHeader !== "string" || signatureHeader.length === 0) return false;
  return hexSignatureEquals(tripayCallbackSignature(privateKey, rawBody), signatureHeader);
}

// ---------------------------------------------------------------------------------------
// Wire schemas

/**
 * Integer that Tripay may send as a number or numeric string (e.g. `paid_at: "1582856000"`). At
 * most 15 digits as a string: a longer one would turn into an inexact float, not an integer.
 */
const int = z.union([z.number().int(), z.string().regex(/^-?\d{1,15}$/).transform(Number)]);
/** A rupiah amount: a negative total is no payment we can settle or refund, so not a Tripay body. */
const rupiah = int.refine((v) => v >= 0, "a rupiah amount is never negative");
/** A decimal Tripay may send as number or string (e.g. `percent: "0.70"`). */
const decimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const nullableInt = int.nullable().optional().transform((v) => v ?? null);
const nullableString = z.string().nullable().optional().transform((v) => v ?? null);

const feeSchema = z.object({ flat: decimal, percent: decimal });
const zeroFee = { flat: 0, percent: 0 };

const channelSchema = z.looseObject({
  group: z.string(),
  code: z.string(),
  name: z.string(),
  type: z.string(),
  fee_merchant: feeSchema.optional().transform((v) => v ?? zeroFee),
  fee_customer: feeSchema.optional().transform((v) => v ?? zeroFee),
  total_fee: feeSchema.optional().transform((v) => v ?? zeroFee),
  minimum_fee: decimal.nullable().optional().transform((v) => v ?? null),
  maximum_fee: decimal.nullable().optional().transform((v) => v ?? null),
  minimum_amount: decimal.nullable().optional().transform((v) => v ?? null),
  maximum_amount: decimal.nullable().optional().transform((v) => v ?? null),
  icon_url: nullableString,
  active: z.union([z.boolean(), z.number()]).optional().transform((v) => v === undefined || v === true || v === 1),
});

/** A payment channel (fees parsed to numbers; `percent` is a percentage, 0.7 = 0.7 %). */
export interface TripayChannel {
  code: string;
  name: string;
  group: string;
  /** "direct" (pay code / QR shown by us) or "redirect" (send the customer to pay_url). */
  type: string;
  fee_merchant: { flat: number; percent: number };
  fee_customer: { flat: number; percent: number };
  total_fee: { flat: number; percent: number };
  minimum_fee: number | null;
  maximum_fee: number | null;
  minimum_amount: number | null;
  maximum_amount: number | null;
  icon_url: string | null;
}

const transactionSchema = z.looseObject({
  reference: z.string().min(1),
  merchant_ref: nullableString,
  payment_method: z.string(),
  payment_name: nullableString,
  amount: rupiah,
  fee_merchant: int.optional().transform((v) => v ?? 0),
  fee_customer: int.optional().transform((v) => v ?? 0),
  total_fee: int.optional().transform((v) => v ?? 0),
  amount_received: int.optional().transform((v) => v ?? 0),
  // Seen as a number in some Tripay samples; always a string for us (VA numbers have leading zeros).
  pay_code: z
    .union([z.string(), z.number()])
    .nullable()
    .optional()
    .transform((v) => (v === null || v === undefined ? null : String(v))),
  pay_url: nullableString,
  checkout_url: nullableString,
  qr_string: nullableString,
  qr_url: nullableString,
  status: z.string(),
  expired_time: int,
  paid_at: nullableInt,
  instructions: z
    .array(z.looseObject({ title: z.string(), steps: z.array(z.string()) }))
    .nullable()
    .optional()
    .transform((v) => (v ?? []).map((i) => ({ title: i.title, steps: i.steps }))),
});

/** A transaction as returned by create and detail. `amount` is what the customer pays (incl. fee_customer). */
export interface TripayTransaction {
  reference: string;
  merchant_ref: string | null;
  /** Channel code, e.g. "BRIVA". */
  payment_method: string;
  payment_name: string | null;
  amount: number;
  fee_merchant: number;
  fee_customer: number;
  total_fee: number;
  amount_received: number;
  /** VA number / pay code for DIRECT channels, else null. */
  pay_code: string | null;
  /** Where to send the customer for REDIRECT channels, else null. */
  pay_url: string | null;
  checkout_url: string | null;
  qr_string: string | null;
  qr_url: string | null;
  /** UNPAID | PAID | EXPIRED | FAILED | REFUND */
  status: string;
  /** Unix seconds. */
  expired_time: number;
  /** Unix seconds, detail only. */
  paid_at: number | null;
  instructions: { title: string; steps: string[] }[];
}

/** The callback body Tripay POSTs (X-Callback-Event: payment_status). Parse only after verifying the signature. */
export const tripayCallbackSchema = z.looseObject({
  reference: z.string().min(1),
  merchant_ref: nullableString,
  /** Display name ("BCA Virtual Account"), not the code. */
  payment_method: nullableString,
  payment_method_code: nullableString,
  total_amount: rupiah,
  fee_merchant: nullableInt,
  fee_customer: nullableInt,
  total_fee: nullableInt,
  amount_received: nullableInt,
  is_closed_payment: z.union([z.number(), z.boolean(), z.string()]).nullable().optional(),
  status: z.string().min(1),
  paid_at: nullableInt,
  note: nullableString,
});
export type TripayCallback = z.output<typeof tripayCallbackSchema>;

// ---------------------------------------------------------------------------------------
// Outcome mapping

/**
 * Maps a verified callback to our outcome. PAID → paid with `total_amount` (what the
 * customer paid, fee_customer included) and `paid_at` (unix seconds; `now` if Tripay
 * left it null); EXPIRED → expired; FAILED → failed; REFUND → refunded; anything else
 * (UNPAID, unknown future values) → pending, so nothing is settled on a guess.
 */
export function tripayOutcome(callback: TripayCallback, now: Date = new Date()): GatewayOutcome {
  return mapStatus(callback.status, {
    amountIdr: callback.total_amount,
    paidAt: callback.paid_at,
    reference: callback.reference,
    method: callback.payment_method_code ?? callback.payment_method ?? undefined,
    note: callback.note,
    now,
  });
}

/**
 * The exactly-once key of a Tripay status for one transaction ("<reference>:<STATUS>"). The
 * callback route and the status check (reconcile.ts) must use the same key, so whichever
 * comes second is a duplicate.
 */
export function tripayEventKey(reference: string, status: string): string {
  return `${reference}:${status}`;
}

/** The same mapping for a polled transaction (`transactionDetail`), using its `amount`. */
export function tripayTransactionOutcome(tx: TripayTransaction, now: Date = new Date()): GatewayOutcome {
  return mapStatus(tx.status, { amountIdr: tx.amount, paidAt: tx.paid_at, reference: tx.reference, method: tx.payment_method, note: null, now });
}

function mapStatus(
  status: string,
  f: { amountIdr: number; paidAt: number | null; reference: string; method: string | undefined; note: string | null; now: Date },
): GatewayOutcome {
  switch (status.toUpperCase()) {
    case "PAID":
      return {
        kind: "paid",
        amountIdr: f.amountIdr,
        paidAt: f.paidAt !== null && f.paidAt > 0 ? new Date(f.paidAt * 1000) : f.now,
        gatewayReference: f.reference,
        ...(f.method ? { method: f.method } : {}),
      };
    case "EXPIRED":
      return { kind: "expired" };
    case "FAILED":
      return { kind: "failed", reason: f.note ? `tripay FAILED: ${f.note}` : "tripay FAILED" };
    case "REFUND":
      return { kind: "refunded" };
    default:
      return { kind: "pending" };
  }
}

// ---------------------------------------------------------------------------------------
// Fees

/**
 * The fee Tripay adds for the customer on `amount`, in integer rupiah:
 * `flat + ceil(amount × percent / 100)`, then clamped to the channel's
 * minimum_fee / maximum_fee when present.
 *
 * Rounding: the percentage part is rounded UP to the next rupiah (Tripay does not
 * document its rounding; rounding up means the price we quote is never below what
 * Tripay charges). It is computed in integers (percent scaled to millionths, BigInt)
 * so 0.7 % of 100 000 is exactly 700, not 699.9999. A channel whose customer fee is
 * zero (the merchant bears the fee) is 0 and is not clamped: min/max fee describe the
 * channel's total fee. The create response's `fee_customer` stays authoritative.
 */
export function customerFee(channel: Pick<TripayChannel, "fee_customer" | "minimum_fee" | "maximum_fee">, amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer rupiah, got ${amount}`);
  const { flat, percent } = channel.fee_customer;
  if (flat === 0 && percent === 0) return 0;
  const micro = BigInt(Math.round(percent * 1_000_000)); // millionths of a percent
  const numerator = BigInt(amount) * micro;
  const denominator = 100n * 1_000_000n;
  const percentPart = (numerator + denominator - 1n) / denominator;
  let fee = Math.ceil(flat) + Number(percentPart);
  if (channel.minimum_fee !== null && fee < channel.minimum_fee) fee = Math.ceil(channel.minimum_fee);
  if (channel.maximum_fee !== null && fee > channel.maximum_fee) fee = Math.floor(channel.maximum_fee);
  return fee;
}

// ---------------------------------------------------------------------------------------
// Client

export interface TripayClientOptions {
  /** Caches the channel list across processes; without it the cache is per client instance. */
  redis?: Redis;
  /** Redis key prefix; default "tripay:". */
  cachePrefix?: string;
  /** Cache lifetime; default 10 minutes. */
  channelCacheTtlMs?: number;
  /** Timeouts, retries and test injectables passed to every requestJson call. */
  fetchOptions?: RequestDefaults;
  /** Injectable clock for the in-memory cache. */
  now?: () => number;
}

export interface TripayCreateInput {
  /** Channel code, e.g. "QRIS", "BRIVA". */
  method: string;
  /** Our order/attempt reference; echoed back in callbacks. */
  merchantRef: string;
  /** Order total in integer rupiah (Tripay adds fee_customer on top). */
  amount: number;
  customerName: string;
  customerEmail: string;
  customerPhone?: string;
  /** Σ price × quantity must equal `amount`. */
  items: { name: string; price: number; quantity: number; sku?: string }[];
  callbackUrl?: string;
  returnUrl?: string;
  expiresAt: Date;
}

interface Envelope {
  success?: unknown;
  message?: unknown;
  data?: unknown;
}

/**
 * Tripay API client. Every call goes through requestJson with `Authorization: Bearer {apiKey}`;
 * Tripay's `{success:false, message}` becomes an ExternalServiceError (http_4xx/http_5xx
 * when the HTTP status says so, `bad_response` when it came with HTTP 200).
 */
export class TripayClient {
  private readonly redis?: Redis;
  private readonly cacheKey: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private memory?: { at: number; channels: TripayChannel[] };

  constructor(
    private readonly config: TripayConfig,
    private readonly opts: TripayClientOptions = {},
  ) {
    this.redis = opts.redis;
    this.ttlMs = opts.channelCacheTtlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
    // The API URL is part of the key so a fake and the real sandbox never share a cache entry.
    const urlTag = createHash("sha256").update(config.apiUrl).digest("hex").slice(0, 8);
    this.cacheKey = `${opts.cachePrefix ?? "tripay:"}channels:${config.merchantCode}:${urlTag}`;
  }

  /** Active payment channels with fees. Cached 10 minutes (Redis if given, else in memory). */
  async listChannels(): Promise<TripayChannel[]> {
    const cached = await this.readCache();
    if (cached) return cached;
    const data = await this.call("GET", "/merchant/payment-channel");
    const parsed = z.array(channelSchema).safeParse(data);
    if (!parsed.success) throw this.badShape("/merchant/payment-channel", parsed.error);
    const channels: TripayChannel[] = parsed.data
      .filter((c) => c.active)
      .map((c) => ({
        code: c.code,
        name: c.name,
        group: c.group,
        type: c.type.toLowerCase(),
        fee_merchant: c.fee_merchant,
        fee_customer: c.fee_customer,
        total_fee: c.total_fee,
        minimum_fee: c.minimum_fee,
        maximum_fee: c.maximum_fee,
        minimum_amount: c.minimum_amount,
        maximum_amount: c.maximum_amount,
        icon_url: c.icon_url,
      }));
    await this.writeCache(channels);
    return channels;
  }

  /** Forgets the cached channel list (e.g. after a channel was rejected as inactive). */
  async invalidateChannels(): Promise<void> {
    this.memory = undefined;
    if (this.redis) await this.redis.del(this.cacheKey).catch(() => undefined);
  }

  /** Creates a closed-payment transaction (POST /transaction/create, JSON body, signed). Not retried after a response. */
  async createTransaction(input: TripayCreateInput): Promise<TripayTransaction> {
    const itemsTotal = input.items.reduce((sum, i) => {
      if (!Number.isSafeInteger(i.price) || !Number.isSafeInteger(i.quantity) || i.quantity <= 0) {
        throw new RangeError(`tripay order item "${i.name}" needs integer price and positive integer quantity`);
      }
      return sum + i.price * i.quantity;
    }, 0);
    if (itemsTotal !== input.amount) throw new RangeError(`tripay order items sum to ${itemsTotal} but amount is ${input.amount}`);
    const body: Record<string, unknown> = {
      method: input.method,
      merchant_ref: input.merchantRef,
      amount: input.amount,
      customer_name: input.customerName,
      customer_email: input.customerEmail,
      ...(input.customerPhone ? { customer_phone: input.customerPhone } : {}),
      order_items: input.items.map((i) => ({ ...(i.sku ? { sku: i.sku } : {}), name: i.name, price: i.price, quantity: i.quantity })),
      ...(input.callbackUrl ? { callback_url: input.callbackUrl } : {}),
      ...(input.returnUrl ? { return_url: input.returnUrl } : {}),
      expired_time: Math.floor(input.expiresAt.getTime() / 1000),
      signature: tripayRequestSignature(this.config.privateKey, this.config.merchantCode, input.merchantRef, input.amount),
    };
    const data = await this.call("POST", "/transaction/create", body);
    return this.parseTransaction("/transaction/create", data);
  }

  /** Full transaction detail (status polling): GET /transaction/detail?reference=… */
  async transactionDetail(reference: string): Promise<TripayTransaction> {
    const data = await this.call("GET", `/transaction/detail?reference=${encodeURIComponent(reference)}`);
    return this.parseTransaction("/transaction/detail", data);
  }

  private parseTransaction(path: string, data: unknown): TripayTransaction {
    const parsed = transactionSchema.safeParse(data);
    if (!parsed.success) throw this.badShape(path, parsed.error);
    const t = parsed.data;
    return {
      reference: t.reference,
      merchant_ref: t.merchant_ref,
      payment_method: t.payment_method,
      payment_name: t.payment_name,
      amount: t.amount,
      fee_merchant: t.fee_merchant,
      fee_customer: t.fee_customer,
      total_fee: t.total_fee,
      amount_received: t.amount_received,
      pay_code: t.pay_code,
      pay_url: t.pay_url,
      checkout_url: t.checkout_url,
      qr_string: t.qr_string,
      qr_url: t.qr_url,
      status: t.status.toUpperCase(),
      expired_time: t.expired_time,
      paid_at: t.paid_at,
      instructions: t.instructions,
    };
  }

  private async call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const res = await dependencyHealth.observe("GATEWAY:TRIPAY", requestJson<Envelope>({
      ...this.opts.fetchOptions,
      service: "tripay",
      method,
      url: `${this.config.apiUrl}${path}`,
      headers: { authorization: `Bearer ${this.config.apiKey}` },
      body,
      redact: [this.config.apiKey, this.config.privateKey, ...(this.opts.fetchOptions?.redact ?? [])],
    }));
    const env = res.data;
    if (env === null || typeof env !== "object" || env.success !== true) {
      const message = env && typeof env === "object" && typeof env.message === "string" ? env.message : "no success flag";
      throw new ExternalServiceError({
        service: "tripay",
        code: "bad_response",
        message: `tripay: ${method} ${path.split("?")[0]} failed: ${message.slice(0, 200)}`,
        status: res.status,
        body: res.text.slice(0, 2000),
        retryable: false,
        attempts: res.attempts,
        data: env,
      });
    }
    return env.data;
  }

  private badShape(path: string, error: z.ZodError): ExternalServiceError {
    const first = error.issues[0];
    return new ExternalServiceError({
      service: "tripay",
      code: "bad_response",
      message: `tripay: unexpected response shape from ${path} (${first ? `${first.path.join(".")}: ${first.message}` : "invalid"})`,
      retryable: false,
    });
  }

  private async readCache(): Promise<TripayChannel[] | undefined> {
    if (this.redis) {
      try {
        const raw = await this.redis.get(this.cacheKey);
        if (raw) return JSON.parse(raw) as TripayChannel[];
      } catch {
        // A cache outage must not block checkout: fall through to the API.
      }
      return undefined;
    }
    if (this.memory && this.now() - this.memory.at < this.ttlMs) return this.memory.channels;
    return undefined;
  }

  private async writeCache(channels: TripayChannel[]): Promise<void> {
    if (this.redis) {
      await this.redis.set(this.cacheKey, JSON.stringify(channels), "PX", this.ttlMs).catch(() => undefined);
      return;
    }
    this.memory = { at: this.now(), channels };
  }
}
