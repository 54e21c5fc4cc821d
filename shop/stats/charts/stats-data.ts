import { Prisma, type PrismaClient } from "../../../db/client.js";
import { dayKeys, type StatsPeriod } from "./period.js";

/**
 * Revenue, precisely: the order total (price after promo and coupon, in integer rupiah; gateway
 * fees and a transfer's unique code are not the shop's) of every NEW_VPS or RENEWAL order paid
 * in the period, on the Jakarta day of its `paid_at`, whose money the shop still holds: status
 * PAID, PROVISIONING, ACTIVE or PROVISIONING_FAILED (a seller may still retry it), and no payment
 * of it taken back by the gateway (payment REFUNDED: refund or chargeback). REFUNDED orders are
 * not revenue. Wallet top-ups are not either: that money is the customer's until an order spends
 * it, and the order paid from the wallet is counted then (so nothing is counted twice).
 */
/** Order statuses whose money the shop holds (the first half of the revenue rule above). */
const KEPT_STATUS = Prisma.sql`o.status::text IN ('PAID', 'PROVISIONING', 'ACTIVE', 'PROVISIONING_FAILED')`;

export const IS_REVENUE = Prisma.sql`(o.kind IN ('NEW_VPS', 'RENEWAL') AND ${KEPT_STATUS}
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'REFUNDED'))`;

export interface DailyPoint {
  /** Jakarta day, `YYYY-MM-DD`. */
  day: string;
  revenueIdr: number;
  paidOrders: number;
}

export interface StatsData {
  period: StatsPeriod;
  /** One point per day of `[dailyFrom, to)`, zero days included. */
  daily: DailyPoint[];
  revenue: { idr: number; orders: number; refundedOrders: number; refundedIdr: number };
  /**
   * NEW_VPS checkouts created in the period, and how far they got: a multi-VPS checkout's sibling
   * orders count once (per step, once if any sibling got there). `viewers` are unique viewers per day, summed.
   */
  funnel: { views: number; viewers: number; orders: number; paid: number; active: number };
  /** Revenue orders by the gateway of their paid payment (WALLET = paid from the balance). */
  methods: Array<{ gateway: string; orders: number; idr: number }>;
  /** Provisioning runs started in the period: outcome per day and how long the good ones took. */
  provisioning: {
    done: number;
    failed: number;
    running: number;
    p50Seconds: number | null;
    p95Seconds: number | null;
    daily: Array<{ day: string; done: number; failed: number }>;
  };
  /** Best-selling plans of the period by revenue. */
  topPlans: Array<{ plan: string; provider: string; orders: number; idr: number }>;
  /** Servers now live (ACTIVE or powered OFF) and SUSPENDED, per cloud. */
  activeByProvider: Array<{ provider: string; active: number; suspended: number }>;
}

const num = (v: unknown) => Number(v ?? 0);

/** Every number the charts and captions show, read in a handful of queries (each on an index for a big shop). */
export async function readStatsData(prisma: PrismaClient, period: StatsPeriod): Promise<StatsData> {
  const { from, to, dailyFrom } = period;
  const [sold, funnel, views, provisioning, provisioningDaily, active] = await Promise.all([
    // One pass over the orders paid in the period and their payments (refunded? paid through which
    // gateway?), then every money figure from it: on 1,000,000 orders four separate passes took seconds.
    prisma.$queryRaw<Array<{ daily: Array<{ day: string; idr: number; orders: number }>; revenue: { idr: number; orders: number; refunded_orders: number; refunded_idr: number }; methods: Array<{ gateway: string; orders: number; idr: number }>; top: Array<{ plan: string; provider: string; orders: number; idr: number }> }>>`
      WITH sold AS MATERIALIZED (
        SELECT o.total_idr, o.paid_at, coalesce(o.plan_name, o.plan_code, '?') AS plan, coalesce(o.provider_code::text, '') AS provider,
               (${KEPT_STATUS} AND NOT coalesce(p.refunded, false)) AS counted, coalesce(p.gateway, 'OTHER') AS gateway
          FROM orders o
          LEFT JOIN LATERAL (
            SELECT bool_or(status = 'REFUNDED') AS refunded,
                   (array_agg(gateway::text ORDER BY paid_at DESC NULLS LAST) FILTER (WHERE status = 'PAID'))[1] AS gateway
              FROM payments WHERE order_id = o.id) p ON true
         WHERE o.paid_at >= ${dailyFrom} AND o.paid_at < ${to} AND o.kind IN ('NEW_VPS', 'RENEWAL'))
      SELECT
        (SELECT coalesce(json_agg(d), '[]') FROM (
           SELECT to_char(paid_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD') AS day, sum(total_idr) AS idr, count(*) AS orders FROM sold WHERE counted GROUP BY 1) d) AS daily,
        (SELECT json_build_object('idr', coalesce(sum(total_idr) FILTER (WHERE counted), 0), 'orders', count(*) FILTER (WHERE counted),
                                  'refunded_orders', count(*) FILTER (WHERE NOT counted), 'refunded_idr', coalesce(sum(total_idr) FILTER (WHERE NOT counted), 0))
           FROM sold WHERE paid_at >= ${from}) AS revenue,
        (SELECT coalesce(json_agg(m ORDER BY m.idr DESC, m.gateway), '[]') FROM (
           SELECT gateway, count(*) AS orders, sum(total_idr) AS idr FROM sold WHERE counted AND paid_at >= ${from} GROUP BY 1) m) AS methods,
        (SELECT coalesce(json_agg(t), '[]') FROM (
           SELECT plan, provider, count(*) AS orders, sum(total_idr) AS idr FROM sold WHERE counted AND paid_at >= ${from}
            GROUP BY 1, 2 ORDER BY idr DESC, orders DESC, plan LIMIT 5) t) AS top`,
    prisma.$queryRaw<Array<{ orders: number; paid: number; active: number }>>`
      SELECT count(DISTINCT coalesce(o.checkout_group, o.id::text))::int AS orders,
             count(DISTINCT coalesce(o.checkout_group, o.id::text)) FILTER (WHERE o.paid_at IS NOT NULL)::int AS paid,
             count(DISTINCT coalesce(o.checkout_group, o.id::text)) FILTER (WHERE o.status = 'ACTIVE' OR EXISTS (SELECT 1 FROM order_status_history h WHERE h.order_id = o.id AND h.to_status = 'ACTIVE'))::int AS active
        FROM orders o WHERE o.created_at >= ${from} AND o.created_at < ${to} AND o.kind = 'NEW_VPS'`,
    prisma.$queryRaw<Array<{ views: bigint; viewers: number }>>`
      SELECT coalesce(sum(views), 0)::bigint AS views, count(*)::int AS viewers
        FROM catalog_views_daily WHERE day >= (${from}::timestamptz AT TIME ZONE 'Asia/Jakarta')::date AND day < (${to}::timestamptz AT TIME ZONE 'Asia/Jakarta')::date`,
    prisma.$queryRaw<Array<{ done: number; failed: number; running: number; p50: number | null; p95: number | null }>>`
      SELECT count(*) FILTER (WHERE status = 'DONE')::int AS done, count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
             count(*) FILTER (WHERE status NOT IN ('DONE', 'FAILED'))::int AS running,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) FILTER (WHERE status = 'DONE' AND finished_at IS NOT NULL) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) FILTER (WHERE status = 'DONE' AND finished_at IS NOT NULL) AS p95
        FROM provisioning_tasks WHERE created_at >= ${from} AND created_at < ${to}`,
    prisma.$queryRaw<Array<{ day: string; done: number; failed: number }>>`
      SELECT to_char(created_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD') AS day,
             count(*) FILTER (WHERE status = 'DONE')::int AS done, count(*) FILTER (WHERE status = 'FAILED')::int AS failed
        FROM provisioning_tasks WHERE created_at >= ${from} AND created_at < ${to} GROUP BY 1`,
    prisma.$queryRaw<Array<{ provider: string; active: number; suspended: number }>>`
      SELECT provider_code::text AS provider, count(*) FILTER (WHERE status IN ('ACTIVE', 'OFF'))::int AS active,
             count(*) FILTER (WHERE status = 'SUSPENDED')::int AS suspended
        FROM instances WHERE status IN ('ACTIVE', 'OFF', 'SUSPENDED') GROUP BY 1 ORDER BY 1`,
  ]);
  const { daily, revenue: r, methods, top: topPlans } = sold[0]!;
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const provByDay = new Map(provisioningDaily.map((d) => [d.day, d]));
  const p = provisioning[0];
  return {
    period,
    daily: dayKeys(dailyFrom, to).map((day) => ({ day, revenueIdr: num(byDay.get(day)?.idr), paidOrders: num(byDay.get(day)?.orders) })),
    revenue: { idr: num(r?.idr), orders: num(r?.orders), refundedOrders: num(r?.refunded_orders), refundedIdr: num(r?.refunded_idr) },
    funnel: { views: num(views[0]?.views), viewers: num(views[0]?.viewers), orders: num(funnel[0]?.orders), paid: num(funnel[0]?.paid), active: num(funnel[0]?.active) },
    methods: methods.map((m) => ({ gateway: m.gateway, orders: m.orders, idr: num(m.idr) })),
    provisioning: {
      done: num(p?.done),
      failed: num(p?.failed),
      running: num(p?.running),
      p50Seconds: p?.p50 == null ? null : Math.round(Number(p.p50)),
      p95Seconds: p?.p95 == null ? null : Math.round(Number(p.p95)),
      daily: dayKeys(from, to).map((day) => ({ day, done: num(provByDay.get(day)?.done), failed: num(provByDay.get(day)?.failed) })),
    },
    topPlans: topPlans.map((t) => ({ plan: t.plan, provider: t.provider, orders: t.orders, idr: num(t.idr) })),
    activeByProvider: active,
  };
}
