/**
 * The expiry run against renewals landing at the same time, failing instances and servers the
 * provider no longer knows (shop/lifecycle/expiry.ts, renewal.ts): each destructive step claims
 * the row on the expiry it judged by, a renewal of a deleted VPS is refunded to the wallet
 * (ledger, audited) instead of applied, one instance failing never stops the others, and a
 * server missing at the provider ends as DELETED instead of being retried forever.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import { CloudError } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { processExpired } from "../../shop/lifecycle/expiry.js";
import { applyRenewal, createRenewalOrder } from "../../shop/lifecycle/renewal.js";
import { addMonths } from "../../shop/provisioning/provision.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { DAY, NOW } from "../provisioning/fixtures.js";
import { at, HOUR, lifecycleWorld, paidRenewal, vpsExpiringAt } from "./fixtures.js";

const LIFECYCLE = { graceDays: 2, deleteAfterDays: 7 };

const world = lifecycleWorld();
let prisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;
beforeAll(() => {
  ({ prisma, clouds, providers } = world);
});

const vps = (expiresAt: Date, code: "DIGITALOCEAN" | "VULTR" | "LINODE" = "DIGITALOCEAN") => vpsExpiringAt({ prisma, providers }, expiresAt, code);
const onFake = (id: string | null) => clouds.digitalocean.servers().some((s) => s.id === id);

describe("expiry against renewals", () => {
  it("a renewal applied while the run is busy with another VPS keeps this one: the run's stale list does not delete it", async () => {
    const E = NOW;
    const first = await vps(E);
    const second = await vps(E);
    const renewal = await paidRenewal(prisma, second.id, second.userId, 1);
    // The renewal lands while the run deletes the first VPS, after it listed both.
    const racing = Object.create(providers.DIGITALOCEAN!) as NonNullable<CloudProviders["DIGITALOCEAN"]>;
    racing.deleteServer = async (id) => {
      if (id === first.providerInstanceId) expect(await applyRenewal(prisma, renewal.orderId)).toMatchObject({ applied: true });
      return providers.DIGITALOCEAN!.deleteServer(id);
    };
    const run = await processExpired(prisma, { DIGITALOCEAN: racing }, { ...LIFECYCLE, now: at(E, 7 * DAY + HOUR) });
    expect(run).toEqual({ events: [{ kind: "deleted", instanceId: first.id, userId: first.userId, deleteAt: at(E, 7 * DAY) }], failures: [] });
    expect(onFake(first.providerInstanceId)).toBe(false);
    expect(onFake(second.providerInstanceId)).toBe(true);
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "ACTIVE", expiresAt: addMonths(E, 1), deletedAt: null });
  });

  it("a renewal paid after the deletion is refunded to the wallet (ledger, audited), not applied; a new renewal is refused", async () => {
    const E = NOW;
    const v = await vps(E, "VULTR");
    const renewal = await paidRenewal(prisma, v.id, v.userId, 1); // ordered in time, paid too late
    expect((await processExpired(prisma, providers, { ...LIFECYCLE, now: at(E, 7 * DAY + HOUR) })).events.map((e) => e.kind)).toEqual(["deleted"]);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: renewal.orderId } });
    const paidIdr = order.totalIdr + order.paymentFeeIdr;

    expect(await applyRenewal(prisma, renewal.orderId)).toEqual({ applied: false, why: "instance deleted", refundedIdr: paidIdr });
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({ status: "DELETED", expiresAt: E });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: renewal.orderId } })).status).toBe("REFUNDED");
    expect(await walletBalance(prisma, v.userId)).toBe(paidIdr);
    const audits = await prisma.auditLog.findMany({ where: { targetType: "order", targetId: String(renewal.orderId) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["wallet.refund", "renewal.refund_deleted"]);
    // A redelivered follow-up refunds nothing twice.
    expect(await applyRenewal(prisma, renewal.orderId)).toEqual({ applied: false, why: "order is REFUNDED" });
    expect(await walletBalance(prisma, v.userId)).toBe(paidIdr);
    expect(await createRenewalOrder(prisma, { userId: v.userId, instanceId: v.id, months: 1, paymentTtlHours: 24, now: NOW })).toEqual({ ok: false, reason: "not_renewable" });
  });

  it("once the run has claimed a VPS for deletion (provider down), renewals are refused at order time and refunded at apply time", async () => {
    const E = NOW;
    const v = await vps(E, "LINODE");
    const renewal = await paidRenewal(prisma, v.id, v.userId, 1);
    const down = Object.create(providers.LINODE!) as NonNullable<CloudProviders["LINODE"]>;
    down.deleteServer = async () => {
      throw new CloudError("LINODE", "unavailable", "Linode is having problems (HTTP 503)", true, 503);
    };
    const run = await processExpired(prisma, { LINODE: down }, { ...LIFECYCLE, now: at(E, 7 * DAY + HOUR) });
    expect(run).toEqual({ events: [], failures: [{ instanceId: v.id, error: expect.stringMatching(/HTTP 503/) }] });
    const claimed = await prisma.instance.findUniqueOrThrow({ where: { id: v.id } });
    expect(claimed.status).toBe("ACTIVE");
    expect(claimed.deletedAt).toEqual(at(E, 7 * DAY + HOUR));
    expect(await createRenewalOrder(prisma, { userId: v.userId, instanceId: v.id, months: 1, paymentTtlHours: 24, now: NOW })).toEqual({ ok: false, reason: "not_renewable" });
    expect(await applyRenewal(prisma, renewal.orderId)).toMatchObject({ applied: false, why: "instance deleted" });
    // The next run (provider back) finishes the deletion it had claimed.
    expect((await processExpired(prisma, providers, { ...LIFECYCLE, now: at(E, 7 * DAY + 2 * HOUR) })).events.map((e) => e.kind)).toEqual(["deleted"]);
    expect(clouds.linode.servers().some((s) => s.id === v.providerInstanceId)).toBe(false);
  });
});

describe("failures and vanished servers", () => {
  it("one instance failing does not stop the others; its failure is returned and its step given back", async () => {
    const E = NOW;
    const broken = await vps(E);
    const fine = await vps(E);
    const flaky = Object.create(providers.DIGITALOCEAN!) as NonNullable<CloudProviders["DIGITALOCEAN"]>;
    flaky.action = async (id, action, opts) => {
      if (id === broken.providerInstanceId) throw new CloudError("DIGITALOCEAN", "unauthorized", "DigitalOcean rejected our API token (HTTP 401)", false, 401);
      return providers.DIGITALOCEAN!.action(id, action, opts);
    };
    const run = await processExpired(prisma, { DIGITALOCEAN: flaky }, { ...LIFECYCLE, now: at(E, 2 * DAY + HOUR) });
    expect(run.events).toEqual([{ kind: "suspended", instanceId: fine.id, userId: fine.userId, deleteAt: at(E, 7 * DAY) }]);
    expect(run.failures).toEqual([{ instanceId: broken.id, error: expect.stringMatching(/HTTP 401/) }]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: broken.id } })).status).toBe("ACTIVE");
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: fine.id } })).status).toBe("SUSPENDED");
  });

  it("a server gone at the provider when it is due for suspension ends as DELETED (announced once)", async () => {
    const E = NOW;
    const v = await vps(E, "VULTR");
    await providers.VULTR!.deleteServer(v.providerInstanceId!);
    const now = at(E, 2 * DAY + HOUR);
    expect((await processExpired(prisma, providers, { ...LIFECYCLE, now })).events).toEqual([{ kind: "deleted", instanceId: v.id, userId: v.userId, deleteAt: at(E, 7 * DAY) }]);
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({ status: "DELETED", deletedAt: now });
    expect(await processExpired(prisma, providers, { ...LIFECYCLE, now: at(E, 8 * DAY) })).toEqual({ events: [], failures: [] });
  });

  it("`not_found` from the provider's delete marks the VPS DELETED instead of retrying it every run", async () => {
    const E = NOW;
    const v = await vps(E);
    const gone = Object.create(providers.DIGITALOCEAN!) as NonNullable<CloudProviders["DIGITALOCEAN"]>;
    gone.deleteServer = async (id) => {
      throw new CloudError("DIGITALOCEAN", "not_found", `DigitalOcean does not know this resource (trying to delete server ${id}).`, false, 404);
    };
    const now = at(E, 7 * DAY + HOUR);
    expect((await processExpired(prisma, { DIGITALOCEAN: gone }, { ...LIFECYCLE, now })).events.map((e) => e.kind)).toEqual(["deleted"]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).status).toBe("DELETED");
    expect(await processExpired(prisma, { DIGITALOCEAN: gone }, { ...LIFECYCLE, now })).toEqual({ events: [], failures: [] });
  });
});

describe("expiry and payment holds", () => {
  it("leaves a VPS held after a gateway refund to the owner: not suspended, not deleted, however late", async () => {
    const E = NOW;
    const v = await vps(E);
    const [payment] = await prisma.$queryRaw<{ id: number }[]>`
      INSERT INTO payments (order_id, gateway, attempt_ref, amount_idr, total_idr, status, updated_at)
      VALUES (${v.orderId}, 'TRIPAY', ${`HOLD-${v.id}`}, 1000, 1000, 'REFUNDED', now()) RETURNING id`;
    await prisma.paymentHold.create({ data: { paymentId: payment!.id, userId: v.userId, instanceId: v.id, instanceStatusBefore: "ACTIVE", reason: "chargeback" } });
    const run = await processExpired(prisma, providers, { ...LIFECYCLE, now: at(E, 30 * DAY) });
    expect(run.events.filter((e) => e.instanceId === v.id)).toEqual([]);
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({ status: "ACTIVE", deletedAt: null });
    expect(onFake(v.providerInstanceId)).toBe(true);
  });
});
