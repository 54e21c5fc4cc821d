import type { Db, PrismaClient, ProviderCode } from "../../db/client.js";
import { judgeCoupon, normalizeCouponCode, type CouponRejection } from "../pricing/coupon-rules.js";
import { listPrice, withCoupon, type DiscountRule, type ListPrice, type PriceBreakdown, type PromoRule } from "../pricing/discounts.js";
import { catalogFlagsAvailability, type AvailabilityChecker } from "./availability.js";
import { Memo } from "./memo.js";

/**
 * Read side of the catalog, in shapes that survive JSON (the bot's
 * conversations store replay logs as JSON): dates are ISO strings.
 */
export type PriceView = Omit<ListPrice, "promo"> & { promo?: { id: number; label: string; endsAt: string } };

export interface ProviderView {
  code: ProviderCode;
  name: string;
  plans: number;
}

export interface PlanView {
  id: number;
  code: string;
  name: string;
  providerCode: ProviderCode;
  providerName: string;
  vcpu: number;
  memoryMb: number;
  diskGb: number;
  bandwidthGb: number;
  region: string;
  available: boolean;
  /** The cheapest duration's price, for list views. */
  from: PriceView | null;
}

export interface PlanOffer {
  plan: PlanView;
  prices: PriceView[];
  images: Array<{ id: number; code: string; name: string }>;
}

/** Who is buying: decides reseller prices and coupon limits. */
export interface Buyer {
  userId: number;
  resellerTierId: number | null;
}

export interface QuoteRequest {
  planId: number;
  durationMonths: number;
  imageId: number;
  couponCode?: string | null;
}

/** Everything an order freezes, computed from the catalog at one moment. */
export interface Quote {
  planId: number;
  planCode: string;
  planName: string;
  providerCode: ProviderCode;
  providerName: string;
  providerSizeSlug: string;
  region: string;
  specs: { vcpu: number; memoryMb: number; diskGb: number; bandwidthGb: number };
  durationMonths: number;
  imageId: number;
  imageCode: string;
  imageName: string;
  providerImageRef: string;
  price: PriceView;
  coupon: { id: number; code: string; kind: "PERCENT" | "FIXED"; value: number } | null;
  breakdown: PriceBreakdown;
  quotedAt: string;
}

export type QuoteUnavailable = "plan_unavailable" | "sold_out" | "duration_unavailable" | "image_unavailable";

export type QuoteResult =
  | { ok: true; quote: Quote; couponRejection?: { reason: CouponRejection; minOrderIdr?: number } }
  | { ok: false; reason: QuoteUnavailable };

function toView(price: ListPrice): PriceView {
  const { promo, ...rest } = price;
  return promo ? { ...rest, promo: { id: promo.id, label: promo.label, endsAt: promo.endsAt.toISOString() } } : rest;
}

type PlanRow = {
  id: number;
  code: string;
  name: string;
  vcpu: number;
  memoryMb: number;
  diskGb: number;
  bandwidthGb: number;
  region: string;
  providerSizeSlug: string;
  active: boolean;
  stock: number | null;
  provider: { code: ProviderCode; name: string; active: boolean };
  prices: Array<{ durationMonths: number; priceIdr: number; active: boolean }>;
  promos: PromoRule[];
  resellerPrices: Array<{ durationMonths: number; priceIdr: number; tierId: number }>;
};

type OfferRow = PlanRow & { images: Array<{ image: { id: number; code: string; name: string; active: boolean; sortOrder: number } }> };

/**
 * The catalog as customers see it: only configured, active providers; prices
 * per duration with promos and reseller tiers applied; sold-out plans marked.
 */
export class Catalog {
  private readonly cache: Memo;
  /** The catalog_version the cached rows belong to (null: nothing read yet). */
  private seenVersion: bigint | null = null;

  /**
   * `cacheTtlMs` keeps catalog rows (not prices: those are computed per call,
   * so promo windows stay exact) in memory for browsing. Quotes — what orders
   * are priced from — always read the database.
   */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly opts: { providers: ProviderCode[]; availability?: AvailabilityChecker; cacheTtlMs?: number },
  ) {
    this.cache = new Memo(opts.cacheTtlMs ?? 0);
  }

  /** How many catalog loads the browsing cache holds (bounded; see Memo). */
  get cachedEntries(): number {
    return this.cache.size;
  }

  /** Drops cached rows (after a seller edits the catalog). */
  invalidate(): void {
    this.cache.clear();
  }

  /**
   * Drops the cache when the catalog changed since it was filled, in this process or another
   * (catalog_version moves by trigger in the changing transaction): an owner's new price or a
   * plan's last unit sold shows on the next screen, not after the cache's TTL. One primary-key
   * read per browse; a load started before the change is dropped with the cache, so nothing
   * older than the version read here is kept under it.
   */
  private async fresh(): Promise<void> {
    if (!this.opts.cacheTtlMs) return;
    const row = await this.prisma.catalogVersion.findUnique({ where: { id: 1 }, select: { version: true } });
    const version = row?.version ?? 0n;
    if (version !== this.seenVersion) {
      this.cache.clear();
      this.seenVersion = version;
    }
  }

  private get availability(): AvailabilityChecker {
    return this.opts.availability ?? catalogFlagsAvailability;
  }

  private planInclude() {
    return {
      provider: { select: { code: true, name: true, active: true } },
      prices: { where: { active: true }, orderBy: { durationMonths: "asc" as const } },
      promos: { where: { active: true } },
      // A switched-off tier gives no prices: its members pay the public price.
      resellerPrices: { where: { tier: { active: true } } },
    };
  }

  private prices(row: PlanRow, buyer: Buyer, now: Date): ListPrice[] {
    const tier = buyer.resellerTierId;
    return row.prices
      .filter((p) => p.active)
      .map((p) =>
        listPrice({
          durationMonths: p.durationMonths,
          publicPriceIdr: p.priceIdr,
          resellerPriceIdr: tier === null ? undefined : row.resellerPrices.find((r) => r.tierId === tier && r.durationMonths === p.durationMonths)?.priceIdr,
          promos: row.promos,
          now,
        }),
      );
  }

  private async planView(row: PlanRow, buyer: Buyer, now: Date): Promise<PlanView> {
    const prices = this.prices(row, buyer, now);
    const available = await this.availability.isAvailable({ ...row, providerCode: row.provider.code });
    return {
      id: row.id,
      code: row.code,
      name: row.name,
      providerCode: row.provider.code,
      providerName: row.provider.name,
      vcpu: row.vcpu,
      memoryMb: row.memoryMb,
      diskGb: row.diskGb,
      bandwidthGb: row.bandwidthGb,
      region: row.region,
      available: available && prices.length > 0,
      from: prices[0] ? toView(prices[0]) : null,
    };
  }

  private offered(code: ProviderCode): boolean {
    return this.opts.providers.includes(code);
  }

  /** Providers that are both configured and active, with how many plans each sells. */
  async providers(): Promise<ProviderView[]> {
    await this.fresh();
    return this.cache.get("providers", () => this.loadProviders());
  }

  private async loadProviders(): Promise<ProviderView[]> {
    const rows = await this.prisma.provider.findMany({
      where: { active: true, code: { in: this.opts.providers } },
      orderBy: [{ sortOrder: "asc" }, { id: "asc" }],
      include: { _count: { select: { plans: { where: { active: true } } } } },
    });
    return rows.filter((r) => r._count.plans > 0).map((r) => ({ code: r.code, name: r.name, plans: r._count.plans }));
  }

  /** Active plans of one provider, in display order. */
  async plans(providerCode: ProviderCode, buyer: Buyer, now: Date): Promise<PlanView[]> {
    if (!this.offered(providerCode)) return [];
    await this.fresh();
    const rows = await this.cache.get(`plans:${providerCode}`, async () =>
      (await this.prisma.plan.findMany({
        where: { active: true, provider: { code: providerCode, active: true } },
        orderBy: [{ sortOrder: "asc" }, { id: "asc" }],
        include: this.planInclude(),
      })) as PlanRow[],
    );
    return Promise.all(rows.map((row) => this.planView(row, buyer, now)));
  }

  /** One plan with every duration's price and its OS images; null if it cannot be bought. */
  async offer(planId: number, buyer: Buyer, now: Date): Promise<PlanOffer | null> {
    await this.fresh();
    // Only plans that exist are kept: ids come from callback data, which anyone can forge.
    const row = await this.cache.get(
      `offer:${planId}`,
      async () =>
        (await this.prisma.plan.findUnique({
          where: { id: planId },
          include: { ...this.planInclude(), images: { include: { image: true } } },
        })) as OfferRow | null,
      (found) => found !== null,
    );
    return this.offerOf(row, buyer, now);
  }

  /**
   * Every plan on sale with its offer, in display order (providers, then plans): the whole
   * catalog in one read, for a full listing (the reseller API's catalog) instead of a read per
   * provider and per plan. The same rows and rules as `offer()`.
   */
  async offers(buyer: Buyer, now: Date): Promise<PlanOffer[]> {
    await this.fresh();
    const rows = await this.cache.get(
      "offers:all",
      async () =>
        (await this.prisma.plan.findMany({
          where: { active: true, provider: { active: true, code: { in: this.opts.providers } } },
          orderBy: [{ provider: { sortOrder: "asc" } }, { provider: { id: "asc" } }, { sortOrder: "asc" }, { id: "asc" }],
          include: { ...this.planInclude(), images: { include: { image: true } } },
        })) as OfferRow[],
    );
    const offers = await Promise.all(rows.map((row) => this.offerOf(row, buyer, now)));
    return offers.filter((o): o is PlanOffer => o !== null);
  }

  private async offerOf(row: OfferRow | null, buyer: Buyer, now: Date): Promise<PlanOffer | null> {
    if (!row || !row.active || !row.provider.active || !this.offered(row.provider.code)) return null;
    const images = row.images
      .map((i) => i.image)
      .filter((i) => i.active)
      .sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id)
      .map(({ id, code, name }) => ({ id, code, name }));
    return { plan: await this.planView(row, buyer, now), prices: this.prices(row, buyer, now).map(toView), images };
  }

  /**
   * Prices one concrete choice from the catalog as it is at `now`. Run it inside
   * the order transaction (pass the transaction as `db`) so the frozen price is
   * exactly what was checked. A rejected coupon still yields a quote without it.
   */
  async quote(db: Db, req: QuoteRequest, buyer: Buyer, now: Date, opts: { display?: boolean } = {}): Promise<QuoteResult> {
    type QuoteRow = PlanRow & { images: Array<{ image: { id: number; code: string; name: string; providerRef: string; active: boolean } }> };
    // A summary on screen may use the browsing cache; the order itself is always priced from the database.
    const load = async () =>
      (await db.plan.findUnique({
        where: { id: req.planId },
        include: { ...this.planInclude(), images: { include: { image: true } } },
      })) as QuoteRow | null;
    if (opts.display) await this.fresh();
    const full = opts.display ? await this.cache.get(`offer:${req.planId}`, load, (found) => found !== null) : await load();
    const row = full ? { ...full, images: full.images.filter((i) => i.image.id === req.imageId) } : null;
    if (!row || !row.active || !row.provider.active || !this.offered(row.provider.code)) return { ok: false, reason: "plan_unavailable" };
    if (!(await this.availability.isAvailable({ ...row, providerCode: row.provider.code }))) return { ok: false, reason: "sold_out" };
    const price = this.prices(row, buyer, now).find((p) => p.durationMonths === req.durationMonths);
    if (!price) return { ok: false, reason: "duration_unavailable" };
    const image = row.images[0]?.image;
    if (!image || !image.active) return { ok: false, reason: "image_unavailable" };

    let coupon: Quote["coupon"] = null;
    let couponRejection: { reason: CouponRejection; minOrderIdr?: number } | undefined;
    let applied: DiscountRule | undefined;
    if (req.couponCode) {
      const code = normalizeCouponCode(req.couponCode);
      const rule = await db.coupon.findUnique({ where: { code } });
      // Sequential on purpose: `db` may be a transaction, which is one connection.
      const userRedemptions = rule ? await db.couponRedemption.count({ where: { couponId: rule.id, userId: buyer.userId, status: "ACTIVE" } }) : 0;
      const paidOrders = rule?.firstOrderOnly ? await db.order.count({ where: { userId: buyer.userId, paidAt: { not: null } } }) : 0;
      const verdict = judgeCoupon(rule, {
        now,
        planId: row.id,
        durationMonths: req.durationMonths,
        subtotalIdr: price.subtotalIdr,
        userRedemptions,
        userHasPaidOrder: paidOrders > 0,
      });
      if (verdict.ok && rule) {
        coupon = { id: rule.id, code: rule.code, kind: rule.kind, value: rule.value };
        applied = rule;
      } else if (!verdict.ok) couponRejection = { reason: verdict.reason, ...(verdict.minOrderIdr !== undefined ? { minOrderIdr: verdict.minOrderIdr } : {}) };
    }
    const quote = this.toQuote(row, image, req, price, coupon, withCoupon(price, applied), now);
    return { ok: true, quote, ...(couponRejection ? { couponRejection } : {}) };
  }

  private toQuote(
    row: PlanRow,
    image: { id: number; code: string; name: string; providerRef: string },
    req: QuoteRequest,
    price: ListPrice,
    coupon: Quote["coupon"],
    breakdown: PriceBreakdown,
    now: Date,
  ): Quote {
    return {
      planId: row.id,
      planCode: row.code,
      planName: row.name,
      providerCode: row.provider.code,
      providerName: row.provider.name,
      providerSizeSlug: row.providerSizeSlug,
      region: row.region,
      specs: { vcpu: row.vcpu, memoryMb: row.memoryMb, diskGb: row.diskGb, bandwidthGb: row.bandwidthGb },
      durationMonths: req.durationMonths,
      imageId: image.id,
      imageCode: image.code,
      imageName: image.name,
      providerImageRef: image.providerRef,
      price: toView(price),
      coupon,
      breakdown,
      quotedAt: now.toISOString(),
    };
  }
}
