import { Hono, type Context } from "hono";
import type { PaymentGateway, PrismaClient } from "../../db/client.js";
import { dispatchSettled } from "../../jobs/dispatch-settlement.js";
import { QueueName, jobId, type Queues } from "../../jobs/queues.js";
import type { Config } from "../../shop/platform/config.js";
import type { Metrics } from "../../shop/platform/metrics.js";
import { midtransNotificationSchema, verifyMidtransNotification } from "../../shop/payments/gateways/midtrans.js";
import { tripayCallbackSchema, tripayEventKey, tripayOutcome, verifyTripayCallback } from "../../shop/payments/gateways/tripay.js";
import { SettlementBusyError, type Settler } from "../../shop/payments/settle-batch.js";
import { settleAndRecord, type ReceivedCallback, type Settled } from "../../shop/payments/settle.js";
import { LogSampler } from "../log-sampler.js";
import { header, requestLog, type AppEnv } from "../http.js";

export interface PaymentWebhookDeps {
  config: Config;
  prisma: PrismaClient;
  /**
   * Settles a verified callback (and records it). Production passes a SettlementBatcher on a
   * plain pg pool (shop/payments/settle-batch.ts); without one, each callback is one Prisma call.
   */
  settler?: Settler;
  queues: Queues;
  metrics: Metrics;
  /** Which refusals get a log line (default: the first of each kind, then one a minute). */
  refusalLog?: LogSampler;
}

/** Gateway callbacks are small; anything bigger is not a real callback. */
export const CALLBACK_MAX_BYTES = 16 * 1024;

const KEPT_HEADERS = ["content-type", "user-agent", "x-callback-event", "x-callback-signature", "x-forwarded-for"];

function headersOf(c: Context<AppEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = header(c, name);
    if (value !== undefined) out[name] = value.slice(0, 512);
  }
  return out;
}

type CallbackFields = { verified: boolean; rejectReason?: string; event?: string; reference?: string; merchantRef?: string; status?: string };

/**
 * Text the database takes: Postgres text cannot hold NUL, and Prisma's query encoding fails on a
 * lone UTF-16 surrogate (JSON `"\ud92c"`). A signed body (or a field in it) carrying either made
 * the insert or the lookup fail with a 500 that the gateway retries; no gateway sends one, so
 * U+FFFD stands in.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storable = (text: string): string => text.replace(UNSTORABLE, "\uFFFD");

/** Escapes that decode to what `storable` replaces; a body without them skips the reviver. */
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/** JSON.parse whose strings are storable. */
const parseJson = (raw: string): unknown =>
  UNSTORABLE_ESCAPE.test(raw) ? JSON.parse(raw, (_key, value: unknown) => (typeof value === "string" ? storable(value) : value)) : JSON.parse(raw);

/** The payment_callbacks row of a received callback, minus the outcome. */
function received(c: Context<AppEnv>, gateway: PaymentGateway, raw: string, fields: CallbackFields): ReceivedCallback {
  return {
    gateway,
    rawBody: storable(raw.slice(0, CALLBACK_MAX_BYTES)),
    headers: headersOf(c),
    remoteIp: header(c, "x-forwarded-for")?.split(",")[0]?.trim() ?? null,
    verified: fields.verified,
    rejectReason: fields.rejectReason ?? null,
    event: fields.event ?? null,
    reference: fields.reference ?? null,
    merchantRef: fields.merchantRef ?? null,
    status: fields.status ?? null,
  };
}

/**
 * Records a received, authenticated callback in one insert, with what we did about it: the
 * audit trail a seller or the owner reads when money is disputed. (A verified Tripay callback
 * is recorded by the settlement call itself: settleAndRecord.) Requests that fail verification
 * are not stored: anyone can send them, 16 KiB each, as fast as they like; they are counted in
 * webhook_rejected_total and sampled into the log instead.
 */
async function record(deps: PaymentWebhookDeps, c: Context<AppEnv>, gateway: PaymentGateway, raw: string, fields: CallbackFields & { outcome?: string }) {
  const { outcome, ...rest } = fields;
  return deps.prisma.paymentCallback.create({ data: { ...received(c, gateway, raw, rest), outcome: outcome ?? null } });
}

/** Reads the raw body with a hard size cap (the signature covers the exact bytes). */
async function rawBody(c: Context<AppEnv>): Promise<string | null> {
  const declared = Number(header(c, "content-length") ?? "0");
  if (declared > CALLBACK_MAX_BYTES) return null;
  const text = await c.req.text();
  return Buffer.byteLength(text) > CALLBACK_MAX_BYTES ? null : text;
}

/**
 * `POST /webhooks/tripay` and `POST /webhooks/midtrans`. Verify, record, apply
 * the state change exactly once, enqueue the slow work, answer fast.
 */
export function paymentWebhookRoutes(deps: PaymentWebhookDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const settler: Settler = deps.settler ?? { settle: (input) => settleAndRecord(deps.prisma, input) };
  const sampler = deps.refusalLog ?? new LogSampler();
  const reject = (c: Context<AppEnv>, gateway: "tripay" | "midtrans", status: 400 | 401 | 404 | 413 | 503, reason: string, message: string) => {
    deps.metrics.webhookRejected.inc({ source: gateway, reason });
    const skipped = sampler.take(`${gateway}:${reason}`);
    if (skipped !== undefined) {
      const remoteIp = header(c, "x-forwarded-for")?.split(",")[0]?.trim();
      requestLog(c).warn({ gateway, reason, remoteIp, alikeNotLogged: skipped }, "payment callback refused");
    }
    if (status === 503) c.header("retry-after", "30");
    return c.json({ success: false, message }, status);
  };

  app.post("/tripay", async (c) => {
    const tripay = deps.config.tripay;
    if (!tripay) return reject(c, "tripay", 404, "not_configured", "Tripay is not enabled on this shop");
    const raw = await rawBody(c);
    if (raw === null) return reject(c, "tripay", 413, "too_large", "callback body too large");
    const event = header(c, "x-callback-event");
    if (!verifyTripayCallback(tripay.privateKey, raw, header(c, "x-callback-signature"))) {
      return reject(c, "tripay", 401, "bad_signature", "invalid callback signature");
    }
    if (event !== "payment_status") {
      await record(deps, c, "TRIPAY", raw, { verified: true, rejectReason: "unsupported event", event });
      return reject(c, "tripay", 400, "bad_event", `unsupported X-Callback-Event: ${event ?? "(missing)"}`);
    }
    let json: unknown;
    try {
      json = parseJson(raw);
    } catch {
      await record(deps, c, "TRIPAY", raw, { verified: true, rejectReason: "malformed JSON", event });
      return reject(c, "tripay", 400, "malformed", "body is not valid JSON");
    }
    const parsed = tripayCallbackSchema.safeParse(json);
    if (!parsed.success) {
      await record(deps, c, "TRIPAY", raw, { verified: true, rejectReason: "unexpected body", event });
      return reject(c, "tripay", 400, "malformed", "callback body does not match Tripay's format");
    }
    const body = parsed.data;
    // One database call: record the callback + settle it exactly once (settle_payment).
    let settled: Settled;
    try {
      settled = await settler.settle({
        key: { gateway: "TRIPAY", gatewayReference: body.reference },
        outcome: tripayOutcome(body),
        eventKey: tripayEventKey(body.reference, body.status),
        source: "tripay",
        actor: { type: "GATEWAY", id: `tripay:${body.reference}` },
        callback: received(c, "TRIPAY", raw, { verified: true, event, reference: body.reference, merchantRef: body.merchant_ref ?? undefined, status: body.status }),
      });
    } catch (error) {
      // Overloaded (more callbacks waiting than the batcher queues): nothing was recorded or
      // changed, and recording it would need the very database that is behind. Counted in
      // webhook_rejected_total{reason="busy"} and logged; Tripay sends the callback again, and
      // the reconciliation job (shop/payments/reconcile.ts) finds the payment if it never does.
      if (error instanceof SettlementBusyError) return reject(c, "tripay", 503, "busy", "busy, retry later");
      throw error;
    }
    const { settlement } = settled;
    if (settlement.result === "unknown_payment") {
      return reject(c, "tripay", 404, "unknown_reference", `unknown transaction reference ${body.reference}`);
    }
    // A duplicate re-queues the follow-up of money already taken (a retry after our 500 when
    // the enqueue failed must not lose it); same job ids, so a no-op when the job exists.
    await dispatchSettled(deps.queues, settled);
    return c.json({ success: true });
  });

  app.post("/midtrans", async (c) => {
    const midtrans = deps.config.midtrans;
    if (!midtrans) return reject(c, "midtrans", 404, "not_configured", "Midtrans is not enabled on this shop");
    const raw = await rawBody(c);
    if (raw === null) return reject(c, "midtrans", 413, "too_large", "notification body too large");
    let json: unknown;
    try {
      json = parseJson(raw);
    } catch {
      return reject(c, "midtrans", 400, "malformed", "body is not valid JSON");
    }
    const parsed = midtransNotificationSchema.safeParse(json);
    if (!parsed.success) {
      return reject(c, "midtrans", 400, "malformed", "notification body does not match Midtrans' format");
    }
    const body = parsed.data;
    const fields = { reference: body.transaction_id ?? undefined, merchantRef: body.order_id, status: body.transaction_status };
    if (!verifyMidtransNotification(body, midtrans.serverKey)) {
      return reject(c, "midtrans", 401, "bad_signature", "invalid signature_key");
    }
    const payment = await deps.prisma.payment.findUnique({ where: { attemptRef: body.order_id }, select: { id: true } });
    if (!payment) {
      await record(deps, c, "MIDTRANS", raw, { ...fields, verified: true, outcome: "unknown order_id" });
      return reject(c, "midtrans", 404, "unknown_reference", `unknown order_id ${body.order_id}`);
    }
    // Midtrans' advice: trust the status API, not the notification. That call is slow, so it runs in a job.
    const saved = await record(deps, c, "MIDTRANS", raw, { ...fields, verified: true, outcome: "queued for status check" });
    await deps.queues.enqueue(QueueName.PaymentFollowups, { kind: "midtrans-callback", callbackId: saved.id }, { jobId: jobId("midtrans-callback", saved.id) });
    return c.json({ success: true });
  });
  return app;
}
