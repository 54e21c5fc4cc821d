/**
 * The reseller API over real HTTP (web role, real Postgres and Redis, fake clouds for the
 * catalog's availability): keys (401 with the reason, 403 scope/reseller, 429 with Retry-After),
 * Idempotency-Key on POST (replay, 409 on another body or in flight, 400 without), orders paid
 * from the wallet at the reseller's price, status reads, VPS actions, invoices and the webhook
 * endpoint with its secret shown once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resellerPrice, seedDemoCatalog } from "../../db/seed.js";
import { createApiKey, revokeApiKey } from "../../shop/api/keys.js";
import { setMaintenance } from "../../shop/maintenance/index.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { startTestService, type TestService } from "../support/service.js";
import { fundWallet } from "../bot/reseller-chat.js";
import { call, resellerWithKey } from "./support.js";

let t: TestService;
let api: string;
const PLAN = "do-s-1vcpu-2gb-sgp1";
const UNIT = resellerPrice(145_000);

beforeAll(async () => {
  t = await startTestService({ roles: ["web"], clouds: true, env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  api = `${t.baseUrl}/api/v1`;
  await seedDemoCatalog(t.service.prisma);
});
afterAll(async () => {
  await t?.stop();
});

const order = (extra: Record<string, unknown> = {}) => ({ plan: PLAN, duration_months: 1, image: "ubuntu-22.04", ...extra });

describe("keys", () => {
  it("refuses a missing, malformed, unknown, forged or revoked key with 401; an unknown prefix and a wrong secret get the same reason", async () => {
    const { token, keyId, user } = await resellerWithKey(t.service.prisma, 7_100_001);
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const unknown = `vsk_0000000000_${token.slice(-43)}`;
    for (const [key, error] of [
      [undefined, "api_key_missing"],
      ["nonsense", "api_key_malformed"],
      [unknown, "api_key_invalid"],
      [forged, "api_key_invalid"],
    ] as const) {
      const res = await call(api, key, "GET", "/orders");
      expect(res.status, String(key)).toBe(401);
      expect(res.body).toMatchObject({ error: error, message: expect.any(String) });
    }
    expect((await call(api, token, "GET", "/orders")).status).toBe(200);
    expect(await revokeApiKey(t.service.prisma, { userId: user.id, keyId })).toMatchObject({ ok: true });
    const revoked = await call(api, token, "GET", "/orders");
    expect(revoked).toMatchObject({ status: 401, body: { error: "api_key_revoked" } });
    // The secret is stored only as a hash, and the audit trail never carries it.
    const row = await t.service.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(token.slice(-43));
    const audits = await t.service.prisma.auditLog.findMany({ where: { targetType: "api_key", targetId: String(keyId) } });
    expect(audits.map((a) => a.action).sort()).toEqual(["api_key.create", "api_key.revoke"]);
    expect(JSON.stringify(audits)).not.toContain(token.slice(-43));
  });

  it("keys refused from one address are limited: past 30 in a minute it gets 429 with Retry-After, even with a good key; other addresses are not affected", async () => {
    const { token } = await resellerWithKey(t.service.prisma, 7_100_005);
    const wrong = `vsk_0000000000_${token.slice(-43)}`;
    const fromB = { "x-forwarded-for": "198.51.100.200" };
    // The count is per clock minute: a run that straddles a minute's turn is done again from another address.
    for (let n = 0; ; n++) {
      const fromA = { "x-forwarded-for": `198.51.100.${10 + n}` };
      const minute = Math.floor(Date.now() / 60_000);
      const answers = [];
      for (let i = 0; i < 31; i++) answers.push(await call(api, wrong, "GET", "/orders", { headers: fromA }));
      const good = await call(api, token, "GET", "/orders", { headers: fromA });
      if (Math.floor(Date.now() / 60_000) !== minute) continue;
      expect(answers.slice(0, 30).every((a) => a.status === 401)).toBe(true);
      expect(answers[30]).toMatchObject({ status: 429, body: { error: "too_many_failed_keys" } });
      expect(Number(answers[30]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(good.status).toBe(429);
      break;
    }
    expect((await call(api, token, "GET", "/orders", { headers: fromB })).status).toBe(200);
  });

  it("403 for a key without the route's scope, and for an owner who lost the reseller tier", async () => {
    const { token, user, keyId } = await resellerWithKey(t.service.prisma, 7_100_002, { scopes: ["read"], balanceIdr: 1_000_000 });
    const res = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: randomUUID() });
    expect(res).toMatchObject({ status: 403, body: { error: "missing_scope" } });
    // Refused before doing anything: the Idempotency-Key keeps no answer.
    expect(await t.service.prisma.apiIdempotency.count({ where: { apiKeyId: keyId } })).toBe(0);
    expect(String(res.body.message)).toContain('"order"');
    expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(0);
    await t.service.prisma.user.update({ where: { id: user.id }, data: { resellerTierId: null } });
    expect(await call(api, token, "GET", "/orders")).toMatchObject({ status: 403, body: { error: "not_a_reseller" } });
  });

  it("403 for a banned owner; during maintenance writes get 503 and reads still work", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_004, { balanceIdr: 1_000_000 });
    await setMaintenance(t.service.prisma, { on: true, message: "upgrade", actor: {} });
    try {
      expect(await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: randomUUID() })).toMatchObject({ status: 503, body: { error: "maintenance" } });
      expect((await call(api, token, "GET", "/orders")).status).toBe(200);
    } finally {
      await setMaintenance(t.service.prisma, { on: false, actor: {} });
    }
    expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(0);
    await t.service.prisma.user.update({ where: { id: user.id }, data: { bannedAt: new Date(), banReason: "test" } });
    expect(await call(api, token, "GET", "/orders")).toMatchObject({ status: 403, body: { error: "account_banned" } });
  });

  it("a reseller the shop restricted (users.blocked) is refused like a banned one: 403 account_banned, and no new key", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_006);
    expect((await call(api, token, "GET", "/catalog")).status).toBe(200);
    await t.service.prisma.user.update({ where: { id: user.id }, data: { blocked: true } });
    expect(await call(api, token, "GET", "/catalog")).toMatchObject({ status: 403, body: { error: "account_banned" } });
    expect(await createApiKey(t.service.prisma, { userId: user.id, name: "after block", scopes: ["read"] })).toEqual({ ok: false, reason: "banned" });
    expect(await t.service.prisma.apiKey.count({ where: { userId: user.id } })).toBe(1);
  });

  it("429 with Retry-After past the key's requests per minute", async () => {
    // The budget is per clock minute: a run that straddles a minute's turn is done again, with a fresh key.
    for (;;) {
      const { token } = await resellerWithKey(t.service.prisma, 7_100_003, { ratePerMinute: 3 });
      const minute = Math.floor(Date.now() / 60_000);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call(api, token, "GET", "/orders"));
      if (Math.floor(Date.now() / 60_000) !== minute) continue;
      expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers[3]).toMatchObject({ status: 429, body: { error: "rate_limited" } });
      const retryAfter = Number(answers[3]!.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      return;
    }
  });
});

describe("orders", () => {
  it("places and pays an order from the wallet at the reseller price; the same Idempotency-Key and body replays it, another body is 409", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_010, { balanceIdr: 500_000 });
    const catalog = await call(api, token, "GET", "/catalog");
    expect(catalog.status).toBe(200);
    const plan = (catalog.body.plans as Array<{ code: string; prices: Array<{ duration_months: number; price_idr: number; source: string }> }>).find((p) => p.code === PLAN)!;
    expect(plan.prices.find((p) => p.duration_months === 1)).toMatchObject({ price_idr: UNIT, source: "reseller" });

    expect(await call(api, token, "POST", "/orders", { body: order() })).toMatchObject({ status: 400, body: { error: "idempotency_key_missing" } });
    const key = randomUUID();
    const first = await call(api, token, "POST", "/orders", { body: order({ quantity: 2, client_label: "PT Maju & Co." }), idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ paid_idr: 2 * UNIT, balance_after_idr: 500_000 - 2 * UNIT });
    const orders = first.body.orders as Array<{ reference: string; status: string; client_label: string; total_idr: number }>;
    expect(orders).toHaveLength(2);
    expect(orders.every((o) => o.status === "PAID" && o.client_label === "PT Maju & Co." && o.total_idr === UNIT)).toBe(true);

    // Same key, same body (other key order): the stored answer, nothing new.
    const again = await call(api, token, "POST", "/orders", { body: { client_label: "PT Maju & Co.", quantity: 2, image: "ubuntu-22.04", duration_months: 1, plan: PLAN }, idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(2);
    expect(await walletBalance(t.service.prisma, user.id)).toBe(500_000 - 2 * UNIT);
    expect((await call(api, token, "GET", "/wallet")).body).toEqual({ balance_idr: 500_000 - 2 * UNIT, on_hold: false });
    const placedAudit = await t.service.prisma.auditLog.findMany({ where: { actorUserId: user.id, action: "api.order.place" } });
    expect(placedAudit).toHaveLength(1);
    expect(placedAudit[0]!.details).toMatchObject({ references: orders.map((o) => o.reference), paidIdr: 2 * UNIT });
    const payments = await t.service.prisma.payment.findMany({ where: { order: { userId: user.id } } });
    expect(payments.map((p) => [p.gateway, p.status])).toEqual([["WALLET", "PAID"], ["WALLET", "PAID"]]);

    const other = await call(api, token, "POST", "/orders", { body: order({ quantity: 1 }), idempotencyKey: key });
    expect(other).toMatchObject({ status: 409, body: { error: "idempotency_key_reused" } });
    expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(2);

    // Reads: the list, one order, filtered by label.
    const list = await call(api, token, "GET", "/orders?client_label=PT%20Maju%20%26%20Co.");
    expect(list.body).toMatchObject({ total: 2 });
    const one = await call(api, token, "GET", `/orders/${orders[0]!.reference}`);
    expect(one).toMatchObject({ status: 200, body: { reference: orders[0]!.reference, status: "PAID", plan_code: PLAN, region: "sgp1", instance_id: null } });
  });

  it("a request still running under the key is 409 in flight; a body refused by validation keeps the key free", async () => {
    const { token, keyId } = await resellerWithKey(t.service.prisma, 7_100_011, { balanceIdr: 500_000 });
    const key = randomUUID();
    const bad = await call(api, token, "POST", "/orders", { body: { plan: PLAN }, idempotencyKey: key });
    expect(bad).toMatchObject({ status: 400, body: { error: "validation_failed" } });
    expect(await t.service.prisma.apiIdempotency.count({ where: { apiKeyId: keyId } })).toBe(0);

    // What a first request looks like while it runs: claimed, no answer stored yet.
    const running = randomUUID();
    const { requestFingerprint } = await import("../../shop/api/idempotency.js");
    const body = order();
    await t.service.prisma.apiIdempotency.create({ data: { apiKeyId: keyId, idemKey: running, method: "POST", path: "/api/v1/orders", requestHash: requestFingerprint("POST", "/api/v1/orders", JSON.stringify(body)) } });
    expect(await call(api, token, "POST", "/orders", { body, idempotencyKey: running })).toMatchObject({ status: 409, body: { error: "idempotency_request_in_flight" } });
  });

  it("refuses with nothing written: too little balance (402), unknown plan (404), wrong region (422), moved price (409)", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_012, { balanceIdr: UNIT - 1 });
    const poor = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: randomUUID() });
    expect(poor).toMatchObject({ status: 402, body: { error: "insufficient_balance" } });
    expect(await call(api, token, "POST", "/orders", { body: order({ plan: "nope" }), idempotencyKey: randomUUID() })).toMatchObject({ status: 404, body: { error: "plan_not_found" } });
    expect(await call(api, token, "POST", "/orders", { body: order({ region: "nyc1" }), idempotencyKey: randomUUID() })).toMatchObject({ status: 422, body: { error: "region_mismatch" } });
    expect(await call(api, token, "POST", "/orders", { body: order({ expected_unit_price_idr: UNIT + 1 }), idempotencyKey: randomUUID() })).toMatchObject({ status: 409, body: { error: "price_changed" } });
    expect(await call(api, token, "POST", "/orders", { body: order({ client_label: "<script>" }), idempotencyKey: randomUUID() })).toMatchObject({ status: 422, body: { error: "bad_label" } });
    expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(0);
    expect(await walletBalance(t.service.prisma, user.id)).toBe(UNIT - 1);
  });
});

describe("instances, actions, invoices", () => {
  it("shows the reseller's own VPS, queues an action, serves the invoice PDF; someone else's is 404", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_020, { balanceIdr: 500_000 });
    const other = await resellerWithKey(t.service.prisma, 7_100_021);
    const placed = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: randomUUID() });
    const reference = (placed.body.orders as Array<{ reference: string }>)[0]!.reference;
    const row = await t.service.prisma.order.findUniqueOrThrow({ where: { reference } });
    const instance = await t.service.prisma.instance.create({
      data: { orderId: row.id, userId: user.id, providerCode: "DIGITALOCEAN", providerInstanceId: "4242", label: "vps-api", region: "sgp1", planCode: PLAN, imageCode: "ubuntu-22.04", ipv4: "203.0.113.9", status: "ACTIVE", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
    });

    const list = await call(api, token, "GET", "/instances");
    expect(list.body).toMatchObject({ total: 1, instances: [{ id: instance.id, order_reference: reference, status: "ACTIVE", ipv4: "203.0.113.9" }] });
    expect((await call(api, token, "GET", `/orders/${reference}`)).body).toMatchObject({ instance_id: instance.id });
    expect((await call(api, other.token, "GET", `/instances/${instance.id}`)).status).toBe(404);
    expect((await call(api, other.token, "GET", `/orders/${reference}`)).status).toBe(404);

    const action = await call(api, token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: randomUUID() });
    expect(action).toMatchObject({ status: 202, body: { instance_id: instance.id, action: "reboot", status: "QUEUED" } });
    const busy = await call(api, token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: randomUUID() });
    expect(busy).toMatchObject({ status: 409, body: { error: "busy" } });
    expect((await call(api, other.token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: randomUUID() })).status).toBe(404);
    expect(await t.service.prisma.auditLog.count({ where: { action: "vps.reboot", targetId: String(instance.id) } })).toBe(1);

    const invoices = await call(api, token, "GET", "/invoices");
    expect(invoices.body).toMatchObject({ total: 1, invoices: [{ order_reference: reference, total_idr: UNIT }] });
    const pdf = await fetch(`${t.baseUrl}${(invoices.body.invoices as Array<{ pdf_path: string }>)[0]!.pdf_path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    expect((await call(api, other.token, "GET", `/invoices/${reference}/pdf`)).status).toBe(404);
  });
});

describe("webhook endpoint", () => {
  it("PUT shows the secret once, later PUTs keep it, rotation shows a new one, DELETE switches it off; audited without the secret", async () => {
    const { token, user } = await resellerWithKey(t.service.prisma, 7_100_030);
    expect((await call(api, token, "GET", "/webhook-endpoint")).status).toBe(404);
    expect(await call(api, token, "PUT", "/webhook-endpoint", { body: { url: "ftp://example.com/x" } })).toMatchObject({ status: 422, body: { error: "url_invalid" } });
    const first = await call(api, token, "PUT", "/webhook-endpoint", { body: { url: "http://127.0.0.1:9/hook" } });
    expect(first).toMatchObject({ status: 200, body: { url: "http://127.0.0.1:9/hook", enabled: true } });
    expect(first.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const second = await call(api, token, "PUT", "/webhook-endpoint", { body: { url: "http://127.0.0.1:9/other" } });
    expect(second.body).not.toHaveProperty("secret");
    expect((await call(api, token, "GET", "/webhook-endpoint")).body).toMatchObject({ url: "http://127.0.0.1:9/other", enabled: true });
    const rotated = await call(api, token, "POST", "/webhook-endpoint/rotate-secret", { idempotencyKey: randomUUID() });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(first.body.secret);
    expect((await call(api, token, "DELETE", "/webhook-endpoint")).status).toBe(204);
    expect((await call(api, token, "GET", "/webhook-endpoint")).body).toMatchObject({ enabled: false });
    expect((await call(api, token, "GET", "/webhook-deliveries")).body).toMatchObject({ total: 0, deliveries: [] });
    const audits = await t.service.prisma.auditLog.findMany({ where: { actorUserId: user.id, targetType: "webhook_endpoint" } });
    expect(audits.map((a) => a.action)).toEqual(["webhook_endpoint.set", "webhook_endpoint.set", "webhook_endpoint.rotate", "webhook_endpoint.disable"]);
    expect(JSON.stringify(audits)).not.toContain(String(first.body.secret));
  });
});

describe("webhook endpoint, first PUTs at once", () => {
  it("two first PUTs at the same moment both answer 200; exactly one carries the secret, and it is the stored one", async () => {
    const { webhookSecret } = await import("../../shop/api/webhook-endpoint.js");
    for (let i = 0; i < 5; i++) {
      const { token, user } = await resellerWithKey(t.service.prisma, 7_100_050 + i);
      const answers = await Promise.all([0, 1].map((n) => call(api, token, "PUT", "/webhook-endpoint", { body: { url: `http://127.0.0.1:9/hook-${n}` } })));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const secrets = answers.map((a) => a.body.secret).filter((x) => x !== undefined);
      expect(secrets).toHaveLength(1);
      const row = await t.service.prisma.webhookEndpoint.findUniqueOrThrow({ where: { userId: user.id } });
      expect(await webhookSecret(row.secretEnc, t.config.encryptionKey)).toBe(secrets[0]);
    }
  });
});

describe("idempotency records", () => {
  it("an answer carrying a webhook secret is not kept in clear under its Idempotency-Key; the replay still gives it back", async () => {
    const { token, keyId } = await resellerWithKey(t.service.prisma, 7_100_040);
    expect((await call(api, token, "PUT", "/webhook-endpoint", { body: { url: "http://127.0.0.1:9/hook" } })).status).toBe(200);
    const key = randomUUID();
    const rotated = await call(api, token, "POST", "/webhook-endpoint/rotate-secret", { idempotencyKey: key });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    const stored = await t.service.prisma.$queryRaw<Array<{ response: string }>>`SELECT response::text AS response FROM api_idempotency WHERE api_key_id = ${keyId}`;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.response).not.toContain("whsec_");
    expect(stored[0]!.response).not.toContain(String(rotated.body.secret).slice(6));
    const replayed = await call(api, token, "POST", "/webhook-endpoint/rotate-secret", { idempotencyKey: key });
    expect(replayed).toMatchObject({ status: 200, body: { secret: rotated.body.secret } });
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
  });

  it("a refusal that changed nothing keeps no answer: after the order limit's window (429) or a top-up (402), the same Idempotency-Key places the order", async () => {
    const { token, user, keyId } = await resellerWithKey(t.service.prisma, 7_100_041, { balanceIdr: UNIT - 1 });
    const { redis, config } = t.service;
    const key = randomUUID();
    const poor = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: key });
    expect(poor).toMatchObject({ status: 402, body: { error: "insufficient_balance" } });
    await fundWallet(t.service.prisma, user.id, UNIT, `api-test-topup:${key}`);

    // The chat's order limit used up in this minute (ten VPS): 429 with Retry-After, nothing kept.
    const limitKey = `${config.queuePrefix}:order-rate:${user.id}:${Math.floor(Date.now() / 60_000)}`;
    await redis.set(limitKey, "10", "EX", 120);
    const limited = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: key });
    expect(limited).toMatchObject({ status: 429, body: { error: "rate_limited" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await t.service.prisma.apiIdempotency.count({ where: { apiKeyId: keyId } })).toBe(0);

    // The window has turned (its counter gone): the same key and body now place the order.
    await redis.del(limitKey);
    const placed = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: key });
    expect(placed.status).toBe(201);
    expect(placed.headers.get("idempotent-replayed")).toBeNull();
    expect(await t.service.prisma.order.count({ where: { userId: user.id, status: "PAID" } })).toBe(1);
    // From now on the key replays the placed order.
    const again = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: key });
    expect(again).toMatchObject({ status: 201, body: placed.body });
  });

  it("a VPS busy with another action (409) keeps no answer: the same key runs once the action is done", async () => {
    const { token, user, keyId } = await resellerWithKey(t.service.prisma, 7_100_042, { balanceIdr: 500_000 });
    const placed = await call(api, token, "POST", "/orders", { body: order(), idempotencyKey: randomUUID() });
    const row = await t.service.prisma.order.findUniqueOrThrow({ where: { reference: (placed.body.orders as Array<{ reference: string }>)[0]!.reference } });
    const instance = await t.service.prisma.instance.create({
      data: { orderId: row.id, userId: user.id, providerCode: "DIGITALOCEAN", providerInstanceId: "4343", label: "vps-busy", region: "sgp1", planCode: PLAN, imageCode: "ubuntu-22.04", status: "ACTIVE", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
    });
    expect((await call(api, token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: randomUUID() })).status).toBe(202);
    const before = await t.service.prisma.apiIdempotency.count({ where: { apiKeyId: keyId } });
    const key = randomUUID();
    expect(await call(api, token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: key })).toMatchObject({ status: 409, body: { error: "busy" } });
    expect(await t.service.prisma.apiIdempotency.count({ where: { apiKeyId: keyId } })).toBe(before);
    await t.service.prisma.instanceAction.updateMany({ where: { instanceId: instance.id }, data: { status: "DONE", finishedAt: new Date() } });
    expect((await call(api, token, "POST", `/instances/${instance.id}/actions`, { body: { action: "reboot" }, idempotencyKey: key })).status).toBe(202);
  });
});

describe("document and reference page", () => {
  it("serves openapi.json and a self-contained reference page without a key", async () => {
    const doc = await call(api, undefined, "GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body).toMatchObject({ openapi: "3.0.3", servers: [{ url: "/api/v1" }] });
    const page = await fetch(`${api}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<code>/orders</code>");
    expect(html).toContain("Idempotency-Key");
    // No CDN: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
  });
});
