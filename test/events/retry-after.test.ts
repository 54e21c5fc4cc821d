/**
 * A reseller's receiver answering 429 or 503 with Retry-After (delay-seconds or an HTTP-date)
 * gets its next attempt no sooner than it asked, capped at RETRY_AFTER_CAP_MS (6 h), and never
 * sooner than the schedule; the wait is noted on the row (next_attempt_at, last_error). Another
 * status's Retry-After is ignored, and one past the last attempt does not bring it back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { RETRY_AFTER_CAP_MS, retryAfterMs } from "../../shop/events/attempts.js";
import { deliverWebhook, type WebhookDeliveryDeps } from "../../shop/events/webhook-delivery.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { resellerWithEndpoint, startReceiver, type Receiver } from "./support.js";

let db: TestDatabase;
let receiver: Receiver;
let deps: WebhookDeliveryDeps;
const encryptionKey = new Uint8Array(randomBytes(32));
let subject = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver();
  deps = { prisma: db.prisma, encryptionKey, policy: { allowPrivate: true }, timeoutMs: 2_000, retryDelaysMs: [100, 100] };
});
afterAll(async () => {
  await receiver?.stop();
  await db?.drop();
});
beforeEach(() => {
  receiver.respond = () => 200;
});

/** A PENDING webhook delivery due now. */
async function pendingDelivery(): Promise<number> {
  const { userId } = await resellerWithEndpoint(db.prisma, encryptionKey, receiver.url);
  const endpoint = await db.prisma.webhookEndpoint.findFirstOrThrow({ where: { userId } });
  const event = await db.prisma.customerEvent.create({ data: { userId, type: "VPS_ACTIVE", subjectKey: `instance:ra-${++subject}`, data: {} } });
  return (await db.prisma.webhookDelivery.create({ data: { eventId: event.id, endpointId: endpoint.id, url: receiver.url } })).id;
}

const row = (id: number) => db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
const sec = 1000;

describe("Retry-After from a reseller's receiver", () => {
  it("429 with delay-seconds: the next attempt is no sooner than asked", async () => {
    receiver.respond = () => ({ status: 429, headers: { "Retry-After": "120" } });
    const id = await pendingDelivery();
    const before = Date.now();
    const result = await deliverWebhook(deps, id);
    expect(result).toMatchObject({ outcome: "retry" });
    const r = await row(id);
    expect(r).toMatchObject({ status: "PENDING", attempts: 1, lastStatus: 429, lastError: "HTTP 429 (Retry-After 120 s)" });
    expect(r.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 120 * sec);
    // A job queued for now finds nothing due.
    expect(await deliverWebhook(deps, id)).toMatchObject({ outcome: "skipped" });
    expect(receiver.forDelivery(id)).toHaveLength(1);
  });

  it("503 with an HTTP-date: the next attempt is at that date", async () => {
    const at = new Date(Math.ceil((Date.now() + 3600 * sec) / 1000) * 1000);
    receiver.respond = () => ({ status: 503, headers: { "Retry-After": at.toUTCString() } });
    const id = await pendingDelivery();
    await deliverWebhook(deps, id);
    const r = await row(id);
    expect(r.lastError).toMatch(/^HTTP 503 \(Retry-After \d+ s\)$/);
    expect(Math.abs(r.nextAttemptAt.getTime() - at.getTime())).toBeLessThan(2 * sec);
  });

  it("a day asked for is capped at 6 hours", async () => {
    receiver.respond = () => ({ status: 503, headers: { "Retry-After": String(24 * 3600) } });
    const id = await pendingDelivery();
    const before = Date.now();
    await deliverWebhook(deps, id);
    const next = (await row(id)).nextAttemptAt.getTime();
    expect(next).toBeGreaterThanOrEqual(before + RETRY_AFTER_CAP_MS);
    expect(next).toBeLessThanOrEqual(Date.now() + RETRY_AFTER_CAP_MS);
  });

  it("Retry-After on another status, or unreadable, leaves the schedule as it is", async () => {
    receiver.respond = () => ({ status: 500, headers: { "Retry-After": "120" } });
    const a = await pendingDelivery();
    await deliverWebhook(deps, a);
    expect((await row(a)).lastError).toBe("HTTP 500");
    expect((await row(a)).nextAttemptAt.getTime()).toBeLessThan(Date.now() + 60 * sec);
    receiver.respond = () => ({ status: 429, headers: { "Retry-After": "soon" } });
    const b = await pendingDelivery();
    await deliverWebhook(deps, b);
    expect(await row(b)).toMatchObject({ lastError: "HTTP 429" });
    expect((await row(b)).nextAttemptAt.getTime()).toBeLessThan(Date.now() + 60 * sec);
  });

  it("the last attempt answered with Retry-After still ends FAILED", async () => {
    receiver.respond = () => ({ status: 429, headers: { "Retry-After": "1" } });
    const id = await pendingDelivery();
    await db.prisma.webhookDelivery.update({ where: { id }, data: { attempts: 2 } });
    expect(await deliverWebhook(deps, id)).toMatchObject({ outcome: "failed" });
    expect(await row(id)).toMatchObject({ status: "FAILED", attempts: 3, lastStatus: 429 });
  });

  it("parses both forms, caps, and ignores what is not one", () => {
    const now = new Date("2026-12-04T12:00:00Z");
    expect(retryAfterMs("30", now)).toBe(30_000);
    expect(retryAfterMs("Fri, 04 Dec 2026 12:10:00 GMT", now)).toBe(600_000);
    expect(retryAfterMs("Fri, 04 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("999999", now)).toBe(RETRY_AFTER_CAP_MS);
    expect(retryAfterMs("-5", now)).toBeNull();
    expect(retryAfterMs("1.5", now)).toBeNull();
    expect(retryAfterMs("", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
