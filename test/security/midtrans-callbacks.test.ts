/**
 * Forged, replayed and mutated Midtrans notifications, beyond test/webhooks/payments/midtrans.test.ts
 * (a forged signature_key, gross_amount edited after signing, malformed JSON or foreign bodies,
 * an unknown order_id) and refusals.test.ts (refusals never stored). Midtrans' signature_key
 * covers only order_id + status_code + gross_amount + server key, so a transaction_status
 * edited after signing still verifies: what protects the shop is the status API, asked by the
 * `midtrans-callback` job before anything is settled. These cases run that whole path — the real
 * HTTP route, then the job's processor against the fake Midtrans — and check with checksums of
 * the money tables that nothing moved. The audit trail of authentic notifications
 * (payment_callbacks) and the job they queue (outbox, queue) are left out of the checksum on
 * purpose; for refused requests nothing at all may change.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentFollowupsProcessor } from "../../jobs/processors/payment-followups.processor.js";
import { startFakeMidtrans, type FakeMidtrans, type FakeMidtransTransactionStatus } from "../../ops/fakes/midtrans/server.js";
import { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { CALLBACK_MAX_BYTES } from "../../webhooks/routes/payments.js";
import { MIDTRANS_SERVER_KEY, createPendingOrder, createWebhookHarness, listen, type PendingOrder, type WebhookHarness } from "../webhooks/payments/harness.js";
import { changedTables, fingerprint } from "./support/fingerprint.js";

let db: TestDatabase;
let h: WebhookHarness;
let server: Awaited<ReturnType<typeof listen>>;
let fake: FakeMidtrans;
let client: MidtransClient;
let confirmJob: ReturnType<typeof paymentFollowupsProcessor>;
const prefix = uniquePrefix("sec-midtrans");

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
  server = await listen(h.app);
  fake = await startFakeMidtrans({ serverKey: MIDTRANS_SERVER_KEY, notificationUrl: `${server.url}/webhooks/midtrans` });
  client = new MidtransClient({ ...h.config.midtrans!, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl });
  confirmJob = paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, midtrans: client, staff: { sellerIds: [], ownerIds: [] } });
});
afterAll(async () => {
  await fake?.stop();
  await server?.close();
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

/** A Midtrans order with its Snap transaction at the fake, as checkout leaves it. */
async function openAttempt(): Promise<PendingOrder> {
  const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS", totalIdr: 145_000, feeIdr: 0 });
  await client.createSnap({ orderId: p.attemptRef, grossAmount: p.totalIdr, notificationUrl: `${server.url}/webhooks/midtrans` });
  return p;
}

const post = async (body: string, contentType = "application/json") => {
  const res = await h.app.request("/webhooks/midtrans", { method: "POST", headers: { "content-type": contentType }, body });
  return { status: res.status, body: (await res.json()) as { success: boolean; message?: string } };
};

/** Runs the `midtrans-callback` job of the newest notification recorded for this attempt, as a worker would. */
async function confirmLatest(p: PendingOrder, job = confirmJob): Promise<void> {
  const row = await h.prisma.paymentCallback.findFirstOrThrow({ where: { gateway: "MIDTRANS", merchantRef: p.attemptRef }, orderBy: { id: "desc" } });
  await job({ kind: "midtrans-callback", callbackId: row.id });
}

/** Midtrans moves the transaction and notifies; the job confirms. Returns the notification's exact bytes. */
async function happen(p: PendingOrder, status: FakeMidtransTransactionStatus): Promise<string> {
  const delivery = await fake.pay(p.attemptRef, { transactionStatus: status });
  expect(delivery.status).toBe(200);
  await confirmLatest(p);
  return delivery.rawBody;
}

const edit = (raw: string, field: string, value: unknown) => JSON.stringify({ ...(JSON.parse(raw) as object), [field]: value });
const orderStatus = async (p: PendingOrder) => (await h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status;
/** The money: everything but the notification audit trail and the confirmation job it queues. */
async function money() {
  const all = await fingerprint(h.prisma, h.queues);
  for (const key of Object.keys(all)) if (key === "payment_callbacks" || key === "job_outbox" || key.startsWith("queue:")) delete all[key];
  return all;
}

describe("authentic-looking Midtrans notifications the status API contradicts: accepted, confirmed, nothing settled", () => {
  it("transaction_status edited from pending to settlement after signing (the signature does not cover it)", async () => {
    const p = await openAttempt();
    const pending = await happen(p, "pending");
    const before = await money();
    const forged = edit(pending, "transaction_status", "settlement");
    expect(await post(forged)).toMatchObject({ status: 200 });
    await confirmLatest(p);
    expect(changedTables(before, await money())).toEqual([]);
    expect(await orderStatus(p)).toBe("PENDING_PAYMENT");
  });

  it("a replay of the settlement notification after Midtrans refunded the payment", async () => {
    const p = await openAttempt();
    const settled = await happen(p, "settlement");
    expect(await orderStatus(p)).toBe("PAID");
    await happen(p, "refund");
    const before = await money();
    expect(await post(settled)).toMatchObject({ status: 200 });
    await confirmLatest(p);
    expect(changedTables(before, await money())).toEqual([]);
  });

  it("a replay of the pending notification after settlement, ten times", async () => {
    const p = await openAttempt();
    const pending = await happen(p, "pending");
    await happen(p, "settlement");
    const before = await money();
    for (let i = 0; i < 10; i++) {
      expect(await post(pending)).toMatchObject({ status: 200 });
      await confirmLatest(p);
    }
    expect(changedTables(before, await money())).toEqual([]);
    expect(await orderStatus(p)).toBe("PAID");
  });

  it("a forged settlement while the status API is failing: the job fails and retries later, nothing is settled on the notification's word", async () => {
    const p = await openAttempt();
    const pending = await happen(p, "pending");
    const before = await money();
    expect(await post(edit(pending, "transaction_status", "settlement"))).toMatchObject({ status: 200 });
    // One failing answer, and a client that does not retry it, so the failure reaches the job.
    const once = new MidtransClient({ ...h.config.midtrans!, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl }, { fetchOptions: { retries: 0 } });
    fake.failNext(1, 500);
    await expect(confirmLatest(p, paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, midtrans: once, staff: { sellerIds: [], ownerIds: [] } }))).rejects.toThrow(/HTTP 500/);
    expect(changedTables(before, await money())).toEqual([]);
  });
});

describe("Midtrans notifications refused outright: nothing changes at all, nothing is stored", () => {
  const cases: Array<{ name: string; request(p: PendingOrder, genuine: string): { body: string; contentType?: string }; status: number; message: RegExp }> = [
    { name: "order_id changed to another order after signing", request: (_p, g) => ({ body: edit(g, "order_id", "ORD-SOMEONE-ELSE-MT1") }), status: 401, message: /signature_key/ },
    { name: "status_code changed after signing", request: (_p, g) => ({ body: edit(g, "status_code", "200") }), status: 401, message: /signature_key/ },
    { name: "signature_key of the right shape from another server key", request: (_p, g) => ({ body: edit(g, "signature_key", "0".repeat(128)) }), status: 401, message: /signature_key/ },
    { name: "an oversized body (a genuine one padded past the limit)", request: (_p, g) => ({ body: edit(g, "custom_field1", "x".repeat(CALLBACK_MAX_BYTES)) }), status: 413, message: /too large/ },
    { name: "form-encoded instead of JSON", request: (p) => ({ body: `order_id=${p.attemptRef}&transaction_status=settlement`, contentType: "application/x-www-form-urlencoded" }), status: 400, message: /not valid JSON/ },
  ];
  it.each(cases)("$name → $status", async (c) => {
    const p = await openAttempt();
    const genuine = (await fake.pay(p.attemptRef, { transactionStatus: "pending" })).rawBody;
    const before = await fingerprint(h.prisma, h.queues);
    const { body, contentType } = c.request(p, genuine);
    const res = await post(body, contentType);
    expect(res.status).toBe(c.status);
    expect(res.body).toMatchObject({ success: false, message: expect.stringMatching(c.message) });
    expect(changedTables(before, await fingerprint(h.prisma, h.queues))).toEqual([]);
  });
});
