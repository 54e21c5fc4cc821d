/**
 * Fuzzed bodies against the running service's webhooks (web + bot roles in webhook mode, real
 * HTTP, real Postgres and Redis): POST /webhooks/tripay, /webhooks/midtrans and /telegram/webhook
 * with random JSON, deep nesting, huge and fractional numbers, wrong types in genuine bodies,
 * random bytes and odd content types. First unauthenticated (no or a wrong signature / secret):
 * nothing at all may change. Then authenticated the way only the gateway or Telegram could (signed
 * with the real keys, the right secret): the bookkeeping of authentic input may grow (the
 * callback audit trail, dedupe keys, the status-check job, users Telegram introduced), the money
 * may not (the Tripay order they name is paid already, so a valid body can only repeat that). Throughout, /health answers and the log stays bounded. Seeded: the seed is printed;
 * SECURITY_FUZZ_SEED replays a run.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { midtransSignature } from "../../shop/payments/gateways/midtrans.js";
import { tripayCallbackSignature } from "../../shop/payments/gateways/tripay.js";
import { startTestService, TEST_MIDTRANS_SERVER_KEY, TEST_TRIPAY, type TestService } from "../support/service.js";
import { createPendingOrder, midtransNotificationBody, tripayCallbackBody, type PendingOrder } from "../webhooks/payments/harness.js";
import { changedTables, fingerprint, type Fingerprint } from "./support/fingerprint.js";
import { deeplyNested, NASTY_NUMBERS, randomJson, randomText, seededRng, type Rng } from "./support/fuzz.js";
import { captureLogs } from "./support/logs.js";

const REQUESTS_PER_PHASE = 240;
const SECRET = "fuzz-webhook-secret-0123456789";
const logs = captureLogs("info");
let t: TestService;
let tripayOrder: PendingOrder;
let midtransOrder: PendingOrder;

beforeAll(async () => {
  t = await startTestService({
    roles: ["web", "bot"],
    gateways: true,
    env: { BOT_MODE: "webhook", PUBLIC_BASE_URL: "https://shop.example.id", TELEGRAM_WEBHOOK_SECRET: SECRET, BOT_RATE_LIMIT_PER_10S: "1000000" },
    logger: logs.logger,
  });
  tripayOrder = await createPendingOrder(t.service.prisma);
  midtransOrder = await createPendingOrder(t.service.prisma, { gateway: "MIDTRANS" });
  // Paid already: an authentic callback can then only repeat what happened, never pay anything.
  const paid = tripayCallbackBody(tripayOrder);
  expect(await send("/webhooks/tripay", paid, { "content-type": "application/json", "x-callback-event": "payment_status", "x-callback-signature": tripayCallbackSignature(TEST_TRIPAY.privateKey, paid) })).toBe(200);
  // The bot answers webhooks once it has reached (the fake) Telegram.
  await until("the bot to accept webhooks", async () => (await send("/telegram/webhook", "{}", { "x-telegram-bot-api-secret-token": SECRET })) !== 503);
});
afterAll(async () => {
  await t?.stop();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function send(path: string, body: string | Buffer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${t.baseUrl}${path}`, { method: "POST", headers, body });
  await res.arrayBuffer();
  return res.status;
}

/** A genuine body with one to three fields replaced by junk of another type or size. */
function mutated(rng: Rng, genuine: Record<string, unknown>): string {
  const body: Record<string, unknown> = { ...genuine };
  const keys = Object.keys(body);
  for (let i = rng.int(1, 3); i > 0; i--) body[rng.pick(keys)] = rng.chance(0.5) ? rng.pick(NASTY_NUMBERS.map(Number)) : randomJson(rng, 2);
  return JSON.stringify(body);
}

/** Anything but a well-formed body: random JSON, nesting, bytes, nothing. */
function junk(rng: Rng, genuine: () => Record<string, unknown>): string | Buffer {
  switch (rng.int(0, 5)) {
    case 0:
      return JSON.stringify(randomJson(rng));
    case 1:
      return deeplyNested(rng.int(500, 7000));
    case 2:
      return randomBytes(rng.int(1, 2000));
    case 3:
      return rng.pick(["", "null", "[]", "0", '"x"', "{", '{"a":1}garbage', randomText(rng, 50)]);
    default:
      return mutated(rng, genuine());
  }
}

/** What an HTTP header can carry: visible ASCII. */
const headerText = (rng: Rng, length: number) => Array.from({ length }, () => String.fromCharCode(rng.int(33, 126))).join("");

const contentType = (rng: Rng) => rng.pick(["application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1"]);

function tripayRequest(rng: Rng, signed: boolean): { body: string | Buffer; headers: Record<string, string> } {
  const body = junk(rng, () => JSON.parse(tripayCallbackBody(tripayOrder)) as Record<string, unknown>);
  const signature = signed ? tripayCallbackSignature(TEST_TRIPAY.privateKey, body) : rng.chance(0.5) ? randomBytes(32).toString("hex") : undefined;
  const event = rng.chance(0.9) ? "payment_status" : headerText(rng, 8);
  return { body, headers: { "content-type": contentType(rng), "x-callback-event": event, ...(signature ? { "x-callback-signature": signature } : {}) } };
}

function midtransRequest(rng: Rng, signed: boolean): { body: string | Buffer; headers: Record<string, string> } {
  let body = junk(rng, () => midtransNotificationBody(midtransOrder.attemptRef, { grossAmount: `${midtransOrder.totalIdr}.00` }));
  if (signed && typeof body === "string") {
    // Re-sign whatever the fields became, as only Midtrans (holding the server key) could.
    try {
      const o = JSON.parse(body) as Record<string, unknown>;
      if (o && typeof o === "object" && !Array.isArray(o)) {
        o.signature_key = midtransSignature(String(o.order_id), String(o.status_code), String(o.gross_amount), TEST_MIDTRANS_SERVER_KEY);
        body = JSON.stringify(o);
      }
    } catch {
      // Not JSON: stays as it is.
    }
  }
  return { body, headers: { "content-type": contentType(rng) } };
}

function telegramRequest(rng: Rng, signed: boolean): { body: string | Buffer; headers: Record<string, string> } {
  const body = rng.chance(0.5) ? JSON.stringify({ update_id: rng.pick([rng.int(1, 1e9), -1, 2 ** 60, "1"]), [rng.pick(["message", "callback_query", "edited_message", "my_chat_member", "x"])]: randomJson(rng, 1) }) : junk(rng, () => ({ update_id: 1, message: { text: "/start" } }));
  const secret = signed ? SECRET : rng.chance(0.5) ? headerText(rng, 30) : undefined;
  return { body, headers: { "content-type": contentType(rng), ...(secret !== undefined ? { "x-telegram-bot-api-secret-token": secret } : {}) } };
}

/** Every table and queue; with `authentic`, minus what authentic input may legitimately add. */
async function snapshot(authentic: boolean): Promise<Fingerprint> {
  const all = await fingerprint(t.service.prisma, t.service.queues);
  if (authentic) for (const key of Object.keys(all)) if (["payment_callbacks", "processed_events", "job_outbox", "users", "audit_logs", "telegram_updates"].includes(key) || key.startsWith("queue:")) delete all[key];
  return all;
}

async function phase(label: string, signed: boolean): Promise<void> {
  const rng = seededRng(label);
  const before = await snapshot(signed);
  const linesBefore = logs.lines.length;
  const statuses = new Map<string, number>();
  for (let n = 0; n < REQUESTS_PER_PHASE; n++) {
    const [path, make] = rng.pick([["/webhooks/tripay", tripayRequest], ["/webhooks/midtrans", midtransRequest], ["/telegram/webhook", telegramRequest]] as const);
    const { body, headers } = make(rng, signed);
    const status = await send(path, body, headers);
    statuses.set(`${path} ${status}`, (statuses.get(`${path} ${status}`) ?? 0) + 1);
    expect(status, `seed ${rng.seed}, request ${n} to ${path}: a server error`).toBeLessThan(500);
    if (n % 40 === 39) expect((await fetch(`${t.baseUrl}/health`)).status, `seed ${rng.seed}: /health after ${n + 1}`).toBe(200);
  }
  console.log(`[${label}] answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  expect(changedTables(before, await snapshot(signed)), `seed ${rng.seed}`).toEqual([]);
  const lines = logs.lines.slice(linesBefore);
  expect(Math.max(0, ...lines.map((l) => l.length)), `seed ${rng.seed}: longest log line`).toBeLessThan(4096);
  expect(lines.reduce((n, l) => n + l.length, 0), `seed ${rng.seed}: log bytes`).toBeLessThan(REQUESTS_PER_PHASE * 1024);
  // Authentic junk updates (a chat without an id…) may fail inside the bot's error boundary:
  // Telegram never sends them, and the boundary keeps them from the process and the sender.
  const failures = signed ? /request failed|unhandled/ : /update failed|request failed|unhandled/;
  expect(logs.matching(failures).map((l) => l.msg), `seed ${rng.seed}`).toEqual([]);
}

describe("fuzzed webhook bodies", () => {
  it("bodies that once answered 500 (retried by the sender forever): a 4xx now, nothing changed", async () => {
    const before = await snapshot(true);
    const tripay = (raw: string) => send("/webhooks/tripay", raw, { "content-type": "application/json", "x-callback-event": "payment_status", "x-callback-signature": tripayCallbackSignature(TEST_TRIPAY.privateKey, raw) });
    const genuine = tripayCallbackBody(tripayOrder);
    // A NUL byte cannot be stored in Postgres text: the verified body was recorded, and failed.
    expect(await tripay(`${genuine}\0`)).toBe(400);
    expect(await tripay(genuine.replace(`"reference":"${tripayOrder.gatewayReference}"`, '"reference":"T\\u0000X"'))).toBe(404);
    const notification = midtransNotificationBody("ORD-\u0000-X", { grossAmount: "1000.00" });
    notification.signature_key = midtransSignature("ORD-\u0000-X", "200", "1000.00", TEST_MIDTRANS_SERVER_KEY);
    expect(await send("/webhooks/midtrans", JSON.stringify(notification), { "content-type": "application/json" })).toBeLessThan(500);
    // A lone surrogate (JSON "\ud92c") broke Prisma's query encoding of the recorded notification.
    const gross = `${midtransOrder.totalIdr}.00`;
    const signatureKey = midtransSignature(midtransOrder.attemptRef, "200", gross, TEST_MIDTRANS_SERVER_KEY);
    const odd = { ...midtransNotificationBody(midtransOrder.attemptRef, { grossAmount: gross, signatureKey }), transaction_status: "x\ud92cy" };
    expect(await send("/webhooks/midtrans", JSON.stringify(odd), { "content-type": "application/json" })).toBe(200);
    expect(await tripay(genuine.replace('"note":null', '"note":"\\ude7b\\u0000"'))).toBe(200);
    // grammY took `null` for an update and threw.
    for (const body of ["null", "[]", "7", '"update"', '{"message":{}}', '{"update_id":"1"}']) {
      expect(await send("/telegram/webhook", body, { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET }), body).toBe(400);
    }
    expect(changedTables(before, await snapshot(true))).toEqual([]);
  });

  it(`${REQUESTS_PER_PHASE} unauthenticated requests: no 5xx, no change at all, /health answers, bounded logs`, async () => {
    await phase("fuzz-webhooks-unsigned", false);
  });

  it(`${REQUESTS_PER_PHASE} requests signed with the real keys / the real secret: no 5xx, the money never moves`, async () => {
    await phase("fuzz-webhooks-signed", true);
    const order = await t.service.prisma.order.findUniqueOrThrow({ where: { id: tripayOrder.orderId } });
    expect(order.status).toBe("PAID");
  });
});
