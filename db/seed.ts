/**
 * Demo catalog: `npm run db:seed` (DATABASE_URL from env, default the local dev database).
 *
 * `seedDemoCatalog(prisma)` is idempotent: everything is upserted by its natural key, in one
 * transaction, so running it again refreshes prices/names without duplicating rows. It never
 * touches counters that real use changes (coupon `usedCount`, plan `stock` once created).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createPrisma, DEFAULT_DATABASE_URL, DiscountKind, ProviderCode, type Prisma, type PrismaClient } from "./client.js";

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEMO_DURATIONS = [1, 3, 12] as const;
/** Reseller price = public price × this, rounded down to Rp 1.000. */
const RESELLER_FACTOR = 0.85;

interface PlanSeed {
  code: string;
  name: string;
  vcpu: number;
  memoryMb: number;
  diskGb: number;
  bandwidthGb: number;
  region: string;
  providerSizeSlug: string;
  stock?: number;
  /** Rupiah for 1, 3 and 12 months. */
  prices: readonly [number, number, number];
}

interface ProviderSeed {
  code: ProviderCode;
  name: string;
  plans: readonly PlanSeed[];
  images: readonly { code: string; name: string; providerRef: string }[];
}

// Longer terms are cheaper per month: 3 months ≈ 7% off, 12 months ≈ 13% off.
export const DEMO_PROVIDERS: readonly ProviderSeed[] = [
  {
    code: ProviderCode.DIGITALOCEAN,
    name: "DigitalOcean",
    plans: [
      { code: "do-s-1vcpu-1gb-sgp1", name: "DO Basic 1 GB", vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000, region: "sgp1", providerSizeSlug: "s-1vcpu-1gb", prices: [75_000, 210_000, 780_000] },
      { code: "do-s-1vcpu-2gb-sgp1", name: "DO Basic 2 GB", vcpu: 1, memoryMb: 2048, diskGb: 50, bandwidthGb: 2000, region: "sgp1", providerSizeSlug: "s-1vcpu-2gb", prices: [145_000, 405_000, 1_515_000] },
      { code: "do-s-2vcpu-4gb-sgp1", name: "DO Basic 4 GB", vcpu: 2, memoryMb: 4096, diskGb: 80, bandwidthGb: 4000, region: "sgp1", providerSizeSlug: "s-2vcpu-4gb", prices: [285_000, 795_000, 2_975_000] },
    ],
    images: [
      { code: "ubuntu-22.04", name: "Ubuntu 22.04 LTS", providerRef: "ubuntu-22-04-x64" },
      { code: "ubuntu-24.04", name: "Ubuntu 24.04 LTS", providerRef: "ubuntu-24-04-x64" },
      { code: "debian-12", name: "Debian 12", providerRef: "debian-12-x64" },
      { code: "rocky-9", name: "Rocky Linux 9", providerRef: "rockylinux-9-x64" },
      { code: "almalinux-9", name: "AlmaLinux 9", providerRef: "almalinux-9-x64" },
    ],
  },
  {
    code: ProviderCode.VULTR,
    name: "Vultr",
    plans: [
      { code: "vultr-vc2-1c-1gb-sgp", name: "Vultr Cloud 1 GB", vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000, region: "sgp", providerSizeSlug: "vc2-1c-1gb", prices: [80_000, 225_000, 835_000] },
      { code: "vultr-vc2-1c-2gb-sgp", name: "Vultr Cloud 2 GB", vcpu: 1, memoryMb: 2048, diskGb: 55, bandwidthGb: 2000, region: "sgp", providerSizeSlug: "vc2-1c-2gb", prices: [150_000, 420_000, 1_565_000] },
      { code: "vultr-vc2-2c-4gb-sgp", name: "Vultr Cloud 4 GB", vcpu: 2, memoryMb: 4096, diskGb: 80, bandwidthGb: 3000, region: "sgp", providerSizeSlug: "vc2-2c-4gb", stock: 10, prices: [290_000, 810_000, 3_025_000] },
    ],
    images: [
      { code: "ubuntu-22.04", name: "Ubuntu 22.04 LTS", providerRef: "1743" },
      { code: "ubuntu-24.04", name: "Ubuntu 24.04 LTS", providerRef: "2284" },
      { code: "debian-12", name: "Debian 12", providerRef: "2136" },
      { code: "rocky-9", name: "Rocky Linux 9", providerRef: "1869" },
      { code: "almalinux-9", name: "AlmaLinux 9", providerRef: "1868" },
    ],
  },
  {
    code: ProviderCode.LINODE,
    name: "Linode (Akamai)",
    plans: [
      { code: "linode-g6-nanode-1-ap-south", name: "Linode Nanode 1 GB", vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000, region: "ap-south", providerSizeSlug: "g6-nanode-1", prices: [72_000, 200_000, 750_000] },
      { code: "linode-g6-standard-1-ap-south", name: "Linode 2 GB", vcpu: 1, memoryMb: 2048, diskGb: 50, bandwidthGb: 2000, region: "ap-south", providerSizeSlug: "g6-standard-1", prices: [140_000, 390_000, 1_460_000] },
      { code: "linode-g6-standard-2-ap-south", name: "Linode 4 GB", vcpu: 2, memoryMb: 4096, diskGb: 80, bandwidthGb: 4000, region: "ap-south", providerSizeSlug: "g6-standard-2", prices: [280_000, 780_000, 2_920_000] },
    ],
    images: [
      { code: "ubuntu-22.04", name: "Ubuntu 22.04 LTS", providerRef: "linode/ubuntu22.04" },
      { code: "ubuntu-24.04", name: "Ubuntu 24.04 LTS", providerRef: "linode/ubuntu24.04" },
      { code: "debian-12", name: "Debian 12", providerRef: "linode/debian12" },
      { code: "rocky-9", name: "Rocky Linux 9", providerRef: "linode/rocky9" },
      { code: "almalinux-9", name: "AlmaLinux 9", providerRef: "linode/almalinux9" },
    ],
  },
];

export const DEMO_PROMO = {
  planCode: "do-s-1vcpu-1gb-sgp1",
  durationMonths: 1,
  label: "Promo Akhir Tahun: diskon 20% DO 1 GB (1 bulan)",
  kind: DiscountKind.PERCENT,
  value: 20,
} as const;

export const DEMO_RESELLER_TIER = { code: "RESELLER", name: "Reseller" } as const;

export const DEMO_BANK_ACCOUNT = {
  bankName: "BCA",
  accountNumber: "8730123456",
  accountHolder: "PT Awan Nusantara Digital",
} as const;

export function resellerPrice(publicPriceIdr: number): number {
  return Math.floor((publicPriceIdr * RESELLER_FACTOR) / 1000) * 1000;
}

/** Row counts one seeding produces (on an otherwise empty catalog). */
export const DEMO_COUNTS = {
  providers: DEMO_PROVIDERS.length,
  plans: DEMO_PROVIDERS.reduce((n, p) => n + p.plans.length, 0),
  planPrices: DEMO_PROVIDERS.reduce((n, p) => n + p.plans.length, 0) * DEMO_DURATIONS.length,
  osImages: DEMO_PROVIDERS.reduce((n, p) => n + p.images.length, 0),
  planImages: DEMO_PROVIDERS.reduce((n, p) => n + p.plans.length * p.images.length, 0),
  promos: 1,
  coupons: 3,
  resellerTiers: 1,
  resellerPrices: DEMO_PROVIDERS.reduce((n, p) => n + p.plans.length, 0) * DEMO_DURATIONS.length,
  bankAccounts: 1,
} as const;

function couponSeeds(now: Date): Prisma.CouponCreateInput[] {
  return [
    {
      code: "HEMAT10",
      kind: DiscountKind.PERCENT,
      value: 10,
      maxDiscountIdr: 50_000,
      minOrderIdr: 50_000,
      validFrom: new Date(now.getTime() - DAY_MS),
      validTo: new Date(now.getTime() + 90 * DAY_MS),
      usageLimit: 500,
      perUserLimit: 1,
      firstOrderOnly: false,
      active: true,
    },
    {
      code: "BARU25K",
      kind: DiscountKind.FIXED,
      value: 25_000,
      minOrderIdr: 50_000,
      validFrom: null,
      validTo: null,
      usageLimit: null,
      perUserLimit: 1,
      firstOrderOnly: true,
      active: true,
    },
    {
      // Expired: for demonstrating the "kupon sudah kedaluwarsa" path.
      code: "LAMA50",
      kind: DiscountKind.PERCENT,
      value: 50,
      maxDiscountIdr: 100_000,
      validFrom: new Date(now.getTime() - 60 * DAY_MS),
      validTo: new Date(now.getTime() - 30 * DAY_MS),
      usageLimit: 100,
      perUserLimit: 1,
      firstOrderOnly: false,
      active: true,
    },
  ];
}

/** Upserts the demo catalog (idempotent). Returns the row counts it is responsible for. */
export async function seedDemoCatalog(prisma: PrismaClient, now: Date = new Date()): Promise<typeof DEMO_COUNTS> {
  await prisma.$transaction(
    async (tx) => {
      const tier = await tx.resellerTier.upsert({
        where: { code: DEMO_RESELLER_TIER.code },
        create: { ...DEMO_RESELLER_TIER },
        update: { name: DEMO_RESELLER_TIER.name, active: true },
      });

      for (const [providerIndex, p] of DEMO_PROVIDERS.entries()) {
        const provider = await tx.provider.upsert({
          where: { code: p.code },
          create: { code: p.code, name: p.name, sortOrder: providerIndex },
          update: { name: p.name, active: true, sortOrder: providerIndex },
        });

        const imageIds: number[] = [];
        for (const [i, img] of p.images.entries()) {
          const image = await tx.osImage.upsert({
            where: { providerId_code: { providerId: provider.id, code: img.code } },
            create: { providerId: provider.id, ...img, sortOrder: i },
            update: { name: img.name, providerRef: img.providerRef, active: true, sortOrder: i },
          });
          imageIds.push(image.id);
        }

        for (const [i, plan] of p.plans.entries()) {
          const { prices, stock, ...specs } = plan;
          const row = await tx.plan.upsert({
            where: { code: plan.code },
            create: { ...specs, providerId: provider.id, stock: stock ?? null, sortOrder: providerIndex * 100 + i },
            // Not `stock`: it is consumed by real orders.
            update: { ...specs, providerId: provider.id, active: true, sortOrder: providerIndex * 100 + i },
          });

          for (const [d, durationMonths] of DEMO_DURATIONS.entries()) {
            const priceIdr = prices[d]!;
            await tx.planPrice.upsert({
              where: { planId_durationMonths: { planId: row.id, durationMonths } },
              create: { planId: row.id, durationMonths, priceIdr },
              update: { priceIdr, active: true },
            });
            const tierPrice = resellerPrice(priceIdr);
            await tx.resellerPrice.upsert({
              where: { tierId_planId_durationMonths: { tierId: tier.id, planId: row.id, durationMonths } },
              create: { tierId: tier.id, planId: row.id, durationMonths, priceIdr: tierPrice },
              update: { priceIdr: tierPrice },
            });
          }

          for (const imageId of imageIds) {
            await tx.planImage.upsert({
              where: { planId_imageId: { planId: row.id, imageId } },
              create: { planId: row.id, imageId },
              update: {},
            });
          }
        }
      }

      // Promo has no natural unique key: find it by plan + label.
      const promoPlan = await tx.plan.findUniqueOrThrow({ where: { code: DEMO_PROMO.planCode } });
      const promoData = {
        durationMonths: DEMO_PROMO.durationMonths,
        kind: DEMO_PROMO.kind,
        value: DEMO_PROMO.value,
        maxDiscountIdr: null,
        startsAt: new Date(now.getTime() - DAY_MS),
        endsAt: new Date(now.getTime() + 30 * DAY_MS),
        active: true,
      };
      const promo = await tx.promo.findFirst({ where: { planId: promoPlan.id, label: DEMO_PROMO.label } });
      if (promo) await tx.promo.update({ where: { id: promo.id }, data: promoData });
      else await tx.promo.create({ data: { ...promoData, planId: promoPlan.id, label: DEMO_PROMO.label } });

      for (const coupon of couponSeeds(now)) {
        // `usedCount` is left alone on update: it counts real redemptions.
        await tx.coupon.upsert({ where: { code: coupon.code }, create: coupon, update: coupon });
      }

      await tx.bankAccount.upsert({
        where: { bankName_accountNumber: { bankName: DEMO_BANK_ACCOUNT.bankName, accountNumber: DEMO_BANK_ACCOUNT.accountNumber } },
        create: { ...DEMO_BANK_ACCOUNT },
        update: { accountHolder: DEMO_BANK_ACCOUNT.accountHolder, active: true },
      });
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
  return DEMO_COUNTS;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const prisma = createPrisma(url, { max: 2, applicationName: "vps-shop:seed" });
  try {
    const counts = await seedDemoCatalog(prisma);
    const where = new URL(url);
    console.log(`Seeded demo catalog into ${where.host}${where.pathname}:`, counts);
  } finally {
    await prisma.$disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The project's .env, as db:migrate and npm start read it; a variable already in the environment wins.
  if (existsSync(".env")) process.loadEnvFile(".env");
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
