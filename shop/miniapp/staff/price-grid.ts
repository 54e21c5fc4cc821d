import type { PrismaClient, ProviderCode } from "../../../db/client.js";

/** One plan as a row of the price editor: its prices by duration (months), switched on or off. */
export interface PriceGridRow {
  id: number;
  code: string;
  name: string;
  providerCode: ProviderCode;
  region: string;
  specs: { vcpu: number; memoryMb: number; diskGb: number };
  active: boolean;
  stock: number | null;
  prices: Record<number, { priceIdr: number; active: boolean }>;
  /** Reseller prices by tier id, then duration (a tier without one pays the public price). */
  resellerPrices: Record<number, Record<number, number>>;
}

export interface PriceGrid {
  providers: Array<{ code: ProviderCode; name: string; active: boolean }>;
  tiers: Array<{ id: number; code: string; name: string }>;
  /** The columns: every duration any plan has a price for, ascending. */
  durations: number[];
  rows: PriceGridRow[];
}

/**
 * The whole catalog as one table, plans × durations (public prices, and each reseller tier's), for the Mini App's price editor (the bot's
 * /shop shows it plan by plan). Every plan, on or off, in the catalog's display order.
 */
export async function priceGrid(prisma: PrismaClient): Promise<PriceGrid> {
  const [providers, tiers, plans] = await Promise.all([
    prisma.provider.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }], select: { code: true, name: true, active: true } }),
    prisma.resellerTier.findMany({ orderBy: { id: "asc" }, select: { id: true, code: true, name: true } }),
    prisma.plan.findMany({
      orderBy: [{ provider: { sortOrder: "asc" } }, { sortOrder: "asc" }, { id: "asc" }],
      include: { provider: { select: { code: true } }, prices: { orderBy: { durationMonths: "asc" } }, resellerPrices: true },
    }),
  ]);
  const durations = [...new Set(plans.flatMap((p) => p.prices.map((x) => x.durationMonths)))].sort((a, b) => a - b);
  const rows = plans.map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    providerCode: p.provider.code,
    region: p.region,
    specs: { vcpu: p.vcpu, memoryMb: p.memoryMb, diskGb: p.diskGb },
    active: p.active,
    stock: p.stock,
    prices: Object.fromEntries(p.prices.map((x) => [x.durationMonths, { priceIdr: x.priceIdr, active: x.active }])),
    resellerPrices: p.resellerPrices.reduce<Record<number, Record<number, number>>>((byTier, r) => {
      (byTier[r.tierId] ??= {})[r.durationMonths] = r.priceIdr;
      return byTier;
    }, {}),
  }));
  return { providers, tiers, durations, rows };
}
