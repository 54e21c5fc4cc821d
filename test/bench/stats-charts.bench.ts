/**
 * /stats on a big shop: the charts and the queries behind them.
 *
 * - chart rendering: each of the six charts (ECharts SVG server-side, then sharp to PNG) drawn
 *   again and again from the numbers of the synthetic shop; target (issue 11): p95 under 300 ms
 *   per chart. The first draw (loading echarts and sharp) is reported apart, with the memory it
 *   costs the process.
 * - stats queries: `readStatsData` for the last 30 days (what /stats reads) and for the weekly
 *   summary's two weeks, on 1,000,000 synthetic orders over a year (BENCH_STATS_ORDERS) with their
 *   payments, status history, provisioning runs, servers and a year of catalog views.
 *   Our own target: p95 under 1 s for /stats' read (it runs once per tap, not per update).
 */
import { cpus, loadavg } from "node:os";
import pg from "pg";
import { LocaleCache, createI18n } from "../../bot/i18n.js";
import { createPrisma } from "../../db/client.js";
import type { ChartKit } from "../../shop/stats/charts/charts.js";
import { lastDays, previousWeek, startOfJakartaWeek } from "../../shop/stats/charts/period.js";
import { renderChartPng } from "../../shop/stats/charts/render.js";
import { chartSpecs } from "../../shop/stats/charts/report.js";
import { readStatsData } from "../../shop/stats/charts/stats-data.js";
import { fmt, latencyStats, table, target, type BenchReport } from "./report.js";
import { createBenchDatabase } from "./support.js";

const ORDERS = Number(process.env.BENCH_STATS_ORDERS ?? 1_000_000);
const USERS = Math.max(10, Math.floor(ORDERS / 10));
const SPACING_S = Math.max(1, Math.floor((365 * 86_400) / ORDERS));
const RENDER_ROUNDS = Number(process.env.BENCH_CHART_ROUNDS ?? 30);
const QUERY_ROUNDS = Number(process.env.BENCH_STATS_ROUNDS ?? 15);

const STATUS = `CASE
  WHEN g % 100 < 50 THEN 'ACTIVE' WHEN g % 100 < 72 THEN 'EXPIRED' WHEN g % 100 < 76 THEN 'PAID'
  WHEN g % 100 < 82 THEN 'CANCELLED' WHEN g % 100 < 87 THEN 'REFUNDED' WHEN g % 100 < 93 THEN 'PENDING_PAYMENT'
  WHEN g % 100 < 95 THEN 'PAYMENT_REVIEW' WHEN g % 100 < 98 THEN 'PROVISIONING_FAILED' ELSE 'PROVISIONING' END`;

export async function generate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO users (telegram_id, first_name, updated_at, created_at)
      SELECT 6000000000 + g, 'Pelanggan ' || g, now(), now() - (g % 365) * interval '1 day' FROM generate_series(1, ${USERS}) g`);
    // Every 10th order is a wallet top-up (never revenue); the rest new VPS over 12 plans and 3 clouds.
    await client.query(`
      INSERT INTO orders (reference, user_id, kind, status, plan_code, plan_name, provider_code, provider_size_slug, region, image_code,
                          provider_image_ref, duration_months, base_price_idr, total_idr, snapshot, paid_at, created_at, updated_at)
      SELECT 'ORD-S' || lpad(g::text, 7, '0'), (SELECT min(id) FROM users) + ((g::bigint * 7919) % ${USERS})::int,
             (CASE WHEN g % 10 = 0 THEN 'WALLET_TOPUP' ELSE 'NEW_VPS' END)::"OrderKind", (${STATUS})::"OrderStatus",
             CASE WHEN g % 10 <> 0 THEN 'plan-' || g % 12 END, CASE WHEN g % 10 <> 0 THEN 'Paket ' || g % 12 END,
             CASE WHEN g % 10 <> 0 THEN (ARRAY['DIGITALOCEAN','VULTR','LINODE'])[1 + g % 3]::"ProviderCode" END,
             CASE WHEN g % 10 <> 0 THEN 's-1' END, CASE WHEN g % 10 <> 0 THEN 'sgp1' END, CASE WHEN g % 10 <> 0 THEN 'ubuntu' END,
             CASE WHEN g % 10 <> 0 THEN 'ubuntu' END, CASE WHEN g % 10 <> 0 THEN 1 END,
             75000 + (g % 50) * 1000, 75000 + (g % 50) * 1000, '{}'::jsonb,
             CASE WHEN g % 100 < 50 OR g % 100 BETWEEN 72 AND 75 OR g % 100 BETWEEN 82 AND 86 OR g % 100 >= 95
                  THEN now() - (${ORDERS} - g) * interval '${SPACING_S} seconds' + interval '5 minutes' END,
             now() - (${ORDERS} - g) * interval '${SPACING_S} seconds', now()
        FROM generate_series(1, ${ORDERS}) g`);
    await client.query(`
      INSERT INTO payments (order_id, gateway, attempt_ref, amount_idr, total_idr, status, paid_at, created_at, updated_at)
      SELECT o.id, (ARRAY['TRIPAY','MIDTRANS','WALLET','MANUAL_TRANSFER'])[1 + o.id % 4]::"PaymentGateway", 'ATT-' || o.id, o.total_idr, o.total_idr,
             (CASE WHEN o.paid_at IS NULL THEN 'EXPIRED' WHEN o.id % 200 = 0 THEN 'REFUNDED' ELSE 'PAID' END)::"PaymentStatus", o.paid_at, o.created_at, now()
        FROM orders o`);
    await client.query(`
      INSERT INTO order_status_history (order_id, from_status, to_status, actor_type, created_at)
      SELECT id, NULL::"OrderStatus", 'PENDING_PAYMENT'::"OrderStatus", 'CUSTOMER'::"ActorType", created_at FROM orders
      UNION ALL
      SELECT id, 'PROVISIONING'::"OrderStatus", status, 'SYSTEM'::"ActorType", created_at + interval '8 minutes' FROM orders WHERE status = 'ACTIVE'`);
    await client.query(`
      INSERT INTO provisioning_tasks (order_id, status, attempts, created_at, started_at, finished_at, updated_at)
      SELECT id, (CASE WHEN status = 'PROVISIONING_FAILED' THEN 'FAILED' WHEN status = 'PROVISIONING' THEN 'CREATING' ELSE 'DONE' END)::"ProvisioningStatus", 1,
             paid_at, paid_at, CASE WHEN status NOT IN ('PROVISIONING_FAILED', 'PROVISIONING') THEN paid_at + (60 + id % 400) * interval '1 second' END, now()
        FROM orders WHERE kind = 'NEW_VPS' AND paid_at IS NOT NULL`);
    await client.query(`
      INSERT INTO instances (order_id, user_id, provider_code, label, region, plan_code, image_code, status, expires_at, updated_at)
      SELECT id, user_id, provider_code, 'vps-' || id, 'sgp1', plan_code, 'ubuntu',
             (CASE WHEN id % 20 = 0 THEN 'SUSPENDED' WHEN id % 7 = 0 THEN 'OFF' WHEN created_at < now() - interval '90 days' THEN 'DELETED' ELSE 'ACTIVE' END)::"InstanceStatus",
             now() + interval '30 days', now()
        FROM orders WHERE status = 'ACTIVE' AND kind = 'NEW_VPS'`);
    await client.query(`
      INSERT INTO catalog_views_daily (day, user_id, views)
      SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date - d, (SELECT min(id) FROM users) + (d * 131 + u) % ${USERS}, 1 + u % 4
        FROM generate_series(0, 364) d, generate_series(1, ${Math.max(10, Math.floor(ORDERS / 250))}) u
      ON CONFLICT DO NOTHING`);
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
}

/** CPU milliseconds this process used (all threads: libvips rasterizes on its own). Wall time on a shared box counts other processes' turns too. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

export async function run(): Promise<BenchReport> {
  const db = await createBenchDatabase();
  const prisma = createPrisma(db.url, { max: 5 });
  try {
    const genStart = performance.now();
    await generate(db.url);
    const genS = (performance.now() - genStart) / 1000;

    const i18n = createI18n(new LocaleCache());
    const kit: ChartKit = { locale: "id", t: (key, params) => i18n.t("id", key, params) };
    const month = lastDays(30);
    const week = previousWeek(startOfJakartaWeek(new Date()));

    // Queries: /stats' 30 days and the weekly summary's two weeks (each read runs its queries side by side).
    const read = async (period: typeof month) => {
      const t0 = performance.now();
      await readStatsData(prisma, period);
      return performance.now() - t0;
    };
    await read(month); // warm the cache and the plans
    const monthMs: number[] = [];
    const weekMs: number[] = [];
    for (let i = 0; i < QUERY_ROUNDS; i++) {
      monthMs.push(await read(month));
      weekMs.push(await read(week));
    }
    const data = await readStatsData(prisma, month);

    // Charts: the first draw loads echarts and sharp; then each chart many times.
    const specs = chartSpecs(data, kit);
    const rssBefore = rssMb();
    const firstStart = performance.now();
    await renderChartPng(specs[0]!.option);
    const firstMs = performance.now() - firstStart;
    const rssAfterFirst = rssMb();
    const perChart = new Map<string, { wall: number[]; cpu: number[] }>();
    const load = loadavg()[0]!;
    for (let round = 0; round < RENDER_ROUNDS; round++) {
      for (const spec of specs) {
        const [t0, c0] = [performance.now(), cpuMs()];
        await renderChartPng(spec.option);
        const samples = perChart.get(spec.name) ?? { wall: [], cpu: [] };
        samples.wall.push(performance.now() - t0);
        samples.cpu.push(cpuMs() - c0);
        perChart.set(spec.name, samples);
      }
    }
    const rssAfterAll = rssMb();
    const renderStats = [...perChart].map(([name, samples]) => ({ name, ...latencyStats(samples.wall), cpuP50: latencyStats(samples.cpu).p50 }));
    const all = latencyStats([...perChart.values()].flatMap((s) => s.wall));
    const month95 = latencyStats(monthMs);
    const week95 = latencyStats(weekMs);

    return {
      name: "stats-charts",
      title: `/stats charts and queries — ${fmt.int(ORDERS)} synthetic orders (generated in ${genS.toFixed(0)} s)`,
      lines: [
        `Chart rendering (ECharts SVG SSR → sharp PNG, 1200×675), ${RENDER_ROUNDS} draws each after a first draw of ${fmt.ms(firstMs)} ms (loads echarts + sharp);`,
        `load average ${load.toFixed(1)} on ${cpus().length} cores when drawing (wall time includes waiting for a core; CPU time does not):`,
        ...table(["chart", "p50 ms", "p95 ms", "max ms", "CPU p50 ms"], renderStats.map((r) => [r.name, fmt.ms(r.p50), fmt.ms(r.p95), fmt.ms(r.max), fmt.ms(r.cpuP50)])),
        `  all charts: p50 ${fmt.ms(all.p50)} ms, p95 ${fmt.ms(all.p95)} ms; six charts ≈ ${fmt.ms(all.mean * 6)} ms per /stats`,
        `  process RSS: ${rssBefore.toFixed(0)} MiB before, ${rssAfterFirst.toFixed(0)} MiB after the first chart, ${rssAfterAll.toFixed(0)} MiB after ${RENDER_ROUNDS * specs.length} charts`,
        "",
        `Stats queries (readStatsData, ${QUERY_ROUNDS} rounds; revenue ${fmt.int(data.revenue.idr)} IDR from ${fmt.int(data.revenue.orders)} orders in 30 days):`,
        ...table(
          ["read", "p50 ms", "p95 ms", "max ms"],
          [
            ["/stats: last 30 days", fmt.ms(month95.p50), fmt.ms(month95.p95), fmt.ms(month95.max)],
            ["weekly: 7 days + 14 daily bars", fmt.ms(week95.p50), fmt.ms(week95.p95), fmt.ms(week95.max)],
          ],
        ),
      ],
      data: { orders: ORDERS, generateSeconds: genS, loadAverage: load, firstRenderMs: firstMs, rssMb: { before: rssBefore, afterFirst: rssAfterFirst, afterAll: rssAfterAll }, render: renderStats, renderAll: all, queries: { month: month95, week: week95 } },
      targets: [
        ...renderStats.map((r) => target(`chart "${r.name}" rendering p95`, r.p95, "<", 300, " ms")),
        target("/stats read (30 days) p95", month95.p95, "<", 1000, " ms"),
      ],
    };
  } finally {
    await prisma.$disconnect();
    await db.drop();
  }
}
