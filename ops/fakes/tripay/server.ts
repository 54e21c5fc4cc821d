/**
 * A local fake of the Tripay API speaking the real wire format (spec §1), for the offline
 * demo and tests. Point TRIPAY_API_URL at `fake.url`.
 *
 * It checks what Tripay checks (Bearer API key, request signature, channel, amounts, item
 * sum) and answers in Tripay's `{success, message, data}` envelope. Payments are triggered
 * by the test (`pay()`) or over HTTP (`POST /_fake/pay`, or the checkout page's button):
 * the fake then POSTs a callback signed exactly like Tripay (HMAC-SHA256 of the raw body in
 * X-Callback-Signature, X-Callback-Event: payment_status).
 *
 * Fee model: the customer bears the channel fee (fee_customer = fee, fee_merchant = 0), so
 * `amount` in answers is order amount + fee and `amount_received` is the order amount.
 */
import { createHmac } from "node:crypto";
import { Hono, type Context } from "hono";
import { listenFake } from "../http.js";
import { buildQrisString } from "./qris.js";

export interface FakeTripayOptions {
  apiKey: string;
  privateKey: string;
  merchantCode: string;
  /** Default callback URL (the merchant dashboard setting); a create's callback_url overrides it. */
  callbackUrl?: string;
  host?: string;
  port?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/** One fake channel: the wire fields plus the fee in basis points of a percent for integer math. */
interface FakeChannel {
  group: string;
  code: string;
  name: string;
  type: "direct" | "redirect";
  flat: number;
  /** Percent × 100, e.g. 70 = 0.70 %. */
  percentBp: number;
  minimumFee: number | null;
  maximumFee: number | null;
  minimumAmount: number;
  maximumAmount: number;
  active: boolean;
  payCodePrefix?: string;
}

/**
 * Fees and limits from Tripay's developer page (standard fees; a merchant's may differ).
 * E-wallet fees are rounded up to Rp 1.000 when lower (minimum_fee 1000). PERMATAVA is
 * listed inactive so clients' active-channel filtering is exercised.
 */
const CHANNELS: FakeChannel[] = [
  { group: "Virtual Account", code: "BRIVA", name: "BRI Virtual Account", type: "direct", flat: 4250, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 10_000_000, active: true, payCodePrefix: "26215" },
  { group: "Virtual Account", code: "BNIVA", name: "BNI Virtual Account", type: "direct", flat: 4250, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 10_000_000, active: true, payCodePrefix: "8808" },
  { group: "Virtual Account", code: "MANDIRIVA", name: "Mandiri Virtual Account", type: "direct", flat: 4250, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 10_000_000, active: true, payCodePrefix: "89022" },
  { group: "Virtual Account", code: "BCAVA", name: "BCA Virtual Account", type: "direct", flat: 5500, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 10_000_000, active: true, payCodePrefix: "11990" },
  { group: "Virtual Account", code: "PERMATAVA", name: "Permata Virtual Account", type: "direct", flat: 4250, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 10_000_000, active: false, payCodePrefix: "8625" },
  { group: "Convenience Store", code: "ALFAMART", name: "Alfamart", type: "direct", flat: 3500, percentBp: 0, minimumFee: null, maximumFee: null, minimumAmount: 10_000, maximumAmount: 2_500_000, active: true, payCodePrefix: "TPAY" },
  { group: "E-Wallet", code: "QRIS", name: "QRIS by ShopeePay", type: "direct", flat: 750, percentBp: 70, minimumFee: null, maximumFee: null, minimumAmount: 1_000, maximumAmount: 5_000_000, active: true },
  { group: "E-Wallet", code: "OVO", name: "OVO", type: "redirect", flat: 0, percentBp: 300, minimumFee: 1_000, maximumFee: null, minimumAmount: 1_000, maximumAmount: 10_000_000, active: true },
  { group: "E-Wallet", code: "DANA", name: "DANA", type: "redirect", flat: 0, percentBp: 300, minimumFee: 1_000, maximumFee: null, minimumAmount: 1_000, maximumAmount: 10_000_000, active: true },
  { group: "E-Wallet", code: "SHOPEEPAY", name: "ShopeePay", type: "redirect", flat: 0, percentBp: 300, minimumFee: 1_000, maximumFee: null, minimumAmount: 1_000, maximumAmount: 10_000_000, active: true },
];

function percentText(bp: number): string {
  return (bp / 100).toFixed(2);
}

function channelWire(c: FakeChannel) {
  const fee = { flat: c.flat, percent: percentText(c.percentBp) };
  return {
    group: c.group,
    code: c.code,
    name: c.name,
    type: c.type,
    fee_merchant: { flat: 0, percent: "0.00" },
    fee_customer: fee,
    total_fee: fee,
    minimum_fee: c.minimumFee,
    maximum_fee: c.maximumFee,
    minimum_amount: c.minimumAmount,
    maximum_amount: c.maximumAmount,
    icon_url: `https://tripay.co.id/images/payment-channel/${c.code.toLowerCase()}.png`,
    active: c.active,
  };
}

/** The fake's own fee arithmetic (independent of the client's): flat + ceil(amount × bp / 10 000), clamped. */
function channelFee(c: FakeChannel, amount: number): number {
  let fee = c.flat + Math.ceil((amount * c.percentBp) / 10_000);
  if (c.minimumFee !== null) fee = Math.max(fee, c.minimumFee);
  if (c.maximumFee !== null) fee = Math.min(fee, c.maximumFee);
  return fee;
}

export type FakeTripayStatus = "UNPAID" | "PAID" | "EXPIRED" | "FAILED" | "REFUND";

/** A transaction as the fake stores it (the wire detail shape plus bookkeeping). */
export interface FakeTripayTransaction {
  reference: string;
  merchant_ref: string;
  payment_selection_type: "static";
  payment_method: string;
  payment_name: string;
  customer_name: string;
  customer_email: string;
  customer_phone: string | null;
  callback_url: string | null;
  return_url: string | null;
  amount: number;
  fee_merchant: number;
  fee_customer: number;
  total_fee: number;
  amount_received: number;
  pay_code: string | null;
  pay_url: string | null;
  checkout_url: string;
  status: FakeTripayStatus;
  paid_at: number | null;
  expired_time: number;
  created_at: number;
  order_items: { sku: string | null; name: string; price: number; quantity: number; subtotal: number }[];
  instructions: { title: string; steps: string[] }[];
  qr_string: string | null;
  qr_url: string | null;
  note: string | null;
}

/** One callback the fake sent (or tried to). */
export interface FakeTripayCallback {
  url?: string;
  /** HTTP status our server answered; undefined when there was no URL or the POST failed. */
  status?: number;
  /** Body our server answered. */
  body?: string;
  /** Why delivery failed (no URL, connection refused, timeout). */
  error?: string;
  /** The exact bytes sent and their signature. */
  rawBody: string;
  signature: string;
  payload: Record<string, unknown>;
}

export interface FakeTripayPayOptions {
  /** total_amount to report (default: the transaction's amount) — simulate a wrong amount. */
  amount?: number;
  status?: Exclude<FakeTripayStatus, "UNPAID">;
  /** Send the callback here instead of the transaction's / default URL. */
  callbackUrl?: string;
  note?: string;
}

export interface FakeTripay {
  /** Base URL for TRIPAY_API_URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  transactions(): FakeTripayTransaction[];
  /** By reference or merchant_ref (latest with that merchant_ref). */
  transaction(referenceOrMerchantRef: string): FakeTripayTransaction | undefined;
  /** API requests served (not /_fake or pages), in order. */
  requests(): { method: string; path: string; status: number }[];
  callbacks(): FakeTripayCallback[];
  /** Changes the transaction's status and sends a correctly signed callback; resolves with what our server answered. */
  pay(referenceOrMerchantRef: string, opts?: FakeTripayPayOptions): Promise<FakeTripayCallback>;
  /** The default callback URL (Tripay dashboard setting). */
  setCallbackUrl(url: string | undefined): void;
  /** Makes the next `count` API requests fail with `status` (429 gets Retry-After when given). */
  failNext(count: number, status: number, opts?: { retryAfterSeconds?: number; message?: string }): void;
  stop(): Promise<void>;
}

type Fail = { remaining: number; status: number; retryAfterSeconds?: number; message?: string };

class FakeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `a[0][b]=1` style form keys (the docs' PHP/Python samples post form data) into nested objects/arrays. */
function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const parts = key.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> = out;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  // {"0": {...}, "1": {...}} → array
  const items = out.order_items;
  if (items && typeof items === "object" && !Array.isArray(items)) out.order_items = Object.values(items);
  return out;
}

function toInt(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function rupiah(n: number): string {
  return `Rp ${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

/** Starts the fake on 127.0.0.1 (random port unless given). */
export async function startFakeTripay(opts: FakeTripayOptions): Promise<FakeTripay> {
  const now = opts.now ?? Date.now;
  const nowSec = () => Math.floor(now() / 1000);
  const txs: FakeTripayTransaction[] = [];
  const requestLog: { method: string; path: string; status: number }[] = [];
  const callbackLog: FakeTripayCallback[] = [];
  const fails: Fail[] = [];
  let defaultCallbackUrl = opts.callbackUrl;
  let seq = 0;
  let baseUrl = "";
  // 15 digits after the merchant code, like T0001000000000000006, unique across fake restarts.
  const refBase = String(now()).slice(-9);

  const find = (id: string): FakeTripayTransaction | undefined =>
    txs.find((t) => t.reference === id) ?? [...txs].reverse().find((t) => t.merchant_ref === id);

  const refreshExpiry = (t: FakeTripayTransaction) => {
    if (t.status === "UNPAID" && nowSec() > t.expired_time) t.status = "EXPIRED";
  };

  const pay = async (id: string, p: FakeTripayPayOptions = {}): Promise<FakeTripayCallback> => {
    const t = find(id);
    if (!t) throw new Error(`fake tripay: no transaction ${id}`);
    const status = p.status ?? "PAID";
    t.status = status;
    if (status === "PAID") t.paid_at = nowSec();
    if (p.note !== undefined) t.note = p.note;
    // Field order as in Tripay's documented example body.
    const payload: Record<string, unknown> = {
      reference: t.reference,
      merchant_ref: t.merchant_ref,
      payment_method: t.payment_name,
      payment_method_code: t.payment_method,
      total_amount: p.amount ?? t.amount,
      fee_merchant: t.fee_merchant,
      fee_customer: t.fee_customer,
      total_fee: t.total_fee,
      amount_received: t.amount_received,
      is_closed_payment: 1,
      status,
      paid_at: status === "PAID" ? t.paid_at : null,
      note: t.note,
    };
    const rawBody = JSON.stringify(payload);
    const signature = createHmac("sha256", opts.privateKey).update(rawBody).digest("hex");
    const url = p.callbackUrl ?? t.callback_url ?? defaultCallbackUrl;
    const record: FakeTripayCallback = { rawBody, signature, payload, ...(url ? { url } : {}) };
    if (!url) {
      record.error = "no callback URL (set one at create, in pay() or with setCallbackUrl)";
    } else {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-callback-signature": signature,
            "x-callback-event": "payment_status",
            "user-agent": "TriPay-Callback/fake",
          },
          body: rawBody,
          signal: AbortSignal.timeout(15_000),
        });
        record.status = res.status;
        record.body = await res.text();
      } catch (error) {
        record.error = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
      }
    }
    callbackLog.push(record);
    return record;
  };

  const createTransaction = (body: Record<string, unknown>): FakeTripayTransaction => {
    const str = (name: string, required = true): string | null => {
      const v = body[name];
      if (typeof v === "string" && v.trim() !== "") return v;
      if (typeof v === "number") return String(v);
      if (required) throw new FakeError(400, `The ${name.replace(/_/g, " ")} field is required.`);
      return null;
    };
    const method = str("method") as string;
    const channel = CHANNELS.find((c) => c.code === method);
    if (!channel || !channel.active) throw new FakeError(400, `Payment channel ${method} is not enabled`);
    const merchantRef = str("merchant_ref") as string;
    const amount = toInt(body.amount);
    if (amount === undefined || amount <= 0) throw new FakeError(400, "The amount field must be a positive integer.");
    const customerName = str("customer_name") as string;
    const customerEmail = str("customer_email") as string;
    const signature = str("signature") as string;
    const expected = createHmac("sha256", opts.privateKey).update(`${opts.merchantCode}${merchantRef}${amount}`).digest("hex");
    if (signature !== expected) throw new FakeError(400, "Invalid signature");
    const rawItems = body.order_items;
    if (!Array.isArray(rawItems) || rawItems.length === 0) throw new FakeError(400, "The order items field is required.");
    const items = rawItems.map((raw, i) => {
      const it = (raw ?? {}) as Record<string, unknown>;
      const price = toInt(it.price);
      const quantity = toInt(it.quantity);
      if (typeof it.name !== "string" || price === undefined || quantity === undefined || quantity <= 0) {
        throw new FakeError(400, `order_items.${i} needs name, price and quantity`);
      }
      return { sku: typeof it.sku === "string" ? it.sku : null, name: it.name, price, quantity, subtotal: price * quantity };
    });
    const itemsTotal = items.reduce((s, i) => s + i.subtotal, 0);
    if (itemsTotal !== amount) throw new FakeError(400, `Total price of order items (${itemsTotal}) does not match the amount (${amount})`);
    if (amount < channel.minimumAmount) throw new FakeError(400, `Minimum amount for ${channel.code} is ${rupiah(channel.minimumAmount)}`);
    if (amount > channel.maximumAmount) throw new FakeError(400, `Maximum amount for ${channel.code} is ${rupiah(channel.maximumAmount)}`);
    let expiredTime = nowSec() + 24 * 3600;
    if (body.expired_time !== undefined && body.expired_time !== null && body.expired_time !== "") {
      const e = toInt(body.expired_time);
      if (e === undefined || e <= nowSec()) throw new FakeError(400, "The expired time must be a future unix timestamp.");
      expiredTime = e;
    }

    seq += 1;
    const reference = `${opts.merchantCode}${refBase}${String(seq).padStart(6, "0")}`;
    const fee = channelFee(channel, amount);
    const total = amount + fee;
    const serial = `${refBase}${String(seq).padStart(4, "0")}`;
    let payCode: string | null = null;
    let payUrl: string | null = null;
    let qrString: string | null = null;
    let qrUrl: string | null = null;
    let instructions: { title: string; steps: string[] }[];
    if (channel.code === "QRIS") {
      qrString = buildQrisString({ amount: total, reference });
      qrUrl = `${baseUrl}/_fake/qr/${reference}`;
      instructions = [
        {
          title: "Pembayaran via QRIS",
          steps: [
            "Buka aplikasi e-wallet atau mobile banking yang mendukung QRIS",
            "Scan kode QR yang tersedia",
            `Pastikan nominal pembayaran <b>${rupiah(total)}</b> lalu konfirmasi`,
            "Transaksi selesai, simpan bukti pembayaran Anda",
          ],
        },
      ];
    } else if (channel.type === "redirect") {
      payUrl = `${baseUrl}/checkout/${reference}`;
      instructions = [{ title: `Pembayaran via ${channel.name}`, steps: [`Klik tombol bayar dan selesaikan pembayaran di aplikasi ${channel.name}`] }];
    } else {
      payCode = `${channel.payCodePrefix ?? ""}${serial}`;
      instructions = [
        {
          title: channel.group === "Convenience Store" ? `Gerai ${channel.name}` : "Internet Banking / Mobile Banking",
          steps: [
            channel.group === "Convenience Store" ? `Datang ke gerai ${channel.name} dan sampaikan pembayaran TRIPAY` : `Pilih menu transfer Virtual Account ${channel.name.replace(" Virtual Account", "")}`,
            `Masukkan Kode Bayar (<b>${payCode}</b>)`,
            `Pastikan nominal <b>${rupiah(total)}</b> lalu konfirmasi`,
            "Transaksi selesai, simpan bukti pembayaran Anda",
          ],
        },
      ];
    }
    const t: FakeTripayTransaction = {
      reference,
      merchant_ref: merchantRef,
      payment_selection_type: "static",
      payment_method: channel.code,
      payment_name: channel.name,
      customer_name: customerName,
      customer_email: customerEmail,
      customer_phone: str("customer_phone", false),
      callback_url: str("callback_url", false),
      return_url: str("return_url", false),
      amount: total,
      fee_merchant: 0,
      fee_customer: fee,
      total_fee: fee,
      amount_received: amount,
      pay_code: payCode,
      pay_url: payUrl,
      checkout_url: `${baseUrl}/checkout/${reference}`,
      status: "UNPAID",
      paid_at: null,
      expired_time: expiredTime,
      created_at: nowSec(),
      order_items: items,
      instructions,
      qr_string: qrString,
      qr_url: qrUrl,
      note: null,
    };
    txs.push(t);
    return t;
  };

  /** The create/detail answer shape (detail adds paid_at). */
  const wire = (t: FakeTripayTransaction, detail: boolean) => {
    const { created_at: _c, note: _n, paid_at, ...rest } = t;
    return detail ? { ...rest, paid_at } : rest;
  };

  const app = new Hono();
  const fail = (c: Context, status: number, message: string) => c.json({ success: false, message }, status as 400);

  // --- control routes (no auth) -------------------------------------------------------
  app.get("/_fake/transactions", (c) => c.json(txs));
  app.post("/_fake/pay", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const id = typeof b.reference === "string" ? b.reference : typeof b.merchantRef === "string" ? b.merchantRef : typeof b.merchant_ref === "string" ? b.merchant_ref : undefined;
    if (!id || !find(id)) return c.json({ error: "unknown transaction; send {reference} or {merchantRef}" }, 404);
    const status = typeof b.status === "string" ? (b.status.toUpperCase() as FakeTripayPayOptions["status"]) : undefined;
    if (status && !["PAID", "EXPIRED", "FAILED", "REFUND"].includes(status)) return c.json({ error: "status must be PAID, EXPIRED, FAILED or REFUND" }, 400);
    const result = await pay(id, {
      ...(status ? { status } : {}),
      ...(typeof b.amount === "number" ? { amount: b.amount } : {}),
      ...(typeof b.callbackUrl === "string" ? { callbackUrl: b.callbackUrl } : {}),
    });
    return c.json(result);
  });
  app.post("/_fake/callback-url", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as { url?: unknown };
    defaultCallbackUrl = typeof b.url === "string" && b.url ? b.url : undefined;
    return c.json({ ok: true, callbackUrl: defaultCallbackUrl ?? null });
  });
  app.post("/_fake/fail-next", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as { count?: unknown; status?: unknown; retryAfterSeconds?: unknown };
    if (typeof b.count !== "number" || typeof b.status !== "number") return c.json({ error: "send {count, status}" }, 400);
    fails.push({ remaining: b.count, status: b.status, ...(typeof b.retryAfterSeconds === "number" ? { retryAfterSeconds: b.retryAfterSeconds } : {}) });
    return c.json({ ok: true });
  });
  app.get("/_fake/qr/:reference", (c) => {
    const t = find(c.req.param("reference"));
    return t?.qr_string ? c.text(t.qr_string) : c.text("not found", 404);
  });

  // --- customer pages (what checkout_url / pay_url open) ------------------------------
  app.get("/checkout/:reference", (c) => {
    const t = find(c.req.param("reference"));
    if (!t) return c.html("<h1>Transaksi tidak ditemukan</h1>", 404);
    refreshExpiry(t);
    const code = t.pay_code ? `<p>Kode bayar: <b>${escapeHtml(t.pay_code)}</b></p>` : t.qr_string ? `<p>QRIS: <code>${escapeHtml(t.qr_string)}</code></p>` : "";
    const button = t.status === "UNPAID" ? `<form method="post" action="/checkout/${escapeHtml(t.reference)}/pay"><button>Bayar sekarang (simulasi)</button></form>` : "";
    return c.html(
      `<!doctype html><meta charset="utf-8"><title>Fake Tripay ${escapeHtml(t.reference)}</title>` +
        `<h1>${escapeHtml(t.payment_name)}</h1><p>${escapeHtml(t.reference)} · ${escapeHtml(t.merchant_ref)}</p>` +
        `<p>Total: <b>${rupiah(t.amount)}</b> · Status: <b>${t.status}</b></p>${code}${button}`,
    );
  });
  app.post("/checkout/:reference/pay", async (c) => {
    const t = find(c.req.param("reference"));
    if (!t) return c.html("<h1>Transaksi tidak ditemukan</h1>", 404);
    const r = await pay(t.reference);
    return c.html(`<!doctype html><meta charset="utf-8"><p>Status: PAID. Callback: ${r.status ?? escapeHtml(r.error ?? "")}</p>`);
  });

  // --- the API ------------------------------------------------------------------------
  const guard = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const path = new URL(c.req.url).pathname;
    const injected = fails.find((f) => f.remaining > 0);
    let early: Response | undefined;
    if (injected) {
      injected.remaining -= 1;
      early = fail(c, injected.status, injected.message ?? (injected.status === 429 ? "Too Many Requests" : "Internal Server Error"));
      if (injected.retryAfterSeconds !== undefined) early.headers.set("retry-after", String(injected.retryAfterSeconds));
    } else if (c.req.header("authorization") !== `Bearer ${opts.apiKey}`) {
      early = fail(c, 401, "Invalid API Key");
    }
    if (early) {
      requestLog.push({ method: c.req.method, path, status: early.status });
      return early;
    }
    await next();
    requestLog.push({ method: c.req.method, path, status: c.res.status });
  };
  app.use("/merchant/*", guard);
  app.use("/transaction/*", guard);
  app.get("/merchant/payment-channel", (c) => {
    const code = c.req.query("code");
    const list = CHANNELS.filter((ch) => !code || ch.code === code).map(channelWire);
    return c.json({ success: true, message: "Success", data: list });
  });
  app.post("/transaction/create", async (c) => {
    const text = await c.req.text();
    const type = c.req.header("content-type") ?? "";
    let body: Record<string, unknown>;
    try {
      body = type.includes("application/json") ? (JSON.parse(text) as Record<string, unknown>) : parseForm(text);
    } catch {
      return fail(c, 400, "Invalid request body");
    }
    try {
      const t = createTransaction(body ?? {});
      return c.json({ success: true, message: "", data: wire(t, false) });
    } catch (error) {
      if (error instanceof FakeError) return fail(c, error.status, error.message);
      throw error;
    }
  });
  app.get("/transaction/detail", (c) => {
    const ref = c.req.query("reference");
    if (!ref) return fail(c, 400, "The reference field is required.");
    const t = txs.find((x) => x.reference === ref);
    if (!t) return fail(c, 404, "Transaction not found");
    refreshExpiry(t);
    return c.json({ success: true, message: "", data: wire(t, true) });
  });
  app.get("/transaction/check-status", (c) => {
    const t = txs.find((x) => x.reference === c.req.query("reference"));
    if (!t) return fail(c, 404, "Transaction not found");
    refreshExpiry(t);
    return c.json({ success: true, message: `Status transaksi saat ini ${t.status}` });
  });
  app.notFound((c) => fail(c, 404, "Endpoint not found"));

  const listening = await listenFake(app, opts);
  baseUrl = listening.origin;

  return {
    url: baseUrl,
    port: listening.port,
    transactions: () => txs.map((t) => structuredClone(t)),
    transaction: (id) => {
      const t = find(id);
      if (t) refreshExpiry(t);
      return t ? structuredClone(t) : undefined;
    },
    requests: () => requestLog.map((r) => ({ ...r })),
    callbacks: () => callbackLog.map((r) => ({ ...r })),
    pay,
    setCallbackUrl: (url) => {
      defaultCallbackUrl = url;
    },
    failNext: (count, status, o = {}) => {
      fails.push({ remaining: count, status, ...o });
    },
    stop: listening.stop,
  };
}
