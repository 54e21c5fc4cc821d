/**
 * The reseller API's keys and webhook endpoint from the Mini App (`/app/api/api-keys`,
 * `/app/api/webhook-endpoint`), over real HTTP against the running service: resellers only (403
 * otherwise, and at once when the tier goes), a key made here works on /api/v1 and is shown in
 * that one answer only, a revoked key gets 401 there, someone else's key is "not found", and the
 * webhook's secret is shown once — the chat's refusals and audit rows, no key or secret stored in clear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_RESELLER_TIER } from "../../db/seed.js";
import { createApiKey } from "../../shop/api/keys.js";
import { recordCustomerEvent } from "../../shop/events/record.js";
import { newUser } from "../provisioning/fixtures.js";
import { startMiniApp, type MiniAppRig } from "./support.js";

let rig: MiniAppRig;
beforeAll(async () => {
  rig = await startMiniApp();
});
afterAll(async () => {
  await rig?.stop();
});

async function reseller() {
  const prisma = rig.t.db.prisma;
  const tier = await prisma.resellerTier.findUniqueOrThrow({ where: { code: DEMO_RESELLER_TIER.code } });
  const user = await prisma.user.update({ where: { id: (await newUser(prisma)).id }, data: { resellerTierId: tier.id } });
  return { user, token: await rig.tokenFor(user) };
}

/** GET /api/v1/catalog with an API key: the proof a key works (or not). */
async function catalogWith(key: string) {
  const res = await fetch(rig.url("/api/v1/catalog"), { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every place a key or secret could have been written: audit rows, stored idempotent answers, the key rows. */
async function storedText(): Promise<string> {
  const prisma = rig.t.db.prisma;
  const [audits, idem, keys] = await Promise.all([prisma.auditLog.findMany(), prisma.apiIdempotency.findMany(), prisma.apiKey.findMany()]);
  return JSON.stringify([audits, idem, keys], (_, v: unknown) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : v));
}

describe("who may", () => {
  it("refuses a customer without a reseller tier with 403 on every route, and makes nothing", async () => {
    const prisma = rig.t.db.prisma;
    const user = await newUser(prisma);
    const token = await rig.tokenFor(user);
    expect((await rig.call(token, "/me")).body).toMatchObject({ reseller: false });
    for (const [method, path, body] of [
      ["GET", "/api-keys", undefined],
      ["POST", "/api-keys", { name: "x", scopes: ["read"] }],
      ["POST", "/api-keys/1/revoke", { confirm: true }],
      ["GET", "/webhook-endpoint", undefined],
      ["PUT", "/webhook-endpoint", { url: "https://203.0.113.10/hook" }],
      ["POST", "/webhook-endpoint/rotate", { confirm: true }],
      ["DELETE", "/webhook-endpoint", undefined],
    ] as const) {
      expect(await rig.call(token, path, { method, body }), `${method} ${path}`).toMatchObject({ status: 403, body: { error: "not_reseller", message: expect.any(String) } });
    }
    expect(await prisma.apiKey.count({ where: { userId: user.id } })).toBe(0);
    expect(await prisma.webhookEndpoint.count({ where: { userId: user.id } })).toBe(0);
    expect((await rig.call(null, "/api-keys")).status).toBe(401);
  });

  it("a tier taken away or a ban closes the page at the next call", async () => {
    const { user, token } = await reseller();
    expect((await rig.call(token, "/me")).body).toMatchObject({ reseller: true });
    expect((await rig.call(token, "/api-keys")).status).toBe(200);
    await rig.t.db.prisma.user.update({ where: { id: user.id }, data: { resellerTierId: null } });
    expect(await rig.call(token, "/api-keys")).toMatchObject({ status: 403, body: { error: "not_reseller" } });
    const other = await reseller();
    await rig.t.db.prisma.user.update({ where: { id: other.user.id }, data: { bannedAt: new Date() } });
    expect(await rig.call(other.token, "/api-keys", { method: "POST", body: { name: "x", scopes: ["read"] } })).toMatchObject({ status: 403, body: { error: "banned" } });
    expect(await rig.t.db.prisma.apiKey.count({ where: { userId: other.user.id } })).toBe(0);
  });
});

describe("keys", () => {
  it("a key made here works on /api/v1, is in that one answer only and stored hashed; revoked it gets 401 there, a second revoke 409", async () => {
    const { user, token } = await reseller();
    const res = await fetch(rig.url("/app/api/api-keys"), { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ name: "  Panel   Billing ", scopes: ["read", "read"] }) });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const made = (await res.json()) as { token: string; key: { id: number; prefix: string; name: string; scopes: string[] } };
    expect(made.token).toMatch(new RegExp(`^vsk_${made.key.prefix}_[A-Za-z0-9_-]{43}$`));
    expect(made.key).toMatchObject({ name: "Panel Billing", scopes: ["read"] });

    const catalog = await catalogWith(made.token);
    expect(catalog.status).toBe(200);
    expect(catalog.body.plans).toEqual(expect.any(Array));

    const list = await rig.call(token, "/api-keys");
    expect(list.status).toBe(200);
    expect(list.body.keys).toEqual([expect.objectContaining({ id: made.key.id, prefix: made.key.prefix, revokedAt: null, lastUsedAt: expect.any(String) })]);
    const secretPart = made.token.slice(-43);
    expect(JSON.stringify(list.body)).not.toContain(secretPart);
    expect(await storedText()).not.toContain(secretPart);
    const audit = await rig.t.db.prisma.auditLog.findFirstOrThrow({ where: { action: "api_key.create", targetId: String(made.key.id) } });
    expect(audit).toMatchObject({ actorUserId: user.id, details: { prefix: made.key.prefix, name: "Panel Billing", scopes: ["read"] } });

    // The page asks first: without the confirmation nothing happens.
    expect(await rig.call(token, `/api-keys/${made.key.id}/revoke`, { method: "POST", body: {} })).toMatchObject({ status: 409, body: { error: "confirmation_required" } });
    expect((await catalogWith(made.token)).status).toBe(200);
    expect(await rig.call(token, `/api-keys/${made.key.id}/revoke`, { method: "POST", body: { confirm: true } })).toMatchObject({ status: 200, body: { prefix: made.key.prefix, revoked: true } });
    expect(await catalogWith(made.token)).toMatchObject({ status: 401, body: { error: "api_key_revoked" } });
    expect(await rig.call(token, `/api-keys/${made.key.id}/revoke`, { method: "POST", body: { confirm: true } })).toMatchObject({ status: 409, body: { error: "already_revoked" } });
    expect(await rig.t.db.prisma.auditLog.count({ where: { action: "api_key.revoke", targetId: String(made.key.id) } })).toBe(1);
    expect(((await rig.call(token, "/api-keys")).body.keys as Array<{ revokedAt: string | null }>)[0]!.revokedAt).toEqual(expect.any(String));
  });

  it("someone else's key is not found (and stays usable); bad scopes, bad names and the key limit are refused without a key", async () => {
    const alice = await reseller();
    const bob = await reseller();
    const bobs = await rig.call(bob.token, "/api-keys", { method: "POST", body: { name: "Bob", scopes: ["read", "order"] } });
    expect(bobs.status).toBe(201);
    const bobKey = bobs.body.key as { id: number };
    for (const id of [bobKey.id, 0, "abc"]) {
      expect(await rig.call(alice.token, `/api-keys/${id}/revoke`, { method: "POST", body: { confirm: true } }), String(id)).toMatchObject({ status: 404, body: { error: "key_not_found" } });
    }
    expect((await catalogWith(String(bobs.body.token))).status).toBe(200);
    expect((await rig.call(alice.token, "/api-keys")).body.keys).toEqual([]);

    for (const [body, error] of [
      [{ name: "x", scopes: [] }, "bad_scopes"],
      [{ name: "x", scopes: ["admin"] }, "bad_scopes"],
      [{ name: "   ", scopes: ["read"] }, "bad_name"],
      [{ name: "x".repeat(41), scopes: ["read"] }, "bad_name"],
      [{ scopes: ["read"] }, "bad_key_request"],
    ] as const) {
      expect(await rig.call(alice.token, "/api-keys", { method: "POST", body }), error).toMatchObject({ status: 400, body: { error } });
    }
    expect(await rig.t.db.prisma.apiKey.count({ where: { userId: alice.user.id } })).toBe(0);

    // (All but the last key made directly: the app's per-user write limit is not what is tested here.)
    const max = (await rig.call(alice.token, "/api-keys")).body.maxActive as number;
    for (let i = 1; i < max; i++) expect(await createApiKey(rig.t.db.prisma, { userId: alice.user.id, name: `k${i}`, scopes: ["read"] })).toMatchObject({ ok: true });
    expect((await rig.call(alice.token, "/api-keys", { method: "POST", body: { name: "last", scopes: ["read"] } })).status).toBe(201);
    expect(await rig.call(alice.token, "/api-keys", { method: "POST", body: { name: "one more", scopes: ["read"] } })).toMatchObject({ status: 409, body: { error: "too_many_keys" } });
    expect(await rig.t.db.prisma.apiKey.count({ where: { userId: alice.user.id } })).toBe(max);
  });
});

describe("webhook endpoint", () => {
  it("set shows the secret once, a URL change keeps it, rotation shows a new one after the confirmation, switch off; audited, never stored in clear", async () => {
    const { user, token } = await reseller();
    expect((await rig.call(token, "/webhook-endpoint")).body).toMatchObject({ endpoint: null, deliveries: [], totalDeliveries: 0 });
    for (const [url, error] of [
      ["ftp://example.com/x", "url_invalid"],
      ["http://203.0.113.10/hook", "url_not_https"],
      ["https://127.0.0.1/hook", "url_private_host"],
    ] as const) {
      expect(await rig.call(token, "/webhook-endpoint", { method: "PUT", body: { url } }), url).toMatchObject({ status: 422, body: { error } });
    }
    expect(await rig.t.db.prisma.webhookEndpoint.count({ where: { userId: user.id } })).toBe(0);

    const first = await rig.call(token, "/webhook-endpoint", { method: "PUT", body: { url: "https://203.0.113.10/hook" } });
    expect(first).toMatchObject({ status: 200, body: { endpoint: { url: "https://203.0.113.10/hook", enabled: true } } });
    const secret = String(first.body.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    // The recent deliveries come with the endpoint (the log the API pages through).
    await recordCustomerEvent(rig.t.db.prisma, { userId: user.id, type: "VPS_ACTIVE", subjectKey: `miniapp-keys-${user.id}`, data: { instance_id: 1 } });
    expect((await rig.call(token, "/webhook-endpoint")).body).toMatchObject({ totalDeliveries: 1, deliveries: [{ type: "vps.active", url: "https://203.0.113.10/hook", attempts: expect.any(Number) }] });
    const second = await rig.call(token, "/webhook-endpoint", { method: "PUT", body: { url: "https://203.0.113.10/other" } });
    expect(second.status).toBe(200);
    expect(second.body).not.toHaveProperty("secret");
    const shown = await rig.call(token, "/webhook-endpoint");
    expect(shown.body).toMatchObject({ endpoint: { url: "https://203.0.113.10/other", enabled: true } });
    expect(JSON.stringify(shown.body)).not.toContain(secret);

    expect(await rig.call(token, "/webhook-endpoint/rotate", { method: "POST", body: {} })).toMatchObject({ status: 409, body: { error: "confirmation_required" } });
    const rotated = await rig.call(token, "/webhook-endpoint/rotate", { method: "POST", body: { confirm: true } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);

    expect((await rig.call(token, "/webhook-endpoint", { method: "DELETE" })).status).toBe(204);
    expect(await rig.call(token, "/webhook-endpoint", { method: "DELETE" })).toMatchObject({ status: 404, body: { error: "webhook_not_found" } });
    expect((await rig.call(token, "/webhook-endpoint")).body).toMatchObject({ endpoint: { enabled: false } });

    const audits = await rig.t.db.prisma.auditLog.findMany({ where: { actorUserId: user.id, targetType: "webhook_endpoint" }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["webhook_endpoint.set", "webhook_endpoint.set", "webhook_endpoint.rotate", "webhook_endpoint.disable"]);
    const stored = await storedText();
    expect(stored).not.toContain(secret.slice(6));
    expect(stored).not.toContain(String(rotated.body.secret).slice(6));
  });
});
