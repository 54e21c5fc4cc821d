/**
 * The catalog console end to end through the real bot (every middleware, real Postgres and
 * Redis, the fake clouds for live lists and availability): the owner changes a plan's price and
 * stock in the chat and a customer whose catalog was already cached sees the new price at once;
 * with stock 1 the plan sells once and the second buyer finds it sold out; the expiry job gives
 * the unit back. Coupons and bank accounts through their guided flows; refusals for a member
 * without the permission, by command and by crafted callback data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { createOrder } from "../../shop/orders/create-order.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { buttonsOf, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
let clouds: FakeClouds;
const OWNER: TestUser = { id: OWNER_ID, first_name: "Pemilik" };
const SELLER: TestUser = { id: SELLER_ID, first_name: "Penjual" };
const RINA: TestUser = { id: 5_600_001, first_name: "Rina" };
const BUDI: TestUser = { id: 5_600_002, first_name: "Budi" };

beforeAll(async () => {
  clouds = await startFakeClouds();
  // The test taps far faster than a person: the anti-spam limit is not under test here.
  h = await createBotHarness({ ...clouds.env, BOT_RATE_LIMIT_PER_10S: "100000" });
  await seedDemoCatalog(h.prisma);
});
afterAll(async () => {
  await h?.close();
  await clouds?.stop();
});

async function send(update: ReturnType<typeof updates.text>): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(update);
  return h.calls.slice(from);
}
const say = async (user: TestUser, text: string) => texts(await send(updates.text(user, text)));
const tap = (user: TestUser, data: string, messageId = 30) => send(updates.callback(user, data, messageId));
const texts = (calls: RecordedCall[]) => calls.filter((c) => c.method === "sendMessage" || c.method === "editMessageText").map((c) => String(c.payload.text)).join("\n");
const answers = (calls: RecordedCall[]) => calls.filter((c) => c.method === "answerCallbackQuery").map((c) => String(c.payload.text ?? ""));
const lastButtons = (calls: RecordedCall[]) => buttonsOf([...calls].reverse().find((c) => (c.payload.reply_markup as object | undefined) !== undefined));

const vultr1gb = () => h.prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" } });

/** A customer's whole purchase through the catalog and checkout buttons; returns what they saw last. */
async function buy(user: TestUser, planId: number, messageId: number): Promise<string> {
  await say(user, "/start");
  const image = await h.prisma.osImage.findFirstOrThrow({ where: { provider: { code: "VULTR" }, code: "ubuntu-22.04" } });
  await tap(user, `cat:plan:${planId}:0`, messageId);
  const duration = texts(await tap(user, `cat:dur:${planId}:1`, messageId));
  if (!duration.includes("Pilih") && !duration.includes("OS")) return duration;
  await tap(user, `cat:img:${planId}:1:${image.id}`, messageId);
  await tap(user, "chk:skip", messageId);
  return texts(await tap(user, "chk:confirm", messageId));
}

describe("the owner edits a plan in the chat", () => {
  it("a customer with a cached catalog sees the new price at once; stock 1 sells once; an expired order returns the unit", async () => {
    const plan = await vultr1gb();
    // Rina browses first: the catalog now holds this plan in its 15 s cache.
    await say(RINA, "/start");
    expect(texts(await tap(RINA, "cat:prov:VULTR:0", 20))).toContain("Rp 80.000");

    expect(await say(OWNER, "/shop")).toContain("Katalog toko");
    expect(texts(await tap(OWNER, "ca:prov:VULTR"))).toContain("Vultr");
    const card = await tap(OWNER, `ca:plan:${plan.id}`);
    expect(texts(card)).toContain("Rp 80.000");
    expect(lastButtons(card).map((b) => b.data)).toEqual(expect.arrayContaining([`ca:pr:${plan.id}:1`, `ca:st:${plan.id}`]));

    expect(texts(await tap(OWNER, `ca:pr:${plan.id}:1`))).toContain("Harga baru untuk 1 bulan");
    // Bad input: the reason and the question again, nothing changed.
    expect(await say(OWNER, "murah saja")).toContain("Tulis nominal rupiah");
    expect((await h.prisma.planPrice.findFirstOrThrow({ where: { planId: plan.id, durationMonths: 1 } })).priceIdr).toBe(80_000);
    expect(await say(OWNER, "99.000")).toContain("Rp 99.000");

    // At once, not after the cache's 15 s.
    expect(texts(await tap(RINA, "cat:prov:VULTR:0", 20))).toContain("Rp 99.000");
    expect(texts(await tap(RINA, `cat:plan:${plan.id}:0`, 20))).toContain("Rp 99.000");

    await tap(OWNER, `ca:st:${plan.id}`);
    expect(await say(OWNER, "1")).toContain("Stok: 1");
    const audits = await h.prisma.auditLog.findMany({ where: { targetType: "plan", targetId: String(plan.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["plan.price.update", "plan.stock.update"]);
    expect(audits[0]!.details).toMatchObject({ before: { priceIdr: 80_000 }, after: { priceIdr: 99_000 }, durationMonths: 1 });
    expect(audits[1]!.details).toMatchObject({ before: { stock: null }, after: { stock: 1 } });

    expect(await buy(RINA, plan.id, 21)).toContain("Rp 99.000");
    const order = await h.prisma.order.findFirstOrThrow({ where: { planId: plan.id, user: { telegramId: BigInt(RINA.id) } } });
    expect(order.totalIdr).toBe(99_000);
    expect((await vultr1gb()).stock).toBe(0);

    // The second buyer sees it sold out in the list and cannot buy it.
    await say(BUDI, "/start");
    const list = await tap(BUDI, "cat:prov:VULTR:0", 22);
    expect(texts(list)).toContain("⛔");
    expect(lastButtons(list).find((b) => b.text.includes(plan.name))?.data).toBe("cat:noop");
    expect(await buy(BUDI, plan.id, 23)).toContain("habis");
    expect(await h.prisma.order.count({ where: { planId: plan.id } })).toBe(1);

    // Rina never pays: the expiry job ends the order and the unit is back for Budi.
    await h.prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() - 1000) } });
    expect((await expireUnpaidOrders(h.prisma)).map((e) => e.orderId)).toContain(order.id);
    expect((await vultr1gb()).stock).toBe(1);
    const again = await tap(BUDI, "cat:prov:VULTR:0", 22);
    expect(lastButtons(again).find((b) => b.text.includes(plan.name))?.data).toBe(`cat:plan:${plan.id}:0`);
  });

  it("switches a plan and a provider off and on, each seen by customers at once", async () => {
    const plan = await vultr1gb();
    await tap(OWNER, `ca:on:${plan.id}:0`);
    expect(texts(await tap(RINA, "cat:prov:VULTR:0", 20))).not.toContain(plan.name);
    await tap(OWNER, `ca:on:${plan.id}:1`);
    await tap(OWNER, "ca:pon:VULTR:0");
    const providers = async () => lastButtons(await tap(RINA, "cat:home", 20)).map((b) => b.data);
    expect(await providers()).not.toContain("cat:prov:VULTR:0");
    await tap(OWNER, "ca:pon:VULTR:1");
    expect(await providers()).toContain("cat:prov:VULTR:0");
  });

  it("creates a plan from the provider's live regions and sizes, then offers an OS from its live image list", async () => {
    const regions = await tap(OWNER, "ca:new:DIGITALOCEAN:0");
    expect(lastButtons(regions).map((b) => b.data)).toContain("ca:nr:DIGITALOCEAN:sgp1:0");
    const sizes = await tap(OWNER, "ca:nr:DIGITALOCEAN:sgp1:0");
    const pick = lastButtons(sizes).find((b) => b.data?.startsWith("ca:ns:DIGITALOCEAN:sgp1:") && !b.data.endsWith(":s-1vcpu-1gb"))!;
    expect(pick).toBeDefined();
    const created = texts(await tap(OWNER, pick.data!));
    expect(created).toContain("Paket dibuat");
    const slug = pick.data!.split(":").at(-1)!;
    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: `do-${slug}-sgp1` } });
    expect(plan).toMatchObject({ active: false, region: "sgp1", providerSizeSlug: slug });
    expect(plan.vcpu).toBeGreaterThan(0);

    const images = await tap(OWNER, `ca:il:${plan.id}:0`);
    const image = lastButtons(images).find((b) => b.data?.startsWith(`ca:ia:${plan.id}:`))!;
    await tap(OWNER, image.data!);
    expect(await h.prisma.planImage.count({ where: { planId: plan.id } })).toBe(1);
    expect((await h.prisma.auditLog.findFirstOrThrow({ where: { action: "plan.create", targetId: String(plan.id) } })).actorUserId).not.toBeNull();
  });

  it("creates a promo through the guided flow", async () => {
    const plan = await vultr1gb();
    await tap(OWNER, `ca:pmn:${plan.id}`);
    await say(OWNER, "Harbolnas");
    await tap(OWNER, "ca:fa:0"); // percent
    await say(OWNER, "10");
    await tap(OWNER, "ca:fs"); // no cap
    await tap(OWNER, "ca:fs"); // every duration
    await tap(OWNER, "ca:fa:0"); // starts now
    expect(await say(OWNER, "2099-12-31")).toContain("Harbolnas");
    expect(texts(await tap(OWNER, "ca:fok"))).toContain("Harbolnas");
    const promo = await h.prisma.promo.findFirstOrThrow({ where: { planId: plan.id, label: "Harbolnas" } });
    expect(promo).toMatchObject({ kind: "PERCENT", value: 10, maxDiscountIdr: null, durationMonths: null, active: true });
    expect(promo.endsAt.toISOString()).toBe("2099-12-31T17:00:00.000Z");
  });
});

describe("a half-filled form", () => {
  it("ends with any command, like a conversation: a number typed afterwards changes nothing", async () => {
    const plan = await vultr1gb();
    const stock = plan.stock;
    expect(texts(await tap(OWNER, `ca:st:${plan.id}`))).toContain("Stok berapa unit");
    expect(await say(OWNER, "/cancel")).toContain("Dibatalkan");
    expect(await say(OWNER, "3")).toContain("tidak mengerti");
    expect((await vultr1gb()).stock).toBe(stock);
    // The Cancel button does the same.
    await tap(OWNER, `ca:st:${plan.id}`);
    expect(texts(await tap(OWNER, "ca:fx"))).toContain("Tidak ada yang diubah");
    expect(await say(OWNER, "3")).toContain("tidak mengerti");
    expect((await vultr1gb()).stock).toBe(stock);
  });
});

describe("coupons from the chat", () => {
  it("are created with every rule through the guided flow", async () => {
    expect(await say(OWNER, "/coupons")).toContain("Kupon");
    await tap(OWNER, "cp:new");
    expect(await say(OWNER, "no")).toContain("Kode");
    await say(OWNER, "bot15");
    await tap(OWNER, "cp:fa:0"); // percent
    expect(await say(OWNER, "150")).toContain("di luar batas");
    await say(OWNER, "15");
    await say(OWNER, "20.000"); // cap
    await say(OWNER, "100000"); // minimum order
    await tap(OWNER, "cp:fs"); // valid from now
    await say(OWNER, "2099-01-31");
    await say(OWNER, "5"); // total uses
    await say(OWNER, "1"); // per customer
    await tap(OWNER, "cp:fa:1"); // not first order only
    expect(await say(OWNER, "vultr-vc2-1c-2gb-sgp, nope-plan")).toContain("durasi tertentu");
    const summary = await say(OWNER, "1, 3");
    expect(summary).toContain("BOT15");
    expect(await h.prisma.coupon.count({ where: { code: "BOT15" } })).toBe(0);
    expect(texts(await tap(OWNER, "cp:fok"))).toContain("Kode paket tidak dikenal: nope-plan");
    expect(await h.prisma.coupon.count({ where: { code: "BOT15" } })).toBe(0);
  });

  it("a coupon's card, who redeemed it, and switching it off", async () => {
    await tap(OWNER, "cp:new");
    for (const step of ["bot20", "cp:fa:1", "20000", "cp:fs", "cp:fs", "cp:fs", "cp:fs", "cp:fs", "cp:fa:1", "cp:fs", "cp:fs"]) {
      if (step.startsWith("cp:")) await tap(OWNER, step);
      else await say(OWNER, step);
    }
    expect(texts(await tap(OWNER, "cp:fok"))).toContain("Kupon dibuat");
    const coupon = await h.prisma.coupon.findUniqueOrThrow({ where: { code: "BOT20" } });
    expect(coupon).toMatchObject({ kind: "FIXED", value: 20_000, minOrderIdr: null, usageLimit: null, planIds: [], durations: [], active: true });
    expect((await h.prisma.auditLog.findFirstOrThrow({ where: { action: "coupon.create", targetId: String(coupon.id) } })).details).toMatchObject({ after: { code: "BOT20", value: 20_000 } });

    // A customer orders with it (the checkout's own tests drive the coupon step in the chat).
    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-2gb-sgp" } });
    const image = await h.prisma.osImage.findFirstOrThrow({ where: { provider: { code: "VULTR" }, code: "ubuntu-22.04" } });
    const SARI: TestUser = { id: 5_600_003, first_name: "Sari", username: "sari_vps" };
    await say(SARI, "/start");
    const sari = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(SARI.id) } });
    const made = await createOrder(h.prisma, h.core.catalog, {
      buyer: { userId: sari.id, resellerTierId: null },
      request: { planId: plan.id, durationMonths: 1, imageId: image.id, couponCode: "bot20" },
      expectedTotalIdr: 150_000 - 20_000,
      paymentTtlHours: 24,
    });
    expect(made.status).toBe("created");
    const redeemed = await h.prisma.couponRedemption.findFirstOrThrow({ where: { couponId: coupon.id }, include: { order: true } });

    const card = texts(await tap(OWNER, `cp:v:${coupon.id}`));
    expect(card).toContain("Dipakai 1");
    const who = texts(await tap(OWNER, `cp:r:${coupon.id}:0`));
    expect(who).toContain("@sari_vps");
    expect(who).toContain(redeemed.order.reference);

    await tap(OWNER, `cp:on:${coupon.id}:0`);
    expect((await h.prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).active).toBe(false);
    await tap(SARI, `cat:img:${plan.id}:1:${image.id}`, 42);
    expect(await say(SARI, "bot20")).toContain("BOT20");
    expect(await h.prisma.couponRedemption.count({ where: { couponId: coupon.id } })).toBe(1);
  });
});

describe("bank accounts from the chat", () => {
  it("are added, moved and switched off; manual transfer shows them in that order", async () => {
    await h.prisma.bankAccount.deleteMany();
    for (const [bank, number] of [["BCA", "123-456-7890"], ["Mandiri", "137 0012 345678"]] as const) {
      await tap(OWNER, "bk:new");
      await say(OWNER, bank);
      expect(await say(OWNER, "12ab")).toContain("angka");
      await say(OWNER, number);
      expect(await say(OWNER, "PT Toko VPS")).toContain(bank);
    }
    const [bca, mandiri] = await h.prisma.bankAccount.findMany({ orderBy: { sortOrder: "asc" } });
    expect([bca!.accountNumber, mandiri!.accountNumber]).toEqual(["1234567890", "1370012345678"]);
    const list = texts(await tap(OWNER, `bk:mv:${mandiri!.id}:up`));
    expect(list.indexOf("Mandiri")).toBeLessThan(list.indexOf("BCA"));
    await tap(OWNER, `bk:on:${bca!.id}:0`);
    const shown = await h.prisma.bankAccount.findMany({ where: { active: true }, orderBy: [{ sortOrder: "asc" }, { id: "asc" }] });
    expect(shown.map((b) => b.bankName)).toEqual(["Mandiri"]);
    expect(await h.prisma.auditLog.count({ where: { targetType: "bank_account" } })).toBe(4);
  });
});

describe("a member without the permission", () => {
  it("is refused /shop and /coupons by command and every crafted button, and nothing changes", async () => {
    const plan = await vultr1gb();
    const coupon = await h.prisma.coupon.findFirstOrThrow({ where: { active: true } });
    const bank = await h.prisma.bankAccount.findFirstOrThrow({ where: { active: true } });
    const before = await h.prisma.auditLog.count();
    for (const user of [SELLER, RINA]) {
      expect(await say(user, "/shop")).not.toContain("Katalog toko");
      expect(await say(user, "/coupons")).not.toContain("Kupon");
      for (const data of [`ca:plan:${plan.id}`, `ca:on:${plan.id}:0`, `ca:st:${plan.id}`, "ca:pon:VULTR:0", `cp:on:${coupon.id}:0`, `cp:r:${coupon.id}:0`, "cp:new", `bk:on:${bank.id}:0`, "bk:new", "ca:new:VULTR:0"]) {
        const calls = await tap(user, data);
        expect(texts(calls)).toBe("");
        expect(answers(calls).join()).toMatch(/tidak berlaku|tidak mengerti/);
      }
      // A typed "answer" is not taken as a stock, price or code.
      await say(user, "0");
    }
    expect(await h.prisma.auditLog.count()).toBe(before);
    expect(await vultr1gb()).toMatchObject({ active: true, stock: plan.stock });
    expect((await h.prisma.coupon.findUniqueOrThrow({ where: { id: coupon.id } })).active).toBe(true);
  });
});

describe("review fixes", () => {
  it("a stock number typed after a unit sold is not saved: the owner sees the stock now and sets it again", async () => {
    const plan = await vultr1gb();
    await tap(OWNER, `ca:plan:${plan.id}`);
    await say(OWNER, "/cancel");
    await h.prisma.plan.update({ where: { id: plan.id }, data: { stock: 5 } });
    const prompt = texts(await tap(OWNER, `ca:st:${plan.id}`));
    expect(prompt).toContain("Stok sekarang: 5");
    expect(prompt).toContain("matikan paketnya");
    // One unit sells while the owner types (what the orders_plan_stock trigger does).
    await h.prisma.$executeRaw`UPDATE plans SET stock = stock - 1 WHERE id = ${plan.id}`;
    const calls = await send(updates.text(OWNER, "5"));
    expect(texts(calls)).toContain("Stok berubah sementara itu");
    expect(texts(calls)).toContain("sekarang 4");
    expect((await vultr1gb()).stock).toBe(4);
    expect(lastButtons(calls).map((b) => b.data)).toContain(`ca:st:${plan.id}`);
    // Again from the fresh reading: saved.
    expect(texts(await tap(OWNER, `ca:st:${plan.id}`))).toContain("Stok sekarang: 4");
    expect(await say(OWNER, "5")).toContain("Stok: 5");
    expect((await vultr1gb()).stock).toBe(5);
  });

  it("the reseller price question escapes the tier's name", async () => {
    const plan = await vultr1gb();
    const tier = await h.prisma.resellerTier.findFirstOrThrow();
    await h.prisma.resellerTier.update({ where: { id: tier.id }, data: { name: "Gold <VIP> & Co" } });
    try {
      const asked = texts(await tap(OWNER, `ca:rp:${plan.id}:${tier.id}:1`));
      expect(asked).toContain("Gold &lt;VIP&gt; &amp; Co");
      expect(asked).not.toContain("<VIP>");
      await tap(OWNER, "ca:fx");
    } finally {
      await h.prisma.resellerTier.update({ where: { id: tier.id }, data: { name: tier.name } });
    }
  });

  it("a promo shows each duration's price before saving and is refused when it would make the plan free", async () => {
    const plan = await vultr1gb();
    const lowest = (await h.prisma.planPrice.findFirstOrThrow({ where: { planId: plan.id, active: true }, orderBy: { priceIdr: "asc" } })).priceIdr;
    await tap(OWNER, `ca:pmn:${plan.id}`);
    await say(OWNER, "Salah ketik");
    await tap(OWNER, "ca:fa:1"); // fixed
    await say(OWNER, String(lowest));
    await tap(OWNER, "ca:fs"); // every duration
    await tap(OWNER, "ca:fa:0"); // starts now
    const confirm = await say(OWNER, "2099-12-31");
    expect(confirm).toContain("Harga:");
    expect(confirm).toContain("1 bln:");
    expect(confirm).toContain("Rp 0");
    expect(texts(await tap(OWNER, "ca:fok"))).toContain("paket akan gratis");
    expect(await h.prisma.promo.count({ where: { label: "Salah ketik" } })).toBe(0);
    // 100 percent is not a promo.
    await tap(OWNER, `ca:pmn:${plan.id}`);
    await say(OWNER, "Seratus");
    await tap(OWNER, "ca:fa:0"); // percent
    expect(await say(OWNER, "100")).toContain("di luar batas");
    await tap(OWNER, "ca:fx");
  });

  it("a fixed coupon at or above the cheapest price it applies to is flagged on the confirm screen", async () => {
    const plan = await vultr1gb();
    const lowest = (await h.prisma.planPrice.findFirstOrThrow({ where: { planId: plan.id, active: true }, orderBy: { priceIdr: "asc" } })).priceIdr;
    await say(OWNER, "/coupons");
    await tap(OWNER, "cp:new");
    await say(OWNER, "TYPO50");
    await tap(OWNER, "cp:fa:1"); // fixed
    await say(OWNER, String(lowest));
    for (let i = 0; i < 5; i++) await tap(OWNER, "cp:fs"); // min, from, to, limit, per user
    await tap(OWNER, "cp:fa:1"); // not first order only
    await say(OWNER, plan.code);
    const confirm = texts(await tap(OWNER, "cp:fs")); // every duration
    expect(confirm).toContain("GRATIS");
    await tap(OWNER, "cp:fx");
    expect(await h.prisma.coupon.count({ where: { code: "TYPO50" } })).toBe(0);
  });

  it("a member who loses catalog.manage mid-form changes nothing with the number typed afterwards", async () => {
    const MEMBER: TestUser = { id: 5_600_050, first_name: "Staf" };
    await say(MEMBER, "/start");
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(MEMBER.id) } });
    const role = await h.prisma.staffRole.create({ data: { name: "Katalog (tes)", permissions: ["catalog.manage"] } });
    await h.prisma.staffMember.create({ data: { userId: user.id, roleId: role.id } });
    await h.core.users.forget(MEMBER.id);
    const plan = await vultr1gb();
    const stock = plan.stock;
    expect(texts(await tap(MEMBER, `ca:st:${plan.id}`))).toContain("Stok berapa unit");
    await h.prisma.staffMember.update({ where: { userId: user.id }, data: { roleId: null } });
    await h.core.users.forget(MEMBER.id);
    await say(MEMBER, "3");
    expect((await vultr1gb()).stock).toBe(stock);
    expect(await h.prisma.auditLog.count({ where: { actorUserId: user.id, action: "plan.stock.update" } })).toBe(0);
    // And the form is gone: given the power back, the number still changes nothing.
    await h.prisma.staffMember.update({ where: { userId: user.id }, data: { roleId: role.id } });
    await h.core.users.forget(MEMBER.id);
    await say(MEMBER, "3");
    expect((await vultr1gb()).stock).toBe(stock);
  });
});
