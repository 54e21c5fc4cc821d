/**
 * What the reseller API shows of a reseller's orders and VPS, in the API's wire shape
 * (snake_case, ISO times, integer rupiah). Every query is scoped to the key's owner: someone
 * else's order or VPS is simply not found.
 */
import type { Prisma, PrismaClient } from "../../db/client.js";
import type { Buyer, Catalog } from "../catalog/catalog.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const ORDER_SELECT = {
  reference: true,
  kind: true,
  status: true,
  planCode: true,
  planName: true,
  region: true,
  imageCode: true,
  durationMonths: true,
  totalIdr: true,
  clientLabel: true,
  createdAt: true,
  paidAt: true,
  createdInstance: { select: { id: true } },
} satisfies Prisma.OrderSelect;

type OrderRow = Prisma.OrderGetPayload<{ select: typeof ORDER_SELECT }>;

export function orderView(o: OrderRow) {
  return {
    reference: o.reference,
    kind: o.kind,
    status: o.status,
    plan_code: o.planCode,
    plan_name: o.planName,
    region: o.region,
    image_code: o.imageCode,
    duration_months: o.durationMonths,
    total_idr: o.totalIdr,
    client_label: o.clientLabel,
    created_at: o.createdAt.toISOString(),
    paid_at: iso(o.paidAt),
    instance_id: o.createdInstance?.id ?? null,
  };
}

/** The reseller's orders, newest first; `label` narrows to one client label. */
export async function listApiOrders(prisma: PrismaClient, userId: number, opts: { page: number; pageSize: number; label?: string }) {
  const where: Prisma.OrderWhereInput = { userId, ...(opts.label !== undefined ? { clientLabel: opts.label } : {}) };
  const [total, rows] = await Promise.all([
    prisma.order.count({ where }),
    prisma.order.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip: opts.page * opts.pageSize, take: opts.pageSize, select: ORDER_SELECT }),
  ]);
  return { total, orders: rows.map(orderView) };
}

export async function apiOrder(prisma: PrismaClient, userId: number, reference: string) {
  const row = await prisma.order.findFirst({ where: { userId, reference }, select: ORDER_SELECT });
  return row ? orderView(row) : null;
}

/** Orders by id (just created), in id order. */
export async function apiOrdersByIds(prisma: PrismaClient, userId: number, ids: number[]) {
  const rows = await prisma.order.findMany({ where: { userId, id: { in: ids } }, orderBy: { id: "asc" }, select: ORDER_SELECT });
  return rows.map(orderView);
}

const INSTANCE_INCLUDE = { order: { select: { reference: true, clientLabel: true } } } satisfies Prisma.InstanceInclude;
type InstanceRow = Prisma.InstanceGetPayload<{ include: typeof INSTANCE_INCLUDE }>;

export function instanceView(i: InstanceRow) {
  return {
    id: i.id,
    order_reference: i.order.reference,
    label: i.label,
    status: i.status,
    provider: i.providerCode,
    region: i.region,
    plan_code: i.planCode,
    image_code: i.imageCode,
    ipv4: i.ipv4,
    ipv6: i.ipv6,
    client_label: i.order.clientLabel,
    expires_at: i.expiresAt.toISOString(),
    auto_renew: i.autoRenew,
    created_at: i.createdAt.toISOString(),
  };
}

export async function listApiInstances(prisma: PrismaClient, userId: number, opts: { page: number; pageSize: number }) {
  const where = { userId };
  const [total, rows] = await Promise.all([
    prisma.instance.count({ where }),
    prisma.instance.findMany({ where, orderBy: { id: "desc" }, skip: opts.page * opts.pageSize, take: opts.pageSize, include: INSTANCE_INCLUDE }),
  ]);
  return { total, instances: rows.map(instanceView) };
}

export async function apiInstance(prisma: PrismaClient, userId: number, id: number) {
  const row = await prisma.instance.findFirst({ where: { id, userId }, include: INSTANCE_INCLUDE });
  return row ? instanceView(row) : null;
}

/** Every plan on sale with the buyer's prices (tier and promos applied) and its images. */
export async function apiCatalog(catalog: Catalog, buyer: Buyer, now = new Date()) {
  // The whole catalog in one read (a read per provider and per plan was 18 round trips).
  const plans = (await catalog.offers(buyer, now)).map(({ plan, prices, images }) => ({
    code: plan.code,
    name: plan.name,
    provider: plan.providerCode,
    provider_name: plan.providerName,
    region: plan.region,
    vcpu: plan.vcpu,
    memory_mb: plan.memoryMb,
    disk_gb: plan.diskGb,
    bandwidth_gb: plan.bandwidthGb,
    available: plan.available,
    prices: prices.map((p) => ({
      duration_months: p.durationMonths,
      price_idr: p.subtotalIdr,
      public_price_idr: p.publicPriceIdr,
      source: p.source,
      ...(p.promo ? { promo: { label: p.promo.label, ends_at: p.promo.endsAt } } : {}),
    })),
    images: images.map((i) => ({ code: i.code, name: i.name })),
  }));
  return { plans };
}
