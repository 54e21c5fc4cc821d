import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { regionName } from "../../shop/catalog/regions.js";
import { formatIdr } from "../../shop/messages/format.js";
import { postLedger, walletAccount } from "../../shop/wallet/ledger.js";
import { buttonsOf, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

/** Issue 11's "tried as a new user would" polish, seen through the bot as a person sees it. */
let h: Awaited<ReturnType<typeof createBotHarness>>;
let clouds: FakeClouds | undefined;
beforeAll(async () => {
  clouds = await startFakeClouds();
  h = await createBotHarness(clouds.env);
  await seedDemoCatalog(h.prisma);
});
afterAll(async () => {
  await h?.close();
  await clouds?.stop();
});

const textOf = (c: { payload: Record<string, unknown> } | undefined) => String(c?.payload.text ?? "");
const textsFrom = (from: number) => h.calls.slice(from).filter((c) => c.method === "sendMessage" || c.method === "editMessageText").map(textOf);
const last = (method: string) => [...h.calls].reverse().find((c) => c.method === method);

async function say(user: TestUser, update: ReturnType<typeof updates.text>): Promise<string[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(update);
  return textsFrom(from);
}

/** An order (and, when `active`, its VPS) for a user, the way checkout and provisioning leave them. */
async function orderFor(user: TestUser, planCode: string, reference: string, active: boolean) {
  await h.bot.handleUpdate(updates.text(user, "/start"));
  const u = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } });
  const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: planCode }, include: { provider: true } });
  const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId } });
  const order = await h.prisma.order.create({
    data: {
      reference, userId: u.id, kind: "NEW_VPS", status: active ? "ACTIVE" : "PENDING_PAYMENT", planId: plan.id, planCode: plan.code, planName: plan.name,
      providerCode: plan.provider.code, providerSizeSlug: plan.providerSizeSlug, region: plan.region, imageCode: image.code, imageName: image.name,
      providerImageRef: image.providerRef, durationMonths: 1, basePriceIdr: 80_000, totalIdr: 80_000, snapshot: {},
      paymentDeadline: new Date(Date.now() + 3600_000),
    },
  });
  const instance = active
    ? await h.prisma.instance.create({
        data: { orderId: order.id, userId: u.id, providerCode: plan.provider.code, label: "vps-polish", region: plan.region, planId: plan.id, planCode: plan.code, imageCode: image.code, status: "ACTIVE", ipv4: "203.0.113.9", expiresAt: new Date(Date.now() + 20 * 86_400_000) },
      })
    : undefined;
  return { user: u, order, instance };
}

describe("polish a new user sees", () => {
  it("names regions (Singapura / Singapore) instead of slugs in the catalog, the order summary, the order card and the VPS details", async () => {
    const rina: TestUser = { id: 5_400_001, first_name: "Rina", language_code: "id" };
    await h.bot.handleUpdate(updates.text(rina, "/start"));
    const plans = (await say(rina, updates.callback(rina, "cat:prov:DIGITALOCEAN:0", 20))).join("\n");
    expect(plans).toContain("lokasi Singapura");
    expect(plans).not.toMatch(/sgp1/);

    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" } });
    const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId, active: true } });
    await h.bot.handleUpdate(updates.callback(rina, `cat:plan:${plan.id}:0`, 20));
    await h.bot.handleUpdate(updates.callback(rina, `cat:dur:${plan.id}:1`, 20));
    await h.bot.handleUpdate(updates.callback(rina, `cat:img:${plan.id}:1:${image.id}`, 20));
    const summary = (await say(rina, updates.callback(rina, "chk:skip", 20))).join("\n");
    expect(summary).toContain("(Vultr, Singapura)");
    expect(summary).not.toMatch(/lokasi sgp\b/);

    const ana: TestUser = { id: 5_400_002, first_name: "Ana", language_code: "en" };
    const { order, instance } = await orderFor(ana, "linode-g6-nanode-1-ap-south", "ORD-20261203-RGNAA", true);
    await h.bot.handleUpdate(updates.text(ana, "/language"));
    await h.bot.handleUpdate(updates.callback(ana, "lang:en", 21));
    const card = (await say(ana, updates.callback(ana, `ord:view:${order.id}`, 21))).join("\n");
    expect(card).toContain(", Singapore)");
    expect(card).not.toContain("ap-south");
    const details = (await say(ana, updates.callback(ana, `vps:view:${instance!.id}`, 21))).join("\n");
    expect(details).toContain("Singapore");
    expect(details).not.toContain("ap-south");
  });

  it("falls back to the slug for a region, or a provider, the table does not know", () => {
    expect(regionName("DIGITALOCEAN", "sgp1", "en")).toBe("Singapore");
    expect(regionName("VULTR", "xyz9", "id")).toBe("xyz9");
    expect(regionName("LINODE", "sgp1", "id")).toBe("sgp1"); // another cloud's slug
    expect(regionName(null, "sgp", "id")).toBe("sgp");
  });

  it("/stats names order statuses in the seller's language", async () => {
    const seller: TestUser = { id: SELLER_ID, first_name: "Seller", language_code: "id" };
    await orderFor({ id: 5_400_005, first_name: "Eka" }, "vultr-vc2-1c-1gb-sgp", "ORD-20261203-STTAA", true);
    const text = (await say(seller, updates.text(seller, "/stats"))).join("\n");
    expect(text).toContain("• Aktif: ");
    expect(text).not.toMatch(/ACTIVE|PENDING_PAYMENT/);
  });

  it("/help lists the commands of the caller's role, with their menu descriptions", async () => {
    const customer: TestUser = { id: 5_400_003, first_name: "Budi", language_code: "id" };
    const seller: TestUser = { id: SELLER_ID, first_name: "Seller", language_code: "id" };
    const owner: TestUser = { id: OWNER_ID, first_name: "Owner", language_code: "id" };
    const forCustomer = (await say(customer, updates.text(customer, "/help"))).join("\n");
    expect(forCustomer).toContain("/catalog — Katalog VPS");
    expect(forCustomer).not.toMatch(/\/stats|\/refund|\/backup/);
    const forSeller = (await say(seller, updates.text(seller, "/help"))).join("\n");
    expect(forSeller).toContain("/catalog — Katalog VPS");
    expect(forSeller).toContain("/stats — Statistik toko");
    expect(forSeller).toContain("/refund — Refund pesanan gagal ke saldo");
    expect(forSeller).not.toMatch(/\/backup|\/doctor|\/maintenance/);
    const forOwner = (await say(owner, updates.text(owner, "/help"))).join("\n");
    for (const line of ["/catalog — Katalog VPS", "/retry — Ulangi provisioning yang gagal", "/backup — Buat cadangan sekarang", "/doctor — Pemeriksaan pra-peluncuran", "/maintenance — Mode pemeliharaan nyala/mati"]) {
      expect(forOwner).toContain(line);
    }
  });

  it("the wallet option at payment shows the balance, and says when it is not enough", async () => {
    const dewi: TestUser = { id: 5_400_004, first_name: "Dewi", language_code: "id" };
    const { user, order } = await orderFor(dewi, "do-s-1vcpu-1gb-sgp1", "ORD-20261203-WLTAA", false);
    await h.bot.handleUpdate(updates.callback(dewi, `pay:m:${order.id}`, 22));
    const wallet = () => buttonsOf(last("editMessageText") ?? last("sendMessage")).find((b) => b.data === `pay:wl:${order.id}`)?.text;
    expect(wallet()).toBe(`💰 Saldo ${formatIdr(0)} · kurang untuk ${formatIdr(80_000)}`);

    await h.prisma.$transaction((tx) =>
      postLedger(tx, {
        kind: "ADJUSTMENT",
        idempotencyKey: `polish:wallet:${user.id}`,
        entries: [
          { account: "adjustments", amountIdr: -100_000 },
          { account: walletAccount(user.id), userId: user.id, amountIdr: 100_000 },
        ],
      }),
    );
    await h.bot.handleUpdate(updates.callback(dewi, `pay:m:${order.id}`, 22));
    expect(wallet()).toBe(`💰 Saldo ${formatIdr(100_000)} · bayar ${formatIdr(80_000)}`);
  });
});
