/** Staff powers of catalog, coupon and bank-account editing: see ../staff-table.ts for what each row must give. */
import type { PrismaClient } from "../../../db/client.js";
import type { CloudProvider } from "../../../shop/cloud/provider.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import type { StaffBot, Step } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";

/** Every attempt acts on rows of its own: a plan, coupon or account changed by one must not touch the next. */
let seq = 0;

async function provider(prisma: PrismaClient, code: "VULTR" | "LINODE" = "VULTR") {
  return prisma.provider.upsert({ where: { code }, create: { code, name: code === "VULTR" ? "Vultr" : "Linode" }, update: { active: true } });
}

/** An active plan with a 1-month price, stock 5, one OS image and a reseller tier. */
async function plan(prisma: PrismaClient) {
  seq += 1;
  const p = await provider(prisma);
  const row = await prisma.plan.create({
    data: {
      providerId: p.id, code: `sec-plan-${seq}`, name: `Paket Uji ${seq}`, vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000,
      region: "sgp", providerSizeSlug: "vc2-1c-1gb", stock: 5, prices: { create: { durationMonths: 1, priceIdr: 50_000 } },
    },
  });
  const image = await prisma.osImage.create({ data: { providerId: p.id, code: `sec-os-${seq}`, name: `OS Uji ${seq}`, providerRef: `sec-ref-${seq}` } });
  await prisma.planImage.create({ data: { planId: row.id, imageId: image.id } });
  const tier = await prisma.resellerTier.upsert({ where: { code: "SEC" }, create: { code: "SEC", name: "Reseller Uji" }, update: {} });
  return { ...row, imageId: image.id, tierId: tier.id };
}

async function coupon(prisma: PrismaClient) {
  seq += 1;
  return prisma.coupon.create({ data: { code: `SEC${seq}`, kind: "PERCENT", value: 10 } });
}

async function bank(prisma: PrismaClient) {
  seq += 1;
  return prisma.bankAccount.create({ data: { bankName: `Bank Uji ${seq}`, accountNumber: String(9_000_000 + seq), accountHolder: "PT Uji", sortOrder: seq } });
}

const said = (calls: RecordedCall[]) => calls.filter((c) => c.method === "sendMessage" || c.method === "editMessageText").map((c) => String(c.payload.text ?? ""));
/** A reply only staff may see (not a refusal), optionally naming `needle`. */
const answered = (w: StaffBot, calls: RecordedCall[], needle = "") => said(calls).some((t) => !w.refusals.has(t) && t.includes(needle));
const cancelled = (w: StaffBot, calls: RecordedCall[]) => said(calls).includes(w.core.i18n.t("id", "cat-adm-form-cancelled"));
const data = (d: string): Step => ({ data: d });
const text = (t: string): Step => ({ text: t });

function viewRow(name: string, permission: StaffAction["permission"], make: (w: StaffBot) => Promise<{ data: string; needle?: string }>): StaffAction {
  return {
    name,
    kind: "callback",
    permission,
    arrange: async (w) => {
      const { data: d, needle } = await make(w);
      return { steps: [data(d)], tookEffect: async (calls) => answered(w, calls, needle) };
    },
  };
}

/** A plan edit: the steps for a fresh plan, and what the plan looks like after it took effect. */
function planRow(name: string, steps: (p: Awaited<ReturnType<typeof plan>>) => Step[], changed: (prisma: PrismaClient, p: Awaited<ReturnType<typeof plan>>) => Promise<boolean>): StaffAction {
  return {
    name,
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await plan(w.prisma);
      return { steps: steps(p), tookEffect: () => changed(w.prisma, p) };
    },
  };
}

const planNow = (prisma: PrismaClient, id: number) => prisma.plan.findUniqueOrThrow({ where: { id }, include: { prices: true, promos: true, images: true, resellerPrices: true } });

/**
 * A cloud that answers the console's live lists (the staff bot's clouds are unreachable), put in
 * place for one attempt and taken out when its effect is read.
 */
function withLiveLists(w: StaffBot, size: string): () => void {
  const providers = w.core.botDeps.providers;
  const original = providers.VULTR;
  providers.VULTR = {
    code: "VULTR",
    listRegions: async () => [{ slug: "sgp", name: "Singapore", available: true }],
    listSizes: async () => [{ slug: size, vcpus: 2, memoryMb: 4096, diskGb: 80, regions: ["sgp"] }],
    listImages: async () => [{ ref: `live-${size}`, name: `Live OS ${size}` }],
  } as unknown as CloudProvider;
  return () => {
    providers.VULTR = original;
  };
}

function liveRow(name: string, steps: (p: Awaited<ReturnType<typeof plan>>, size: string) => Step[], took: (w: StaffBot, calls: RecordedCall[], p: Awaited<ReturnType<typeof plan>>, size: string) => Promise<boolean>): StaffAction {
  return {
    name,
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await plan(w.prisma);
      const size = `sec-size-${seq}`;
      const restore = withLiveLists(w, size);
      return {
        steps: steps(p, size),
        tookEffect: async (calls) => {
          restore();
          return took(w, calls, p, size);
        },
      };
    },
  };
}

const PROMO_STEPS = (planId: number): Step[] => [data(`ca:pmn:${planId}`), text("Promo uji"), data("ca:fa:0"), text("10"), data("ca:fs"), data("ca:fs"), data("ca:fa:0"), text("2099-12-31"), data("ca:fok")];
const COUPON_STEPS = (code: string): Step[] => [
  data("cp:new"), text(code), data("cp:fa:0"), text("15"), data("cp:fs"), text("100000"), data("cp:fs"), data("cp:fs"), text("5"), data("cp:fs"), data("cp:fa:1"), data("cp:fs"), text("1, 3"), data("cp:fok"),
];

function couponCreateRow(name: string): StaffAction {
  return {
    name,
    kind: "callback",
    permission: "coupons.manage",
    arrange: async (w) => {
      seq += 1;
      const code = `SECNEW${seq}`;
      return { steps: COUPON_STEPS(code), tookEffect: async () => (await w.prisma.coupon.count({ where: { code } })) === 1 };
    },
  };
}

export const CATALOG_ACTIONS: StaffAction[] = [
  { name: "/shop", kind: "command", permission: "catalog.manage", arrange: async (w) => ({ steps: [text("/shop")], tookEffect: async (calls) => answered(w, calls) }) },
  { name: "/coupons", kind: "command", permission: "coupons.manage", arrange: async (w) => ({ steps: [text("/coupons")], tookEffect: async (calls) => answered(w, calls) }) },
  viewRow("ca:home", "catalog.manage", async () => ({ data: "ca:home" })),
  viewRow("ca:prov:", "catalog.manage", async (w) => ({ data: "ca:prov:VULTR", needle: `${(await provider(w.prisma)).name}</b>` })),
  viewRow("ca:plan:", "catalog.manage", async (w) => {
    const p = await plan(w.prisma);
    return { data: `ca:plan:${p.id}`, needle: p.code };
  }),
  viewRow("ca:rs:", "catalog.manage", async (w) => ({ data: `ca:rs:${(await plan(w.prisma)).id}` })),
  viewRow("ca:pm:", "catalog.manage", async (w) => ({ data: `ca:pm:${(await plan(w.prisma)).id}` })),
  viewRow("ca:im:", "catalog.manage", async (w) => {
    const p = await plan(w.prisma);
    return { data: `ca:im:${p.id}`, needle: p.name };
  }),
  {
    name: "ca:pon:",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await provider(w.prisma, "LINODE");
      return { steps: [data("ca:pon:LINODE:0")], tookEffect: async () => !(await w.prisma.provider.findUniqueOrThrow({ where: { id: p.id } })).active };
    },
  },
  planRow("ca:on:", (p) => [data(`ca:on:${p.id}:0`)], async (prisma, p) => !(await planNow(prisma, p.id)).active),
  planRow("ca:pt:", (p) => [data(`ca:pt:${p.id}:1:0`)], async (prisma, p) => (await planNow(prisma, p.id)).prices.every((x) => !x.active)),
  planRow("ca:pr:", (p) => [data(`ca:pr:${p.id}:1`), text("61000")], async (prisma, p) => (await planNow(prisma, p.id)).prices[0]!.priceIdr === 61_000),
  planRow("ca:pa:", (p) => [data(`ca:pa:${p.id}`), text("3"), text("150000")], async (prisma, p) => (await planNow(prisma, p.id)).prices.some((x) => x.durationMonths === 3)),
  planRow("ca:st:", (p) => [data(`ca:st:${p.id}`), text("7")], async (prisma, p) => (await planNow(prisma, p.id)).stock === 7),
  planRow("ca:nm:", (p) => [data(`ca:nm:${p.id}`), text("Nama Baru")], async (prisma, p) => (await planNow(prisma, p.id)).name === "Nama Baru"),
  planRow("ca:bw:", (p) => [data(`ca:bw:${p.id}`), text("2000")], async (prisma, p) => (await planNow(prisma, p.id)).bandwidthGb === 2000),
  planRow("ca:rp:", (p) => [data(`ca:rp:${p.id}:${p.tierId}:1`), text("45000")], async (prisma, p) => (await planNow(prisma, p.id)).resellerPrices.length === 1),
  // "Unlimited" is the stock question's button.
  planRow("ca:fa:", (p) => [data(`ca:st:${p.id}`), data("ca:fa:0")], async (prisma, p) => (await planNow(prisma, p.id)).stock === null),
  // "Skip" on a reseller price removes it.
  {
    name: "ca:fs",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await plan(w.prisma);
      await w.prisma.resellerPrice.create({ data: { planId: p.id, tierId: p.tierId, durationMonths: 1, priceIdr: 40_000 } });
      return { steps: [data(`ca:rp:${p.id}:${p.tierId}:1`), data("ca:fs")], tookEffect: async () => (await planNow(w.prisma, p.id)).resellerPrices.length === 0 };
    },
  },
  planRow("ca:pmn:", (p) => PROMO_STEPS(p.id), async (prisma, p) => (await planNow(prisma, p.id)).promos.length === 1),
  planRow("ca:fok", (p) => PROMO_STEPS(p.id), async (prisma, p) => (await planNow(prisma, p.id)).promos.length === 1),
  {
    name: "ca:fx",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await plan(w.prisma);
      return { steps: [data(`ca:st:${p.id}`), data("ca:fx")], tookEffect: async (calls) => cancelled(w, calls) };
    },
  },
  {
    name: "ca:pmx:",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const p = await plan(w.prisma);
      const promo = await w.prisma.promo.create({ data: { planId: p.id, kind: "PERCENT", value: 5, label: "Uji", startsAt: new Date(), endsAt: new Date(Date.now() + 86_400_000) } });
      return { steps: [data(`ca:pmx:${promo.id}`)], tookEffect: async () => !(await w.prisma.promo.findUniqueOrThrow({ where: { id: promo.id } })).active };
    },
  },
  planRow("ca:imx:", (p) => [data(`ca:imx:${p.id}:${p.imageId}`)], async (prisma, p) => (await planNow(prisma, p.id)).images.length === 0),
  liveRow("ca:new:", () => [data("ca:new:VULTR:0")], async (w, calls) => answered(w, calls) && calls.some((c) => JSON.stringify(c.payload.reply_markup ?? {}).includes("ca:nr:VULTR:sgp:0"))),
  liveRow("ca:nr:", () => [data("ca:nr:VULTR:sgp:0")], async (w, calls, _p, size) => answered(w, calls) && calls.some((c) => JSON.stringify(c.payload.reply_markup ?? {}).includes(size))),
  liveRow("ca:ns:", (_p, size) => [data(`ca:ns:VULTR:sgp:${size}`)], async (w, _c, _p, size) => (await w.prisma.plan.count({ where: { code: `vultr-${size}-sgp` } })) === 1),
  liveRow("ca:il:", (p) => [data(`ca:il:${p.id}:0`)], async (w, calls, _p, size) => answered(w, calls) && calls.some((c) => JSON.stringify(c.payload.reply_markup ?? {}).includes(`live-${size}`))),
  liveRow("ca:ia:", (p, size) => [data(`ca:ia:${p.id}:live-${size}`)], async (w, _c, p) => (await planNow(w.prisma, p.id)).images.length === 2),

  viewRow("cp:list:", "coupons.manage", async () => ({ data: "cp:list:0" })),
  viewRow("cp:v:", "coupons.manage", async (w) => {
    const c = await coupon(w.prisma);
    return { data: `cp:v:${c.id}`, needle: c.code };
  }),
  viewRow("cp:r:", "coupons.manage", async (w) => {
    const c = await coupon(w.prisma);
    return { data: `cp:r:${c.id}:0`, needle: c.code };
  }),
  {
    name: "cp:on:",
    kind: "callback",
    permission: "coupons.manage",
    arrange: async (w) => {
      const c = await coupon(w.prisma);
      return { steps: [data(`cp:on:${c.id}:0`)], tookEffect: async () => !(await w.prisma.coupon.findUniqueOrThrow({ where: { id: c.id } })).active };
    },
  },
  couponCreateRow("cp:new"),
  couponCreateRow("cp:fa:"),
  couponCreateRow("cp:fs"),
  couponCreateRow("cp:fok"),
  { name: "cp:fx", kind: "callback", permission: "coupons.manage", arrange: async (w) => ({ steps: [data("cp:new"), data("cp:fx")], tookEffect: async (calls) => cancelled(w, calls) }) },

  viewRow("bk:list", "catalog.manage", async (w) => ({ data: "bk:list", needle: (await bank(w.prisma)).bankName })),
  {
    name: "bk:on:",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      const b = await bank(w.prisma);
      return { steps: [data(`bk:on:${b.id}:0`)], tookEffect: async () => !(await w.prisma.bankAccount.findUniqueOrThrow({ where: { id: b.id } })).active };
    },
  },
  {
    name: "bk:mv:",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      await bank(w.prisma);
      const b = await bank(w.prisma);
      const before = (await w.prisma.bankAccount.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }] })).map((r) => r.id);
      const order = async () => (await w.prisma.bankAccount.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }] })).map((r) => r.id);
      return { steps: [data(`bk:mv:${b.id}:up`)], tookEffect: async () => (await order()).join() !== before.join() };
    },
  },
  {
    name: "bk:new",
    kind: "callback",
    permission: "catalog.manage",
    arrange: async (w) => {
      seq += 1;
      const number = String(7_000_000 + seq);
      return { steps: [data("bk:new"), text("BRI"), text(number), text("PT Uji")], tookEffect: async () => (await w.prisma.bankAccount.count({ where: { accountNumber: number } })) === 1 };
    },
  },
  { name: "bk:fx", kind: "callback", permission: "catalog.manage", arrange: async (w) => ({ steps: [data("bk:new"), data("bk:fx")], tookEffect: async (calls) => cancelled(w, calls) }) },
];
