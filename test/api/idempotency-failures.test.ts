/**
 * Idempotency-Key when something breaks (real HTTP, Postgres, Redis; the two failures injected by
 * mocking one function each): a handler that throws before changing anything lets the key go, so
 * the same request may be sent again with it; storing the answer failing does not turn a placed
 * order's 201 into a 500; a failure after the orders were paid keeps the key (the retry is told,
 * nothing more is placed); a claim left in flight by a request that died before changing
 * anything is taken over after a few minutes, one that died after placing an order is not.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { requestFingerprint } from "../../shop/api/idempotency.js";
import { startTestService, type TestService } from "../support/service.js";
import { call, resellerWithKey } from "./support.js";

const fail = vi.hoisted(() => ({ finish: 0, place: 0, placedAudit: 0, mark: 0, markedAtPayment: [] as unknown[] }));
/** shop/api/idempotency.ts IN_FLIGHT_TAKEOVER_MS (the mock below keeps the real module's exports). */
const TAKEOVER_MS = 5 * 60_000;

vi.mock("../../shop/api/idempotency.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../shop/api/idempotency.js")>();
  return {
    ...real,
    markIdempotencyChanged: async (...args: Parameters<typeof real.markIdempotencyChanged>) => {
      if (fail.mark > 0 && fail.mark--) throw new Error("injected: the mark could not be written");
      return real.markIdempotencyChanged(...args);
    },
    finishIdempotencyKey: async (...args: Parameters<typeof real.finishIdempotencyKey>) => {
      if (fail.finish > 0 && fail.finish--) throw new Error("injected: the database refused the write");
      return real.finishIdempotencyKey(...args);
    },
  };
});
vi.mock("../../shop/api/place-order.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../shop/api/place-order.js")>();
  return {
    ...real,
    placeApiOrder: async (...args: Parameters<typeof real.placeApiOrder>) => {
      if (fail.place > 0 && fail.place--) throw new Error("injected: the catalog failed");
      return real.placeApiOrder(...args);
    },
  };
});

// What the Idempotency-Key's record says at the moment the wallet is charged.
vi.mock("../../shop/resellers/group-orders.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../shop/resellers/group-orders.js")>();
  return {
    ...real,
    payGroupFromWallet: async (...args: Parameters<typeof real.payGroupFromWallet>) => {
      const rows = await args[0].$queryRaw<{ response: unknown }[]>`SELECT response FROM api_idempotency ORDER BY id DESC LIMIT 1`;
      fail.markedAtPayment.push(rows[0]?.response ?? null);
      return real.payGroupFromWallet(...args);
    },
  };
});

vi.mock("../../shop/audit.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../shop/audit.js")>();
  return {
    ...real,
    audit: async (...args: Parameters<typeof real.audit>) => {
      if (args[1].action === "api.order.place" && fail.placedAudit > 0 && fail.placedAudit--) throw new Error("injected: the audit write failed");
      return real.audit(...args);
    },
  };
});

let t: TestService;
let api: string;
const order = { plan: "do-s-1vcpu-2gb-sgp1", duration_months: 1, image: "ubuntu-22.04" };

beforeAll(async () => {
  t = await startTestService({ roles: ["web"], clouds: true });
  api = `${t.baseUrl}/api/v1`;
  await seedDemoCatalog(t.service.prisma);
});
afterAll(async () => {
  await t?.stop();
});

it("a handler that throws before changing anything answers 500 and lets the key go: the same key then places the order", async () => {
  const { token, user } = await resellerWithKey(t.service.prisma, 7_600_001, { balanceIdr: 500_000 });
  const key = randomUUID();
  fail.place = 1;
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key })).status).toBe(500);
  const placed = await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key });
  expect(placed.status).toBe(201);
  expect(placed.headers.get("idempotent-replayed")).toBeNull();
  expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(1);
});

it("storing the answer failing still answers the placed order's 201", async () => {
  const { token, user } = await resellerWithKey(t.service.prisma, 7_600_002, { balanceIdr: 500_000 });
  fail.finish = 1;
  const placed = await call(api, token, "POST", "/orders", { body: order, idempotencyKey: randomUUID() });
  expect(placed.status).toBe(201);
  expect(fail.finish).toBe(0);
  expect(await t.service.prisma.order.count({ where: { userId: user.id, status: "PAID" } })).toBe(1);
});

it("a claim left in flight is taken over after a few minutes, unless its request had already changed something", async () => {
  const { token, user, keyId } = await resellerWithKey(t.service.prisma, 7_600_003, { balanceIdr: 500_000 });
  const old = new Date(Date.now() - TAKEOVER_MS - 1000);
  const requestHash = requestFingerprint("POST", "/api/v1/orders", JSON.stringify(order));
  const [died, diedAfterOrder] = [randomUUID(), randomUUID()];
  await t.service.prisma.apiIdempotency.create({ data: { apiKeyId: keyId, idemKey: died, method: "POST", path: "/api/v1/orders", requestHash, createdAt: old } });
  await t.service.prisma.apiIdempotency.create({ data: { apiKeyId: keyId, idemKey: diedAfterOrder, method: "POST", path: "/api/v1/orders", requestHash, createdAt: old, response: { changed: true } } });
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: died })).status).toBe(201);
  const unfinished = await call(api, token, "POST", "/orders", { body: order, idempotencyKey: diedAfterOrder });
  // Not "retry in a second": that request did its change; the caller is sent to look at it instead.
  expect(unfinished).toMatchObject({ status: 409, body: { error: "idempotency_request_unfinished", message: expect.stringContaining("GET /orders") } });
  expect(unfinished.headers.get("retry-after")).toBeNull();
  expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(1);
});

it("a failure after the orders were paid keeps the key: a retry with it places nothing more", async () => {
  const { token, user } = await resellerWithKey(t.service.prisma, 7_600_004, { balanceIdr: 500_000 });
  const key = randomUUID();
  fail.placedAudit = 1;
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key })).status).toBe(500);
  expect(fail.placedAudit).toBe(0);
  const retry = await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key });
  expect(retry.status).toBe(500);
  expect(retry.headers.get("idempotent-replayed")).toBe("true");
  expect(await t.service.prisma.order.count({ where: { userId: user.id } })).toBe(1);
});

it("the key is marked before the wallet is charged (a crash after the payment cannot free it); a mark that cannot be written charges nothing", async () => {
  const { token, user } = await resellerWithKey(t.service.prisma, 7_600_005, { balanceIdr: 500_000 });
  fail.markedAtPayment.length = 0;
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: randomUUID() })).status).toBe(201);
  expect(fail.markedAtPayment).toEqual([{ changed: true }]);

  const key = randomUUID();
  fail.mark = 1;
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key })).status).toBe(500);
  expect(fail.mark).toBe(0);
  expect(await t.service.prisma.order.count({ where: { userId: user.id, status: "PAID" } })).toBe(1);
  // Nothing was charged, so the key is free: the same request places the order.
  expect((await call(api, token, "POST", "/orders", { body: order, idempotencyKey: key })).status).toBe(201);
  expect(await t.service.prisma.order.count({ where: { userId: user.id, status: "PAID" } })).toBe(2);
});
