/**
 * Server tags name the installation (shop/provisioning/shop-id.ts, provision.ts, orphans.ts):
 * `vpsbot-<shopId>-<order>`, the shop id made once per database (or SHOP_ID). Two deployments on
 * one cloud account (production and a staging copy with the same token) never delete each
 * other's servers: the orphan sweep deletes only servers carrying this installation's prefix,
 * reports legacy-tagged orphans (`vpsbot-<order>`, whose owner the tag cannot tell) without
 * deleting them, and leaves other installations' servers alone. Provisioning still finds a server
 * it created under the legacy tag before the upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderCode } from "../../db/client.js";
import { orphanSweepAlert, sweepOrphanServers } from "../../shop/provisioning/orphans.js";
import { legacyOrderTag, orderTag } from "../../shop/provisioning/provision.js";
import { currentShopId, resolveShopId, useShopId } from "../../shop/provisioning/shop-id.js";
import { fakeOf, newPaidOrder, NOW, PLANS, provisionWith, provisioningSuite, serversTagged } from "./fixtures.js";

const suite = provisioningSuite();
const MIN = 60_000;
const at = (minutes: number) => () => new Date(NOW.getTime() + minutes * MIN);

beforeAll(() => useShopId("prodshop"));
afterAll(() => useShopId(undefined));

async function serverTagged(code: ProviderCode, tag: string) {
  const plan = await suite.prisma.plan.findUniqueOrThrow({ where: { code: PLANS[code].planCode } });
  const image = await suite.prisma.osImage.findFirstOrThrow({ where: { code: PLANS[code].imageCode, provider: { code } } });
  return suite.providers[code]!.createServer({ label: `vps-${tag}`.slice(0, 60), region: plan.region, sizeSlug: plan.providerSizeSlug, imageRef: image.providerRef, rootPassword: "Orphan-Password-123!", tag });
}

describe("the shop id", () => {
  it("is made once per database and kept: every later resolve (another process, a restart) gets the same; SHOP_ID overrides it", async () => {
    const first = await resolveShopId(suite.prisma);
    expect(first).toMatch(/^[a-z0-9]{2,12}$/);
    expect(await resolveShopId(suite.prisma)).toBe(first);
    expect(await Promise.all([resolveShopId(suite.prisma), resolveShopId(suite.prisma)])).toEqual([first, first]);
    expect(await resolveShopId(suite.prisma, "staging")).toBe("staging");
    expect(await suite.prisma.installation.count()).toBe(1);
  });

  it("names the installation in the tag of every server provisioning creates", async () => {
    expect(currentShopId()).toBe("prodshop");
    const order = await newPaidOrder(suite.prisma, { provider: "VULTR" });
    expect(await provisionWith(suite, order.id)).toMatchObject({ status: "active" });
    expect(orderTag(order.reference)).toBe(`vpsbot-prodshop-${order.reference.toLowerCase()}`);
    expect(serversTagged(fakeOf(suite.clouds, "VULTR"), orderTag(order.reference))).toHaveLength(1);
  });

  it("provisioning adopts a server it created under the legacy tag before the upgrade, instead of creating a second", async () => {
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN" });
    const before = await serverTagged("DIGITALOCEAN", legacyOrderTag(order.reference));
    const result = await provisionWith(suite, order.id);
    expect(result).toMatchObject({ status: "active" });
    expect((await suite.prisma.instance.findUniqueOrThrow({ where: { orderId: order.id } })).providerInstanceId).toBe(before.id);
    expect(fakeOf(suite.clouds, "DIGITALOCEAN").servers().filter((s) => s.tags.some((t) => t.endsWith(order.reference.toLowerCase())))).toHaveLength(1);
  });
});

describe("the orphan sweep on a cloud account shared with another installation", () => {
  it("deletes only this installation's orphans; another shop's servers are untouched; legacy-tagged ones are reported once, never deleted", async () => {
    const mine = await serverTagged("LINODE", orderTag("ORD-20261121-MINE1"));
    // The staging copy (same token) provisioned an order this database has never heard of.
    const staging = await serverTagged("LINODE", orderTag("ORD-20261121-STAG1", "staging"));
    const legacy = await serverTagged("LINODE", legacyOrderTag("ORD-20261121-OLD01"));

    const first = await sweepOrphanServers({ prisma: suite.prisma, providers: suite.providers, now: at(0) });
    expect(first.legacy.map((l) => l.id)).toEqual([legacy.id]);
    expect(orphanSweepAlert(first)!.detail).toMatch(new RegExp(`TIDAK dihapus.*${legacy.id}`));
    const later = await sweepOrphanServers({ prisma: suite.prisma, providers: suite.providers, now: at(60) });
    expect(later.deleted.map((d) => d.id)).toEqual([mine.id]);
    expect(later.legacy).toEqual([]); // reported once
    const left = fakeOf(suite.clouds, "LINODE").servers().map((s) => s.id);
    expect(left).toContain(staging.id);
    expect(left).toContain(legacy.id);
    expect(left).not.toContain(mine.id);
  });

  it("without a shop id (a bare process) the sweep deletes nothing", async () => {
    useShopId(undefined);
    try {
      const server = await serverTagged("VULTR", orderTag("ORD-20261121-BARE1"));
      await sweepOrphanServers({ prisma: suite.prisma, providers: suite.providers, now: at(0) });
      const later = await sweepOrphanServers({ prisma: suite.prisma, providers: suite.providers, now: at(60) });
      expect(later.deleted).toEqual([]);
      expect(fakeOf(suite.clouds, "VULTR").servers().map((s) => s.id)).toContain(server.id);
    } finally {
      useShopId("prodshop");
    }
  });
});
