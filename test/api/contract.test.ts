/**
 * The OpenAPI document and the routes are one thing: every operation in the served document
 * exists and answers (with a key: a status the document declares for it, in the declared shape;
 * without a key: 401), every POST declares the Idempotency-Key header, and every route the API
 * app mounts is in the document (the document and its reference page aside).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { requestFingerprint } from "../../shop/api/idempotency.js";
import { setMaintenance } from "../../shop/maintenance/index.js";
import { API_BASE_PATH, buildApi, type ApiDeps } from "../../webhooks/api/app.js";
import { startTestService, type TestService } from "../support/service.js";
import { operations, validate, type OpenApiDoc } from "./openapi-client.js";
import { resellerWithKey } from "./support.js";

let t: TestService;
let doc: OpenApiDoc;
let token: string;
let keyId: number;

beforeAll(async () => {
  t = await startTestService({ roles: ["web"], clouds: true, env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  await seedDemoCatalog(t.service.prisma);
  ({ token, keyId } = await resellerWithKey(t.service.prisma, 7_200_001));
  doc = (await (await fetch(`${t.baseUrl}${API_BASE_PATH}/openapi.json`)).json()) as OpenApiDoc;
});
afterAll(async () => {
  await t?.stop();
});

/** Path parameters filled with values that name nothing of this reseller's. */
const SAMPLE: Record<string, string> = { reference: "ORD-20000101-ZZZZZ", id: "999999" };
const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? "x");

describe("document ↔ routes", () => {
  it("documents at least the API's operations, each with an operationId, a scope and the key's errors", () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const { method, path, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toEqual(expect.any(String));
      expect(["read", "order", "vps"], `${method} ${path}`).toContain(op["x-scope"]);
      expect(Object.keys(op.responses as object), `${method} ${path}`).toEqual(expect.arrayContaining(["401", "403", "429"]));
      if (method === "post") {
        const header = ((op.parameters ?? []) as Array<{ in: string; name: string; required?: boolean }>).find((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");
        expect(header?.required, `${method} ${path} declares Idempotency-Key`).toBe(true);
      }
    }
  });

  it("every documented operation exists and answers: 401 without a key, a declared status in the declared shape with one", async () => {
    for (const { method, path, op } of operations(doc)) {
      const url = `${t.baseUrl}${doc.servers[0]!.url}${fill(path)}`;
      const label = `${method.toUpperCase()} ${path}`;
      const anonymous = await fetch(url, { method: method.toUpperCase() });
      expect(anonymous.status, label).toBe(401);
      expect(((await anonymous.json()) as { error: string }).error, label).toBe("api_key_missing");

      const hasBody = method === "post" || method === "put";
      const res = await fetch(url, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${token}`, "idempotency-key": randomUUID(), ...(hasBody ? { "content-type": "application/json" } : {}) },
        ...(hasBody ? { body: "{}" } : {}),
      });
      const declared = (op.responses as Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>)[String(res.status)];
      expect(declared, `${label} answered ${res.status}, not declared`).toBeDefined();
      const schema = declared!.content?.["application/json"]?.schema;
      if (schema) {
        const body: unknown = await res.json();
        expect(body, label).not.toMatchObject({ message: expect.stringMatching(/^no route for/) });
        expect(validate(doc, schema, body), label).toEqual([]);
      }
    }
  });

  it("every route the API app mounts is in the document", () => {
    const app = buildApi({ settings: { queuePrefix: "contract" } } as unknown as ApiDeps);
    const documented = new Set(operations(doc).map(({ method, path }) => `${method.toUpperCase()} ${path}`));
    const mounted = new Set(
      app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
        .filter((r) => r !== "GET /openapi.json" && r !== "GET /docs"),
    );
    expect(mounted.size).toBeGreaterThanOrEqual(15);
    expect([...mounted].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r))).toEqual([]);
  });

  it("every header an answer carries that a client acts on (Retry-After, WWW-Authenticate, Idempotent-Replayed) is declared on that response", async () => {
    const WATCHED = ["retry-after", "www-authenticate", "idempotent-replayed"];
    const seen: string[] = [];
    const problems: string[] = [];
    const check = (label: string, op: Record<string, unknown>, res: Response) => {
      const declared = (op.responses as Record<string, { headers?: Record<string, unknown> }>)[String(res.status)];
      const names = Object.keys(declared?.headers ?? {}).map((h) => h.toLowerCase());
      for (const h of WATCHED) {
        if (!res.headers.has(h)) continue;
        seen.push(`${h} ${res.status}`);
        if (!names.includes(h)) problems.push(`${label} ${res.status} carries ${h}, not declared`);
      }
    };
    const send = (method: string, path: string, key: string | undefined, extra: Record<string, string> = {}, idem = randomUUID()) => {
      const hasBody = method === "post" || method === "put";
      return fetch(`${t.baseUrl}${doc.servers[0]!.url}${fill(path)}`, {
        method: method.toUpperCase(),
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), "idempotency-key": idem, ...(hasBody ? { "content-type": "application/json" } : {}), ...extra },
        ...(hasBody ? { body: "{}" } : {}),
      });
    };
    const limited = (await resellerWithKey(t.service.prisma, 7_200_002, { ratePerMinute: 1 })).token;
    await send("get", "/wallet", limited);
    for (const { method, path, op } of operations(doc)) {
      const label = `${method.toUpperCase()} ${path}`;
      check(label, op, await send(method, path, undefined)); // 401
      check(label, op, await send(method, path, limited)); // 429 over the key's rate
    }
    // Too many refused keys from one address: 429 before the key is looked at.
    const wrong = `vsk_0000000000_${token.slice(-43)}`;
    for (let i = 0; i < 31; i++) await send("get", "/wallet", wrong, { "x-forwarded-for": "203.0.113.250" });
    for (const { method, path, op } of operations(doc)) check(`${method.toUpperCase()} ${path}`, op, await send(method, path, token, { "x-forwarded-for": "203.0.113.250" }));

    // Maintenance: every write 503.
    await setMaintenance(t.service.prisma, { on: true, message: "contract", actor: {} });
    try {
      for (const { method, path, op } of operations(doc)) if (method !== "get") check(`${method.toUpperCase()} ${path}`, op, await send(method, path, token));
    } finally {
      await setMaintenance(t.service.prisma, { on: false, actor: {} });
    }

    // A request still in flight under its key (409), and a kept answer replayed (404 here).
    const ops = operations(doc);
    const createOrder = ops.find((o) => o.op.operationId === "createOrder")!;
    const running = randomUUID();
    await t.service.prisma.apiIdempotency.create({ data: { apiKeyId: keyId, idemKey: running, method: "POST", path: `${API_BASE_PATH}/orders`, requestHash: requestFingerprint("POST", `${API_BASE_PATH}/orders`, "{}") } });
    check("POST /orders", createOrder.op, await send("post", createOrder.path, token, {}, running));
    const action = ops.find((o) => o.op.operationId === "runInstanceAction")!;
    const replayKey = randomUUID();
    const actionBody = { "content-type": "application/json" };
    const act = () =>
      fetch(`${t.baseUrl}${doc.servers[0]!.url}${fill(action.path)}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "idempotency-key": replayKey, ...actionBody }, body: JSON.stringify({ action: "reboot" }) });
    expect((await act()).status).toBe(404);
    check("POST /instances/{id}/actions", action.op, await act());

    expect(problems).toEqual([]);
    expect(new Set(seen)).toEqual(new Set(["www-authenticate 401", "retry-after 429", "retry-after 503", "retry-after 409", "idempotent-replayed 404"]));
  });
});
