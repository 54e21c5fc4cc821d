/** Idempotency-Key records on real Postgres: one claim wins a race, answers replay, 24 hours then free. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { claimIdempotencyKey, finishIdempotencyKey, requestFingerprint } from "../../shop/api/idempotency.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { resellerWithKey } from "./support.js";

let db: TestDatabase;
let apiKeyId: number;
const encryptionKey = new Uint8Array(randomBytes(32));
beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma);
  apiKeyId = (await resellerWithKey(db.prisma, 7_500_001)).keyId;
});
afterAll(async () => {
  await db?.drop();
});

const request = (idemKey: string, body: string, now?: Date) => ({ apiKeyId, idemKey, method: "POST", path: "/api/v1/orders", requestHash: requestFingerprint("POST", "/api/v1/orders", body), encryptionKey, ...(now ? { now } : {}) });

it("the same body in another key order or spacing is the same request; another body or path is not", () => {
  const a = requestFingerprint("POST", "/api/v1/orders", '{"plan":"x","quantity":2}');
  expect(requestFingerprint("POST", "/api/v1/orders", '{ "quantity": 2, "plan": "x" }')).toBe(a);
  expect(requestFingerprint("POST", "/api/v1/orders", '{"plan":"x","quantity":3}')).not.toBe(a);
  expect(requestFingerprint("POST", "/api/v1/other", '{"plan":"x","quantity":2}')).not.toBe(a);
});

it("of ten concurrent requests with one key exactly one runs; the rest are in flight, then replay the stored answer", async () => {
  const claims = await Promise.all(Array.from({ length: 10 }, () => claimIdempotencyKey(db.prisma, request("race", "{}"))));
  const runs = claims.filter((c) => c.kind === "run");
  expect(runs).toHaveLength(1);
  expect(claims.filter((c) => c.kind === "conflict" && c.reason === "in_flight")).toHaveLength(9);
  await finishIdempotencyKey(db.prisma, encryptionKey, (runs[0] as { recordId: number }).recordId, 201, { body: { ok: 1 }, headers: {} });
  expect(await claimIdempotencyKey(db.prisma, request("race", "{}"))).toEqual({ kind: "replay", statusCode: 201, body: { ok: 1 }, headers: {} });
  expect(await claimIdempotencyKey(db.prisma, request("race", '{"a":1}'))).toEqual({ kind: "conflict", reason: "other_request" });
});

it("after 24 hours the key is free again (its old record removed)", async () => {
  const first = await claimIdempotencyKey(db.prisma, request("old", "{}"));
  await finishIdempotencyKey(db.prisma, encryptionKey, (first as { recordId: number }).recordId, 201, { body: { n: 1 }, headers: {} });
  const later = new Date(Date.now() + 25 * 3600_000);
  const again = await claimIdempotencyKey(db.prisma, request("old", '{"other":true}', later));
  expect(again.kind).toBe("run");
  expect(await db.prisma.apiIdempotency.count({ where: { apiKeyId, idemKey: "old" } })).toBe(1);
});
