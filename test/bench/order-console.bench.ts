/**
 * The orders console on a shop with 1,000,000 orders (synthetic, made with generate_series in a
 * scratch database): 100,000 customers (names from a small list, so a name matches thousands of
 * them; 70% with a username), 1,000,000 orders over a year in every status and provider, one
 * payment and two status-history rows each, a callback for every gateway payment.
 *
 * - order search: `searchOrders` as /order calls it, one page, for a mix of what staff type —
 *   a reference, @username, a Telegram id, a common and a rare name, each status, each provider,
 *   a date range, a status with a provider, and the next page of a long list;
 * - order card: `loadOrderCard` of a random order plus rendering it (what /order <ref> answers).
 * Target (issue 11): p95 under 50 ms each. BENCH_ORDERS overrides the size.
 */
import pg from "pg";
import { createPrisma } from "../../db/client.js";
import { orderCard } from "../../bot/features/order-console.views.js";
import { loadOrderCard } from "../../shop/orders/console/card.js";
import { jakartaDaysAgo, type OrderFilter } from "../../shop/orders/console/filters.js";
import { searchOrders } from "../../shop/orders/console/search.js";
import { fmt, latencyStats, table, target, type BenchReport } from "./report.js";
import { createBenchDatabase } from "./support.js";

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const USERS = Math.max(10, Math.floor(ORDERS / 10));
/** Orders are spread evenly over the last year. */
const SPACING_S = Math.max(1, Math.floor((365 * 86_400) / ORDERS));
const ROUNDS = Number(process.env.BENCH_ORDER_ROUNDS ?? 30);

const STATUS_BUCKETS = `CASE
  WHEN g % 100 < 50 THEN 'ACTIVE' WHEN g % 100 < 75 THEN 'EXPIRED' WHEN g % 100 < 80 THEN 'PAID'
  WHEN g % 100 < 85 THEN 'CANCELLED' WHEN g % 100 < 88 THEN 'REFUNDED' WHEN g % 100 < 93 THEN 'PENDING_PAYMENT'
  WHEN g % 100 < 95 THEN 'PAYMENT_REVIEW' WHEN g % 100 < 98 THEN 'PROVISIONING_FAILED' ELSE 'PROVISIONING' END`;

async function generate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO users (telegram_id, first_name, username, updated_at)
      SELECT 6000000000 + g,
             (ARRAY['Budi','Siti','Agus','Dewi','Rina','Joko','Ani','Eko','Putri','Wayan'])[1 + g % 10] || ' ' || (ARRAY['Santoso','Lestari','Wijaya','Saputra','Hidayat'])[1 + g % 5] || ' ' || g,
             CASE WHEN g % 10 < 7 THEN 'pelanggan_' || g END, now()
        FROM generate_series(1, ${USERS}) g`);
    await client.query(`
      INSERT INTO orders (reference, user_id, kind, status, plan_code, plan_name, provider_code, provider_size_slug, region, image_code, image_name,
                          provider_image_ref, duration_months, base_price_idr, promo_discount_idr, total_idr, payment_fee_idr, snapshot,
                          payment_deadline, paid_at, created_at, updated_at)
      SELECT 'ORD-B' || lpad(g::text, 7, '0'), (SELECT min(id) FROM users) + ((g::bigint * 7919) % ${USERS})::int,
             'NEW_VPS', (${STATUS_BUCKETS})::"OrderStatus",
             'plan-' || g % 12, 'Paket ' || g % 12, (ARRAY['DIGITALOCEAN','VULTR','LINODE'])[1 + g % 3]::"ProviderCode", 's-1vcpu-1gb', 'sgp1',
             'ubuntu-22.04', 'Ubuntu 22.04', 'ubuntu-22-04-x64', 1 + g % 3, 80000 + (g % 50) * 1000, 5000, 75000 + (g % 50) * 1000, 1500,
             jsonb_build_object('planCode', 'plan-' || g % 12),
             now() - (${ORDERS} - g) * interval '${SPACING_S} seconds' + interval '1 hour',
             CASE WHEN g % 100 < 80 OR g % 100 >= 95 THEN now() - (${ORDERS} - g) * interval '${SPACING_S} seconds' + interval '5 minutes' END,
             now() - (${ORDERS} - g) * interval '${SPACING_S} seconds', now()
        FROM generate_series(1, ${ORDERS}) g`);
    await client.query(`
      INSERT INTO payments (order_id, gateway, method, gateway_reference, attempt_ref, amount_idr, fee_idr, total_idr, status, paid_at, received_idr, review_why, created_at, updated_at)
      SELECT o.id, (ARRAY['TRIPAY','MIDTRANS','WALLET'])[1 + o.id % 3]::"PaymentGateway", 'QRIS', 'G' || o.id, 'ATT-' || o.id,
             o.total_idr, o.payment_fee_idr, o.total_idr + o.payment_fee_idr,
             (CASE WHEN o.paid_at IS NOT NULL AND o.status <> 'PAYMENT_REVIEW' THEN 'PAID' WHEN o.status = 'PAYMENT_REVIEW' THEN 'REVIEW'
                   WHEN o.status = 'PENDING_PAYMENT' THEN 'PENDING' ELSE 'EXPIRED' END)::"PaymentStatus",
             o.paid_at, CASE WHEN o.paid_at IS NOT NULL THEN o.total_idr + o.payment_fee_idr END,
             CASE WHEN o.status = 'PAYMENT_REVIEW' THEN 'amount_mismatch' END, o.created_at, now()
        FROM orders o`);
    await client.query(`
      INSERT INTO order_status_history (order_id, from_status, to_status, actor_type, actor_id, reason, created_at)
      SELECT id, NULL::"OrderStatus", 'PENDING_PAYMENT'::"OrderStatus", 'CUSTOMER'::"ActorType", user_id::text, NULL, created_at FROM orders
      UNION ALL
      SELECT id, 'PENDING_PAYMENT'::"OrderStatus", status, 'GATEWAY'::"ActorType", 'tripay', 'bench', created_at + interval '5 minutes' FROM orders WHERE status <> 'PENDING_PAYMENT'`);
    await client.query(`
      INSERT INTO payment_callbacks (gateway, received_at, verified, event, reference, merchant_ref, status, raw_body, headers, outcome)
      SELECT gateway, created_at + interval '5 minutes', true, 'payment_status', gateway_reference, attempt_ref, status::text,
             '{"total_amount":' || total_idr || '}', '{}'::jsonb, 'paid'
        FROM payments WHERE gateway <> 'WALLET'`);
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
}

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

export async function run(): Promise<BenchReport> {
  const db = await createBenchDatabase();
  const prisma = createPrisma(db.url, { max: 4 });
  try {
    let t = performance.now();
    await generate(db.url);
    const generateMs = performance.now() - t;
    const t0 = (key: string, vars?: Record<string, string | number>) => `${key}${vars ? JSON.stringify(vars) : ""}`;

    // What staff type: one of each kind per round, with values that change every round.
    const searches: Array<{ kind: string; filter: (i: number) => OrderFilter; next?: boolean }> = [
      { kind: "reference", filter: (i) => ({ reference: `ORD-B${String(1 + ((i * 104_729) % ORDERS)).padStart(7, "0")}` }) },
      { kind: "@username", filter: (i) => ({ username: `pelanggan_${1 + ((i * 7 + 3) * 10 + 1) % USERS}` }) },
      { kind: "telegram id", filter: (i) => ({ telegramId: String(6_000_000_000 + 1 + ((i * 331) % USERS)) }) },
      { kind: "name (common)", filter: (i) => ({ name: pick(["budi", "lestari", "siti lestari", "eko"], i) }) },
      { kind: "name (rare)", filter: (i) => ({ name: `Santoso ${1 + ((i * 997) % USERS)}` }) },
      { kind: "status", filter: (i) => ({ status: pick(["PENDING_PAYMENT", "PAYMENT_REVIEW", "PROVISIONING_FAILED", "ACTIVE", "REFUNDED", "PROVISIONING"] as const, i) }) },
      { kind: "provider", filter: (i) => ({ provider: pick(["DIGITALOCEAN", "VULTR", "LINODE"] as const, i) }) },
      { kind: "date range", filter: (i) => ({ from: jakartaDaysAgo(30 + (i % 200)), to: jakartaDaysAgo(29 + (i % 200)) }) },
      { kind: "status + provider", filter: (i) => ({ status: pick(["PROVISIONING_FAILED", "PAYMENT_REVIEW", "EXPIRED"] as const, i), provider: pick(["VULTR", "LINODE", "DIGITALOCEAN"] as const, i) }) },
      { kind: "next page", filter: (i) => ({ status: pick(["ACTIVE", "EXPIRED"] as const, i) }), next: true },
    ];
    const perKind = new Map<string, number[]>();
    const all: number[] = [];
    const cards: number[] = [];
    // Warm-up round (connections, plans, caches): not measured.
    for (const s of searches) await searchOrders(prisma, s.filter(0));
    for (let i = 1; i <= ROUNDS; i++) {
      for (const s of searches) {
        const filter = s.filter(i);
        let cursor = {};
        if (s.next) {
          const first = await searchOrders(prisma, filter);
          cursor = { before: first.rows.at(-1)!.id };
        }
        t = performance.now();
        const page = await searchOrders(prisma, filter, cursor);
        const ms = performance.now() - t;
        if (s.kind !== "name (rare)" && s.kind !== "@username" && page.rows.length === 0) throw new Error(`search ${s.kind} ${JSON.stringify(filter)} found nothing`);
        all.push(ms);
        perKind.set(s.kind, [...(perKind.get(s.kind) ?? []), ms]);
      }
      for (let k = 0; k < searches.length; k++) {
        const ref = `ORD-B${String(1 + ((i * 7_919 + k * 104_729) % ORDERS)).padStart(7, "0")}`;
        t = performance.now();
        const card = await loadOrderCard(prisma, ref);
        if (!card) throw new Error(`card ${ref} not found`);
        orderCard(t0, card, "id");
        cards.push(performance.now() - t);
      }
    }
    const search = latencyStats(all);
    const card = latencyStats(cards);
    const rows = [...perKind].map(([kind, samples]) => {
      const s = latencyStats(samples);
      return [kind, fmt.ms(s.p50), fmt.ms(s.p95), fmt.ms(s.max)];
    });
    return {
      name: "order-console",
      title: `Orders console on ${ORDERS.toLocaleString("en")} orders (${USERS.toLocaleString("en")} customers, ${ORDERS.toLocaleString("en")} payments, ~${(2 * ORDERS).toLocaleString("en")} history rows)`,
      lines: [
        `generate (SQL, not part of the targets): ${(generateMs / 1000).toFixed(1)} s; ${ROUNDS} rounds`,
        "",
        ...table(["search", "p50 ms", "p95 ms", "max ms"], rows),
        "",
        ...table(
          ["", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"],
          [
            ["order search (all kinds)", search.count, fmt.ms(search.p50), fmt.ms(search.p95), fmt.ms(search.p99), fmt.ms(search.max)],
            ["order card (load + render)", card.count, fmt.ms(card.p50), fmt.ms(card.p95), fmt.ms(card.p99), fmt.ms(card.max)],
          ],
        ),
      ],
      data: { orders: ORDERS, users: USERS, generateMs, search, card, perKind: Object.fromEntries([...perKind].map(([k, v]) => [k, latencyStats(v)])) },
      targets: [target("order search p95", Math.round(search.p95 * 10) / 10, "<", 50, " ms"), target("order card p95", Math.round(card.p95 * 10) / 10, "<", 50, " ms")],
    };
  } finally {
    await prisma.$disconnect();
    await db.drop();
  }
}
