/**
 * A Midtrans payment start that reached Midtrans but stopped before its attempt was recorded (the
 * process died, or was cut off and another process took the chat over, or Midtrans' answer was
 * lost): the next start must not reuse that order_id, which Snap refuses for good ("order_id has
 * already been taken"), or the customer could never pay this order by Midtrans. Found by
 * test/scale/network-split.test.ts (a cut-off host's create reached Midtrans; the host that took the
 * chat over told the customer "Midtrans sedang bermasalah"). Real client, the fake Midtrans over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMidtrans, type FakeMidtrans } from "../../ops/fakes/midtrans/server.js";
import { Checkout, PaymentUnavailableError } from "../../shop/payments/checkout.js";
import { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";

const SERVER_KEY = "SB-Mid-server-Restart42";
let db: TestDatabase;
let fake: FakeMidtrans;
let client: MidtransClient;

beforeAll(async () => {
  [db, fake] = await Promise.all([createTestDatabase(), startFakeMidtrans({ serverKey: SERVER_KEY })]);
  client = new MidtransClient({ serverKey: SERVER_KEY, isProduction: false, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl });
});
afterAll(async () => {
  await fake?.stop();
  await db?.drop();
});

/** An order waiting for payment with no attempt recorded yet. */
async function unpaidOrder() {
  const p = await createPendingOrder(db.prisma, { gateway: "MIDTRANS" });
  await db.prisma.payment.deleteMany({ where: { orderId: p.orderId } });
  return db.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } });
}

const customer = { name: "Budi", telegramId: 1 };

describe("a Midtrans start after one that reached Midtrans unrecorded", () => {
  it("opens the next order_id and records it; the page of the lost start is never shown", async () => {
    const order = await unpaidOrder();
    // The earlier start: Midtrans created its Snap page, nothing was recorded here.
    const lost = await client.createSnap({ orderId: `${order.reference}-MT1`, grossAmount: order.totalIdr });
    const started = await new Checkout({ prisma: db.prisma, midtrans: client }).startMidtrans(order, customer);
    const rows = await db.prisma.payment.findMany({ where: { orderId: order.id } });
    expect(rows.map((r) => [r.gateway, r.attemptRef, r.checkoutUrl])).toEqual([["MIDTRANS", `${order.reference}-MT2`, started.redirectUrl]]);
    expect(started.redirectUrl).not.toBe(lost.redirectUrl);
    expect(fake.transaction(`${order.reference}-MT2`)).toBeDefined();
    // Chosen again while that page is open: the same page, no new order_id.
    expect(await new Checkout({ prisma: db.prisma, midtrans: client }).startMidtrans(order, customer)).toEqual(started);
    expect(fake.transactions().filter((t) => t.order_id.startsWith(`${order.reference}-`))).toHaveLength(2);
  });

  it("gives up with Midtrans unavailable after a few order_ids in a row turn out taken, recording nothing", async () => {
    const order = await unpaidOrder();
    // Three are skipped; the fourth taken one in a row is no longer a lost start but something else.
    for (let n = 1; n <= 4; n++) await client.createSnap({ orderId: `${order.reference}-MT${n}`, grossAmount: order.totalIdr });
    await expect(new Checkout({ prisma: db.prisma, midtrans: client }).startMidtrans(order, customer)).rejects.toBeInstanceOf(PaymentUnavailableError);
    expect(await db.prisma.payment.count({ where: { orderId: order.id } })).toBe(0);
  });
});
