/**
 * Issue 13's "done when" for the reseller API: a client written only from the served OpenAPI
 * document (test/api/openapi-client.ts: operations by operationId, requests and answers checked
 * against the document's schemas) sets its webhook URL, reads the catalog, creates an order twice
 * with the same Idempotency-Key — one order, paid from the wallet — and its local HTTP server then
 * receives the signed "vps.active" webhook. The whole service runs in-process (web, bot, worker,
 * scheduler) against the fake clouds, so the order really provisions and the webhook really leaves
 * through the outbound queue.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { verifyWebhookSignature } from "../../shop/events/signature.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { startTestService, type TestService } from "../support/service.js";
import { openApiClient, type Answer, type OpenApiDoc } from "./openapi-client.js";
import { resellerWithKey } from "./support.js";

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
}

let t: TestService;
let hooks: http.Server;
const received: Received[] = [];
const waiters: Array<() => void> = [];

beforeAll(async () => {
  t = await startTestService({ clouds: true, env: { WEBHOOK_ALLOW_PRIVATE: "true", PROVISION_POLL_MS: "100" } });
  await seedDemoCatalog(t.service.prisma);
  hooks = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ headers: req.headers, raw });
      res.writeHead(204).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => hooks?.close(resolve));
  await t?.stop();
});

/** Resolves with the first received webhook that `match`es, waiting for more as they come (bounded). */
async function webhook(match: (r: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching webhook in ${timeoutMs} ms; got ${received.map((r) => r.headers["x-shop-event"]).join(", ") || "none"}`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
  }
}

it("a client built from openapi.json orders twice with one Idempotency-Key: one order, paid from the wallet, then the signed vps.active webhook", async () => {
  const { token, user } = await resellerWithKey(t.service.prisma, 7_300_001, { balanceIdr: 1_000_000 });
  const doc = (await (await fetch(`${t.baseUrl}/api/v1/openapi.json`)).json()) as OpenApiDoc;
  const api = openApiClient(t.baseUrl, doc, token);

  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/vps`;
  const endpoint = await api.call("setWebhookEndpoint", { body: { url: hookUrl } });
  expect(endpoint.status).toBe(200);
  const secret = String(endpoint.body.secret);
  expect(secret).toMatch(/^whsec_/);

  const catalog = await api.call("getCatalog");
  type Plan = { code: string; provider: string; available: boolean; prices: Array<{ duration_months: number; price_idr: number }>; images: Array<{ code: string }> };
  const plan = (catalog.body.plans as Plan[]).find((p) => p.provider === "DIGITALOCEAN" && p.available && p.prices.some((x) => x.duration_months === 1) && p.images.length > 0)!;
  const price = plan.prices.find((x) => x.duration_months === 1)!.price_idr;
  const body = { plan: plan.code, duration_months: 1, image: plan.images[0]!.code, quantity: 1, client_label: "Klien API", expected_unit_price_idr: price };

  const key = randomUUID();
  const first = await api.call("createOrder", { body, headers: { "Idempotency-Key": key } });
  const second = await api.call("createOrder", { body, headers: { "Idempotency-Key": key } });
  expect(first.status).toBe(201);
  expect(second.status).toBe(201);
  expect(second.headers.get("idempotent-replayed")).toBe("true");
  expect(second.body).toEqual(first.body);
  const [placed] = first.body.orders as Array<{ reference: string; status: string }>;
  expect(placed).toMatchObject({ status: "PAID" });
  expect(first.body).toMatchObject({ paid_idr: price, balance_after_idr: 1_000_000 - price });

  // One order, paid from the wallet once.
  const orders = await t.service.prisma.order.findMany({ where: { userId: user.id }, include: { payments: true } });
  expect(orders).toHaveLength(1);
  expect(orders[0]!.payments.map((p) => [p.gateway, p.status, p.totalIdr])).toEqual([["WALLET", "PAID", price]]);
  expect(await walletBalance(t.service.prisma, user.id)).toBe(1_000_000 - price);

  // The VPS comes up and the signed webhook reaches the reseller's server.
  const active = await webhook((r) => r.headers["x-shop-event"] === "vps.active");
  expect(verifyWebhookSignature(secret, String(active.headers["x-shop-signature"]), active.raw)).toMatchObject({ ok: true });
  expect(verifyWebhookSignature("whsec_someone-else", String(active.headers["x-shop-signature"]), active.raw)).toMatchObject({ ok: false, reason: "mismatch" });
  expect(active.headers["content-type"]).toContain("application/json");
  const event = JSON.parse(active.raw) as { id: string; type: string; created_at: string; data: Record<string, unknown> };
  expect(event).toMatchObject({ id: expect.stringMatching(/^evt_\d+$/), type: "vps.active", data: { reference: placed!.reference, client_label: "Klien API" } });

  // The same facts through the API: the order ACTIVE with its VPS, the VPS active, the delivery
  // logged (the log is written after our server answered, so it is waited for).
  const order = await until(() => api.call("getOrder", { params: { reference: placed!.reference } }), (a) => a.body.status === "ACTIVE");
  expect(order.body).toMatchObject({ status: "ACTIVE", instance_id: event.data.instance_id });
  const instance = await api.call("getInstance", { params: { id: Number(event.data.instance_id) } });
  expect(instance.body).toMatchObject({ status: "ACTIVE", order_reference: placed!.reference });
  const delivered = (a: Answer) => (a.body.deliveries as Array<{ event_id: string; status: string }>).some((d) => d.event_id === event.id && d.status === "DELIVERED");
  const log = await until(() => api.call("listWebhookDeliveries"), delivered);
  expect(log.body.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ event_id: event.id, type: "vps.active", status: "DELIVERED", last_status: 204 })]));
});

/** Asks again (every 50 ms, at most 10 s) until the answer shows the state. */
async function until(ask: () => Promise<Answer>, done: (a: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await ask();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
