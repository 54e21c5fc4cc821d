/**
 * The orphan sweep (shop/provisioning/orphans.ts) against the three fake clouds: servers with our
 * tag and no live instance are recorded, deleted only when still orphaned after the grace
 * period, audited and reported once; customers' servers, runs in flight and other people's
 * servers are never touched.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InstanceStatus, OrderStatus, PrismaClient, ProviderCode } from "../../db/client.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import { CloudError, type CloudProvider } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { orphanSweepAlert, sweepOrphanServers } from "../../shop/provisioning/orphans.js";
import { orderTag, serverLabel } from "../../shop/provisioning/provision.js";
import { useShopId } from "../../shop/provisioning/shop-id.js";
import { activeInstance, DAY, fakeOf, newPaidOrder, NOW, PLANS, provisioningSuite } from "./fixtures.js";

const MIN = 60_000;
const at = (minutes: number) => () => new Date(NOW.getTime() + minutes * MIN);

// Pages of 2, so every listing spans several pages.
// 10 s per request: nothing here means to hit it, and a loaded machine must not either.
const suite = provisioningSuite({ pageSize: 2, fetchOptions: { timeoutMs: 10_000, sleep: async () => undefined, random: () => 0.5 } });
let prisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;
beforeAll(() => {
  ({ prisma, clouds, providers } = suite);
  // What a started service does at start-up (shop/provisioning/shop-id.ts): tags name this installation.
  useShopId("orphantest");
});
afterEach(async () => {
  await prisma.orphanServer.deleteMany();
});

/** A server at the provider carrying `tag` (as a lost create or a forgotten one leaves it). */
async function serverTagged(code: ProviderCode, tag: string, label = `vps-${tag}`) {
  const plan = await prisma.plan.findUniqueOrThrow({ where: { code: PLANS[code].planCode } });
  const image = await prisma.osImage.findFirstOrThrow({ where: { code: PLANS[code].imageCode, provider: { code } } });
  return providers[code]!.createServer({ label, region: plan.region, sizeSlug: plan.providerSizeSlug, imageRef: image.providerRef, rootPassword: "Orphan-Password-123!", tag });
}

/** An order in `status` whose instance (in `instanceStatus`) names a server at the provider. */
async function orderWithServer(code: ProviderCode, status: OrderStatus, instanceStatus: InstanceStatus | null) {
  const order = await newPaidOrder(prisma, { provider: code });
  await prisma.order.update({ where: { id: order.id }, data: { status } });
  const server = await serverTagged(code, orderTag(order.reference), serverLabel(order.reference));
  if (instanceStatus) {
    await prisma.instance.create({
      data: {
        orderId: order.id,
        userId: order.userId,
        providerCode: code,
        providerInstanceId: instanceStatus === "PROVISIONING" && status === "PROVISIONING" ? null : server.id,
        label: serverLabel(order.reference),
        region: order.region!,
        planCode: order.planCode!,
        imageCode: order.imageCode!,
        status: instanceStatus,
        expiresAt: new Date(NOW.getTime() - 40 * DAY),
      },
    });
  }
  return { order, server };
}

const ids = (code: ProviderCode) => fakeOf(clouds, code).servers().map((s) => s.id).sort();

describe("orphan sweep", () => {
  it("deletes only servers with our tag and no live instance, after the grace period; audited, reported once", async () => {
    // Kept: customers' servers, a run in flight, someone else's server on the account.
    const live = await activeInstance({ prisma, providers }, "DIGITALOCEAN");
    const suspendedAfterChargeback = await orderWithServer("VULTR", "REFUNDED", "SUSPENDED");
    const inFlight = await orderWithServer("LINODE", "PROVISIONING", "PROVISIONING");
    const foreign = await providers.LINODE!.createServer({ label: "owners-own-box", region: "ap-south", sizeSlug: "g6-nanode-1", imageRef: "linode/ubuntu22.04", rootPassword: "Not-Ours-123456!", tag: "production" });
    // Orphans: a refunded order's leftover, an expired FAILED instance, a duplicate of a live order, a lifecycle-DELETED one, one with no order at all.
    const refunded = await orderWithServer("DIGITALOCEAN", "REFUNDED", "FAILED");
    const expiredFailed = await orderWithServer("VULTR", "PROVISIONING_FAILED", "FAILED");
    const duplicate = await serverTagged("DIGITALOCEAN", orderTag(live.order.reference));
    const deletedByLifecycle = await orderWithServer("LINODE", "ACTIVE", "DELETED");
    const unknown = await serverTagged("VULTR", orderTag("ORD-20261121-GONE1"));
    const orphans = [refunded.server.id, expiredFailed.server.id, duplicate.id, deletedByLifecycle.server.id, unknown.id].sort();
    const kept = [live.providerInstanceId!, suspendedAfterChargeback.server.id, inFlight.server.id, foreign.id].sort();

    const first = await sweepOrphanServers({ prisma, providers, now: at(0) });
    expect(first).toMatchObject({ deleted: [], failed: [], unlisted: [], legacy: [], waiting: 5 });
    expect(orphanSweepAlert(first)).toBeNull();
    expect((await prisma.orphanServer.findMany()).map((r) => r.providerServerId).sort()).toEqual(orphans);
    expect(await sweepOrphanServers({ prisma, providers, now: at(15) })).toMatchObject({ deleted: [], waiting: 5 });

    const third = await sweepOrphanServers({ prisma, providers, now: at(30) });
    expect(third.deleted.map((d) => d.id).sort()).toEqual(orphans);
    expect(third.deleted.every((d) => d.firstSeenAt.getTime() === NOW.getTime())).toBe(true);
    const all = [...ids("DIGITALOCEAN"), ...ids("VULTR"), ...ids("LINODE")].sort();
    expect(all).toEqual(kept);
    const audits = await prisma.auditLog.findMany({ where: { action: "provisioning.orphan_deleted" } });
    expect(audits).toHaveLength(5);
    expect(audits.every((a) => a.actorType === "SYSTEM")).toBe(true);
    const alert = orphanSweepAlert(third)!;
    expect(alert.title).toMatch(/5 dihapus/);
    for (const id of orphans) expect(alert.detail).toContain(id);
    expect(alert.detail.split("\n")).toHaveLength(5);

    // Nothing left to do or to report.
    const fourth = await sweepOrphanServers({ prisma, providers, now: at(45) });
    expect(fourth).toMatchObject({ deleted: [], failed: [], waiting: 0 });
    expect(orphanSweepAlert(fourth)).toBeNull();
    expect(await prisma.orphanServer.count()).toBe(0);
  });

  it("a server that comes back to life within the grace (a seller's retry) is kept, and its grace starts over", async () => {
    const { order, server } = await orderWithServer("VULTR", "PROVISIONING_FAILED", "FAILED");
    await sweepOrphanServers({ prisma, providers, now: at(0) });
    // The seller retries: order PROVISIONING, instance PROVISIONING, the run will reuse the server.
    await prisma.order.update({ where: { id: order.id }, data: { status: "PROVISIONING" } });
    await prisma.instance.update({ where: { orderId: order.id }, data: { status: "PROVISIONING" } });
    expect(await sweepOrphanServers({ prisma, providers, now: at(31) })).toMatchObject({ deleted: [], waiting: 0 });
    expect(ids("VULTR")).toEqual([server.id]);
    expect(await prisma.orphanServer.count()).toBe(0);
    // It fails again: first seen anew, not deleted at once.
    await prisma.order.update({ where: { id: order.id }, data: { status: "PROVISIONING_FAILED" } });
    await prisma.instance.update({ where: { orderId: order.id }, data: { status: "FAILED" } });
    expect(await sweepOrphanServers({ prisma, providers, now: at(40) })).toMatchObject({ deleted: [], waiting: 1 });
    expect((await sweepOrphanServers({ prisma, providers, now: at(70) })).deleted.map((d) => d.id)).toEqual([server.id]);
  });

  it("a provider that cannot list or delete: the others are swept, the failure is reported and retried", async () => {
    const doServer = (await orderWithServer("DIGITALOCEAN", "REFUNDED", "FAILED")).server;
    const vultrServer = (await orderWithServer("VULTR", "REFUNDED", "FAILED")).server;
    await sweepOrphanServers({ prisma, providers, now: at(0) });

    clouds.linode.fail(10, { status: 401 });
    const vultrDown = Object.create(providers.VULTR!) as CloudProvider;
    vultrDown.deleteServer = async () => {
      throw new CloudError("VULTR", "unavailable", "Vultr is having problems (HTTP 500) and could not delete the server.", true);
    };
    const failing = { ...providers, VULTR: vultrDown };
    const report = await sweepOrphanServers({ prisma, providers: failing, now: at(31) });
    expect(report.unlisted.map((u) => u.provider)).toEqual(["LINODE"]);
    expect(report.deleted.map((d) => d.id)).toEqual([doServer.id]);
    expect(report.failed).toEqual([{ provider: "VULTR", id: vultrServer.id, error: expect.stringMatching(/Vultr/) }]);
    expect(orphanSweepAlert(report)!.title).toMatch(/1 dihapus, 1 gagal dihapus/);
    expect(ids("VULTR")).toEqual([vultrServer.id]);

    clouds.linode.reset();
    const retried = await sweepOrphanServers({ prisma, providers, now: at(46) });
    expect(retried.deleted.map((d) => d.id)).toEqual([vultrServer.id]);
    expect(ids("VULTR")).toEqual([]);

    for (const fake of [clouds.digitalocean, clouds.vultr, clouds.linode]) fake.fail(50, { status: 401 });
    await expect(sweepOrphanServers({ prisma, providers, now: at(61) })).rejects.toThrow(/no provider could list/);
  });
});
