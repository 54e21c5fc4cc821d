/**
 * Seller refund / retry of a failed order under races and crashes: each is one transaction
 * that locks the order, so two sellers tapping at once never give the customer both the VPS
 * and the money, and a failure between the credit and the status change leaves neither.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { acquireLease, releaseLease } from "../../shop/leases.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { orderTag, provisioningLeaseKey, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { refundFailedOrder, retryProvisioning, STALLED_AFTER_MS } from "../../shop/provisioning/staff-actions.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { newPaidOrder, newUser, provisioningSuite, provisionWith, serversTagged } from "./fixtures.js";

const suite = provisioningSuite();
let prisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;
beforeAll(() => {
  ({ prisma, clouds, providers } = suite);
});

/** A paid order whose provisioning gave up (no server was ever made). */
async function failedOrder() {
  const order = await newPaidOrder(prisma, { provider: "VULTR", feeIdr: 2_500 });
  const moved = await transitionOrder(prisma, order.id, "PROVISIONING_FAILED", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PAID"] });
  if (!moved.ok) throw new Error("could not fail the order");
  return order;
}

async function refundsOf(orderId: number) {
  return prisma.ledgerTransaction.count({ where: { orderId, kind: "REFUND" } });
}

const ROUNDS = 15;

describe("refund and retry race", () => {
  it(`two sellers refund at once (${ROUNDS} rounds): one wins, one refund in the ledger`, async () => {
    const [a, b] = [await newUser(prisma, "SELLER"), await newUser(prisma, "OWNER")];
    for (let round = 0; round < ROUNDS; round++) {
      const order = await failedOrder();
      const results = await Promise.all([
        refundFailedOrder({ prisma, providers }, order.id, { userId: a.id, role: "SELLER" }),
        refundFailedOrder({ prisma, providers }, order.id, { userId: b.id, role: "OWNER" }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await refundsOf(order.id)).toBe(1);
      expect(await walletBalance(prisma, order.userId)).toBe(order.totalIdr + 2_500);
      expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("REFUNDED");
      expect(await prisma.auditLog.count({ where: { action: "order.refund", targetId: String(order.id) } })).toBe(1);
    }
  });

  it(`refund racing retry (${ROUNDS} rounds): exactly one wins; a retried order has no refund, a refunded one is not retried`, async () => {
    const [a, b] = [await newUser(prisma, "SELLER"), await newUser(prisma, "SELLER")];
    const winners = { refund: 0, retry: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const order = await failedOrder();
      // Alternate who starts first.
      const refundCall = () => refundFailedOrder({ prisma, providers }, order.id, { userId: a.id, role: "SELLER" });
      const retryCall = () => retryProvisioning({ prisma }, order.id, { userId: b.id, role: "SELLER" });
      const [refund, retry] =
        round % 2 === 0 ? await Promise.all([refundCall(), retryCall()]) : await Promise.all([retryCall(), refundCall()]).then(([t, r]) => [r, t] as const);
      expect([refund.ok, retry.ok].filter(Boolean)).toHaveLength(1);
      const status = (await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status;
      if (refund.ok) {
        winners.refund++;
        expect(status).toBe("REFUNDED");
        expect(await refundsOf(order.id)).toBe(1);
        expect(await walletBalance(prisma, order.userId)).toBe(order.totalIdr + 2_500);
      } else {
        winners.retry++;
        expect(status).toBe("PROVISIONING");
        expect(await refundsOf(order.id)).toBe(0);
        expect(await walletBalance(prisma, order.userId)).toBe(0);
      }
    }
    expect(winners.refund + winners.retry).toBe(ROUNDS);
  });
});

describe("a failure between the credit and the status change", () => {
  it("rolls the credit back: no refund in the ledger, the order still PROVISIONING_FAILED (retriable or refundable again)", async () => {
    const seller = await newUser(prisma, "SELLER");
    const order = await failedOrder();
    // The database refuses this order's move to REFUNDED, as a crash right after the credit would leave it.
    await prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION test_refuse_refunded() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'REFUNDED' AND NEW.id = ${order.id} THEN RAISE EXCEPTION 'simulated crash before the status change'; END IF;
        RETURN NEW;
      END $$`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER test_refuse_refunded BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_refuse_refunded()`);
    try {
      const result = await refundFailedOrder({ prisma, providers }, order.id, { userId: seller.id, role: "SELLER" }).catch((e: unknown) => ({ ok: false as const, why: String(e) }));
      expect(result.ok).toBe(false);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER test_refuse_refunded ON orders`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION test_refuse_refunded()`);
    }
    expect(await refundsOf(order.id)).toBe(0);
    expect(await walletBalance(prisma, order.userId)).toBe(0);
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");
    // And the real refund still works afterwards, once.
    expect(await refundFailedOrder({ prisma, providers }, order.id, { userId: seller.id, role: "SELLER" })).toMatchObject({ ok: true });
    expect(await refundsOf(order.id)).toBe(1);
  });
});

describe("retry of a stalled PROVISIONING order", () => {
  it("refused while its run holds the lease or it was touched lately; allowed once stalled, audited", async () => {
    const seller = await newUser(prisma, "SELLER");
    const staff = { userId: seller.id, role: "SELLER" as const };
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN" });
    expect(await transitionOrder(prisma, order.id, "PROVISIONING", { type: "SYSTEM", id: "provisioning" }, { onlyFrom: ["PAID"] })).toMatchObject({ ok: true });
    await prisma.provisioningTask.create({ data: { orderId: order.id, status: "CREATING", attempts: 2 } });

    // Fresh: the job may be queued or in its back-off.
    expect(await retryProvisioning({ prisma }, order.id, staff)).toMatchObject({ ok: false, why: expect.stringMatching(/running or queued/) });
    const stalledAt = new Date(Date.now() - STALLED_AFTER_MS - 1_000);
    await prisma.provisioningTask.update({ where: { orderId: order.id }, data: { updatedAt: stalledAt } });
    // Old, but a run holds the order's lease: it is working (e.g. polling a slow boot).
    const lease = await acquireLease(prisma, provisioningLeaseKey(order.id), 60_000);
    expect(lease).not.toBeNull();
    expect(await retryProvisioning({ prisma }, order.id, staff)).toMatchObject({ ok: false });
    await releaseLease(prisma, lease!);

    const retry = await retryProvisioning({ prisma }, order.reference, staff);
    expect(retry).toMatchObject({ ok: true, orderId: order.id, attempt: 3 });
    const row = await prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { provisioningTask: true } });
    expect(row.status).toBe("PROVISIONING");
    expect(row.provisioningTask!.status).toBe("QUEUED");
    const audits = await prisma.auditLog.findMany({ where: { action: "provisioning.retry", targetId: String(order.id) } });
    expect(audits.map((a) => a.details)).toEqual([{ reference: order.reference, from: "PROVISIONING" }]);
    // A second tap right after is taken for the queued retry, not for a stall.
    expect(await retryProvisioning({ prisma }, order.id, staff)).toMatchObject({ ok: false });
  });
});

describe("a refunded order's server", () => {
  it("is deleted at the provider (the instance's server and any other carrying the order's tag); the instance becomes DELETED", async () => {
    const owner = await newUser(prisma, "OWNER");
    const order = await newPaidOrder(prisma, { provider: "LINODE" });
    clouds.linode.setBootDelay(3_600_000);
    // A deadline failure leaves a server running at the provider.
    const err = await provisionWith({ prisma, providers }, order.id, { deadlineMs: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "deadline" });
    expect(await recordProvisioningFailure(prisma, order.id, err, true)).toBe(true);
    const tag = orderTag(order.reference);
    const [first] = serversTagged(clouds.linode, tag);
    expect(first).toBeDefined();
    // …and a second one carrying the tag (a lost create's server, never recorded).
    await providers.LINODE!.createServer({ label: "vps-stray-copy", region: first!.region, sizeSlug: first!.size, imageRef: first!.image, rootPassword: "Stray-Password-123!", tag });
    expect(serversTagged(clouds.linode, tag)).toHaveLength(2);

    const refund = await refundFailedOrder({ prisma, providers }, order.id, { userId: owner.id, role: "OWNER" });
    expect(refund).toMatchObject({ ok: true, server: { status: "discarded" } });
    expect(serversTagged(clouds.linode, tag)).toEqual([]);
    const instance = await prisma.instance.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(instance).toMatchObject({ status: "DELETED", providerInstanceId: null });
    expect(instance.deletedAt).not.toBeNull();
  });

  it("a provider outage at that moment does not undo the refund; the result says the server is left for the sweep", async () => {
    const owner = await newUser(prisma, "OWNER");
    const order = await failedOrder();
    clouds.vultr.fail(20, { status: 503 });
    const refund = await refundFailedOrder({ prisma, providers }, order.id, { userId: owner.id, role: "OWNER" });
    expect(refund).toMatchObject({ ok: true, server: { status: "error", message: expect.stringMatching(/Vultr/) } });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("REFUNDED");
    expect(await refundsOf(order.id)).toBe(1);
  });
});
