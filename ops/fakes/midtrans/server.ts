/**
 * A local fake of Midtrans Snap + Core API Get Status speaking the real wire format
 * (spec §2), for the offline demo and tests. Point MIDTRANS_SNAP_URL at `fake.snapUrl`
 * and MIDTRANS_API_URL at `fake.apiUrl`.
 *
 * - `POST /snap/v1/transactions`: Basic auth (server key + ":"), 201 {token, redirect_url};
 *   400 {error_messages} for invalid bodies, 406 for a reused order_id, 401 for a bad key.
 * - `GET /v2/{order_id|transaction_id}/status`: the status body incl. `signature_key`.
 *   Like real Snap, an order is unknown to the Core API (404) until a payment method was
 *   chosen, i.e. until the first `pay()` (use `transactionStatus: "pending"` for that).
 *   An expired transaction answers HTTP 200 with `status_code: "407"` in the body (how the
 *   official Node client sees it; an HTTP-level 407 could not even reach a fetch() caller).
 * - `pay()` / `POST /_fake/pay` change the status and POST a notification with a valid
 *   `signature_key` to the URL(s) from the create request's X-Override-Notification /
 *   X-Append-Notification headers, or the default set with setNotificationUrl().
 */
import { createHash, randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { listenFake } from "../http.js";

export interface FakeMidtransOptions {
  serverKey: string;
  /** Default Payment Notification URL (the dashboard setting). */
  notificationUrl?: string;
  host?: string;
  port?: number;
  now?: () => number;
  /** Shown as merchant_id. */
  merchantId?: string;
}

export type FakeMidtransTransactionStatus = "settlement" | "capture" | "pending" | "expire" | "deny" | "cancel" | "refund";

export interface FakeMidtransTransaction {
  order_id: string;
  gross_amount: number;
  token: string;
  redirect_url: string;
  /** Where notifications for this transaction go (empty: none configured at create time; the default applies). */
  notification_urls: string[];
  /** The create request body as received. */
  request: Record<string, unknown>;
  created_at: number;
  /** Set once a payment method was chosen (first pay()). */
  transaction_id: string;
  transaction_status: FakeMidtransTransactionStatus | null;
  fraud_status: "accept" | "challenge" | "deny" | null;
  payment_type: string | null;
  transaction_time: string | null;
  settlement_time: string | null;
  gross_amount_text: string;
  va_number: string;
}

export interface FakeMidtransNotification {
  url?: string;
  status?: number;
  body?: string;
  error?: string;
  rawBody: string;
  payload: Record<string, unknown>;
}

export interface FakeMidtransPayOptions {
  transactionStatus?: FakeMidtransTransactionStatus;
  fraudStatus?: "accept" | "challenge" | "deny";
  /** gross_amount text to report and sign, e.g. "144000.00" (default: the created amount + ".00"). */
  grossAmount?: string;
  paymentType?: string;
  /** Send to this URL instead of the configured one(s). */
  notificationUrl?: string;
}

export interface FakeMidtrans {
  readonly url: string;
  readonly port: number;
  /** For MIDTRANS_SNAP_URL: `${url}/snap/v1`. */
  readonly snapUrl: string;
  /** For MIDTRANS_API_URL. */
  readonly apiUrl: string;
  transactions(): FakeMidtransTransaction[];
  transaction(orderId: string): FakeMidtransTransaction | undefined;
  requests(): { method: string; path: string; status: number }[];
  notifications(): FakeMidtransNotification[];
  /** Updates the status and POSTs a signed notification; resolves with the first delivery's result. */
  pay(orderId: string, opts?: FakeMidtransPayOptions): Promise<FakeMidtransNotification>;
  setNotificationUrl(url: string | undefined): void;
  failNext(count: number, status: number): void;
  stop(): Promise<void>;
}

const STATUS_CODE: Record<FakeMidtransTransactionStatus, string> = {
  settlement: "200",
  capture: "200",
  pending: "201",
  deny: "202",
  cancel: "200",
  expire: "407",
  refund: "200",
};

/** "YYYY-MM-DD HH:MM:SS" in Jakarta time (UTC+7), as Midtrans formats times. */
function wibTime(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
}

function sha512(text: string): string {
  return createHash("sha512").update(text).digest("hex");
}

function splitUrls(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean)
    .slice(0, 3);
}

export async function startFakeMidtrans(opts: FakeMidtransOptions): Promise<FakeMidtrans> {
  const now = opts.now ?? Date.now;
  const merchantId = opts.merchantId ?? "G000000001";
  const txs = new Map<string, FakeMidtransTransaction>();
  const requestLog: { method: string; path: string; status: number }[] = [];
  const notificationLog: FakeMidtransNotification[] = [];
  const fails: { remaining: number; status: number }[] = [];
  let defaultUrl = opts.notificationUrl;
  let baseUrl = "";
  let vaSeq = 0;
  const expectedAuth = `Basic ${Buffer.from(`${opts.serverKey}:`).toString("base64")}`;

  const find = (id: string) => txs.get(id) ?? [...txs.values()].find((t) => t.transaction_id === id);

  const statusBody = (t: FakeMidtransTransaction): Record<string, unknown> => {
    const status = t.transaction_status ?? "pending";
    let statusCode = STATUS_CODE[status];
    if (status === "capture" && t.fraud_status === "challenge") statusCode = "201";
    const body: Record<string, unknown> = {
      status_code: statusCode,
      status_message: "Success, transaction is found",
      transaction_id: t.transaction_id,
      order_id: t.order_id,
      merchant_id: merchantId,
      gross_amount: t.gross_amount_text,
      currency: "IDR",
      payment_type: t.payment_type,
      transaction_time: t.transaction_time,
      transaction_status: status,
      fraud_status: t.fraud_status ?? "accept",
      signature_key: sha512(`${t.order_id}${statusCode}${t.gross_amount_text}${opts.serverKey}`),
    };
    if (t.payment_type === "bank_transfer") body.va_numbers = [{ bank: "bca", va_number: t.va_number }];
    if (t.settlement_time) body.settlement_time = t.settlement_time;
    if (status === "pending") body.expiry_time = wibTime(t.created_at + 24 * 3600_000);
    return body;
  };

  const pay = async (orderId: string, p: FakeMidtransPayOptions = {}): Promise<FakeMidtransNotification> => {
    const t = find(orderId);
    if (!t) throw new Error(`fake midtrans: no transaction ${orderId}`);
    const status = p.transactionStatus ?? "settlement";
    t.transaction_status = status;
    t.payment_type = p.paymentType ?? t.payment_type ?? (status === "capture" ? "credit_card" : "bank_transfer");
    t.transaction_time ??= wibTime(now());
    t.fraud_status = p.fraudStatus ?? (status === "deny" ? "deny" : "accept");
    if (status === "settlement") t.settlement_time = wibTime(now());
    if (p.grossAmount !== undefined) t.gross_amount_text = p.grossAmount;
    const payload = { ...statusBody(t), status_message: "midtrans payment notification" };
    const rawBody = JSON.stringify(payload);
    const urls = p.notificationUrl ? [p.notificationUrl] : t.notification_urls.length > 0 ? t.notification_urls : defaultUrl ? [defaultUrl] : [];
    if (urls.length === 0) {
      const record = { rawBody, payload, error: "no notification URL (X-Override-Notification at create, pay() option or setNotificationUrl)" };
      notificationLog.push(record);
      return record;
    }
    const results: FakeMidtransNotification[] = [];
    for (const url of urls) {
      const record: FakeMidtransNotification = { url, rawBody, payload };
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", "user-agent": "Veritrans/fake" },
          body: rawBody,
          redirect: "manual",
          signal: AbortSignal.timeout(15_000),
        });
        record.status = res.status;
        record.body = await res.text();
      } catch (error) {
        record.error = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
      }
      notificationLog.push(record);
      results.push(record);
    }
    return results[0] as FakeMidtransNotification;
  };

  const app = new Hono();
  const track = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const path = new URL(c.req.url).pathname;
    const injected = fails.find((f) => f.remaining > 0);
    if (injected) {
      injected.remaining -= 1;
      requestLog.push({ method: c.req.method, path, status: injected.status });
      return c.json({ status_code: String(injected.status), status_message: "injected failure", error_messages: ["injected failure"] }, injected.status as 500);
    }
    await next();
    requestLog.push({ method: c.req.method, path, status: c.res.status });
  };

  // --- control -------------------------------------------------------------------------
  app.get("/_fake/transactions", (c) => c.json([...txs.values()]));
  app.post("/_fake/pay", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const id = typeof b.orderId === "string" ? b.orderId : typeof b.order_id === "string" ? b.order_id : undefined;
    if (!id || !find(id)) return c.json({ error: "unknown transaction; send {orderId}" }, 404);
    const status = (typeof b.status === "string" ? b.status : typeof b.transactionStatus === "string" ? b.transactionStatus : undefined) as FakeMidtransTransactionStatus | undefined;
    if (status && !(status in STATUS_CODE)) return c.json({ error: `status must be one of ${Object.keys(STATUS_CODE).join(", ")}` }, 400);
    const result = await pay(id, {
      ...(status ? { transactionStatus: status } : {}),
      ...(b.fraudStatus === "accept" || b.fraudStatus === "challenge" || b.fraudStatus === "deny" ? { fraudStatus: b.fraudStatus } : {}),
      ...(typeof b.grossAmount === "string" ? { grossAmount: b.grossAmount } : {}),
    });
    return c.json(result);
  });
  app.post("/_fake/notification-url", async (c) => {
    const b = (await c.req.json().catch(() => ({}))) as { url?: unknown };
    defaultUrl = typeof b.url === "string" && b.url ? b.url : undefined;
    return c.json({ ok: true, notificationUrl: defaultUrl ?? null });
  });

  // --- Snap hosted payment page (redirect_url) -------------------------------------------
  app.get("/snap/v4/redirection/:token", (c) => {
    const t = [...txs.values()].find((x) => x.token === c.req.param("token"));
    if (!t) return c.html("<h1>Not found</h1>", 404);
    const forms = (["settlement", "pending", "expire"] as const)
      .map((s) => `<form method="post" action="/snap/v4/redirection/${t.token}/pay?status=${s}"><button>${s}</button></form>`)
      .join("");
    return c.html(
      `<!doctype html><meta charset="utf-8"><title>Fake Midtrans ${t.order_id}</title><h1>Fake Midtrans Snap</h1>` +
        `<p>Order ${t.order_id.replace(/[<>&"]/g, "")}: Rp ${t.gross_amount.toLocaleString("id-ID")} · status ${t.transaction_status ?? "(no method chosen)"}</p>${forms}`,
    );
  });
  app.post("/snap/v4/redirection/:token/pay", async (c) => {
    const t = [...txs.values()].find((x) => x.token === c.req.param("token"));
    if (!t) return c.html("<h1>Not found</h1>", 404);
    const s = c.req.query("status");
    const r = await pay(t.order_id, s && s in STATUS_CODE ? { transactionStatus: s as FakeMidtransTransactionStatus } : {});
    return c.html(`<!doctype html><meta charset="utf-8"><p>Done. Notification: ${r.status ?? (r.error ?? "").replace(/[<>&"]/g, "")}</p>`);
  });

  // --- Snap API ------------------------------------------------------------------------
  app.use("/snap/v1/*", track);
  app.post("/snap/v1/transactions", async (c) => {
    if (c.req.header("authorization") !== expectedAuth) {
      return c.json(
        {
          error_messages: [
            "Access denied due to unauthorized transaction, please check client or server key",
            "Visit https://snap-docs.midtrans.com/#request-headers for more details",
          ],
        },
        401,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return c.json({ error_messages: ["Request body is not valid JSON"] }, 400);
    }
    const td = (body?.transaction_details ?? {}) as Record<string, unknown>;
    const errors: string[] = [];
    const orderId = td.order_id;
    const gross = td.gross_amount;
    if (typeof orderId !== "string" || orderId === "") errors.push("transaction_details.order_id is required");
    else if (orderId.length > 50 || !/^[A-Za-z0-9\-_.~]+$/.test(orderId)) errors.push("transaction_details.order_id format is invalid");
    if (typeof gross !== "number" || !Number.isSafeInteger(gross) || gross <= 0) errors.push("transaction_details.gross_amount must be a positive integer");
    const items = body?.item_details;
    if (Array.isArray(items) && typeof gross === "number") {
      const sum = items.reduce((s: number, i: unknown) => {
        const it = (i ?? {}) as { price?: unknown; quantity?: unknown };
        return s + (typeof it.price === "number" && typeof it.quantity === "number" ? it.price * it.quantity : Number.NaN);
      }, 0);
      if (sum !== gross) errors.push("transaction_details.gross_amount is not equal to the sum of item_details");
      for (const i of items) {
        const name = (i as { name?: unknown })?.name;
        if (typeof name === "string" && name.length > 50) errors.push("item_details.name is too long (maximum is 50 characters)");
      }
    }
    if (errors.length > 0) return c.json({ error_messages: errors }, 400);
    if (txs.has(orderId as string)) {
      return c.json({ error_messages: ["transaction_details.order_id has already been taken"] }, 406);
    }
    const override = splitUrls(c.req.header("x-override-notification"));
    const append = splitUrls(c.req.header("x-append-notification"));
    const token = randomUUID();
    vaSeq += 1;
    const t: FakeMidtransTransaction = {
      order_id: orderId as string,
      gross_amount: gross as number,
      token,
      redirect_url: `${baseUrl}/snap/v4/redirection/${token}`,
      notification_urls: override.length > 0 ? override : append.length > 0 ? [...(defaultUrl ? [defaultUrl] : []), ...append] : [],
      request: body,
      created_at: now(),
      transaction_id: randomUUID(),
      transaction_status: null,
      fraud_status: null,
      payment_type: null,
      transaction_time: null,
      settlement_time: null,
      gross_amount_text: `${gross as number}.00`,
      va_number: `${String(now()).slice(-7)}${String(vaSeq).padStart(4, "0")}`,
    };
    txs.set(t.order_id, t);
    return c.json({ token, redirect_url: t.redirect_url }, 201);
  });

  // --- Core API ------------------------------------------------------------------------
  app.use("/v2/*", track);
  app.get("/v2/:id/status", (c) => {
    if (c.req.header("authorization") !== expectedAuth) {
      return c.json({ status_code: "401", status_message: "Access denied due to unauthorized transaction, please check client or server key", id: randomUUID() }, 401);
    }
    const t = find(c.req.param("id"));
    if (!t || t.transaction_status === null) {
      return c.json({ status_code: "404", status_message: "Transaction doesn't exist.", id: randomUUID() }, 404);
    }
    return c.json(statusBody(t), 200);
  });
  app.notFound((c) => c.json({ status_code: "404", status_message: "The requested resource is not found" }, 404));

  const listening = await listenFake(app, opts);
  baseUrl = listening.origin;

  return {
    url: baseUrl,
    port: listening.port,
    snapUrl: `${baseUrl}/snap/v1`,
    apiUrl: baseUrl,
    transactions: () => [...txs.values()].map((t) => structuredClone(t)),
    transaction: (id) => {
      const t = find(id);
      return t ? structuredClone(t) : undefined;
    },
    requests: () => requestLog.map((r) => ({ ...r })),
    notifications: () => notificationLog.map((n) => ({ ...n })),
    pay,
    setNotificationUrl: (url) => {
      defaultUrl = url;
    },
    failNext: (count, status) => {
      fails.push({ remaining: count, status });
    },
    stop: listening.stop,
  };
}
