import type { EChartsOption } from "echarts";
import { formatIdr } from "../../money.js";
import type { Locale } from "../../messages/locale.js";
import type { StatsData } from "./stats-data.js";

/** Translates one of the `stats-chart-*` keys in the reader's language. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

export interface ChartKit {
  t: Translate;
  locale: Locale;
}

/** One picture of the report and the numbers under it. */
export interface ChartSpec {
  name: "revenue" | "funnel" | "methods" | "provisioning" | "top-plans" | "providers";
  option: EChartsOption;
  caption: string;
}

/** The shop's chart style: one palette, one font (DejaVu Sans: Debian's fonts-dejavu-core, every glyph we print). */
export const PALETTE = { blue: "#2563eb", green: "#16a34a", amber: "#f59e0b", red: "#dc2626", violet: "#7c3aed", cyan: "#0891b2", slate: "#475569" } as const;
const SERIES_COLORS = [PALETTE.blue, PALETTE.green, PALETTE.amber, PALETTE.violet, PALETTE.cyan, PALETTE.red, PALETTE.slate];
const FONT = "DejaVu Sans, sans-serif";
const AXIS_NAME = { fontSize: 14, color: PALETTE.slate };

const NUMBER_LOCALE: Record<Locale, string> = { id: "id-ID", en: "en-GB" };

// Building an Intl formatter costs far more than using one, and ECharts formats every tick several times.
const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: Locale, fractionDigits: number): Intl.NumberFormat {
  const key = `n:${locale}:${fractionDigits}`;
  let f = formats.get(key) as Intl.NumberFormat | undefined;
  if (!f) formats.set(key, (f = new Intl.NumberFormat(NUMBER_LOCALE[locale], { maximumFractionDigits: fractionDigits })));
  return f;
}
function dayFormat(locale: Locale): Intl.DateTimeFormat {
  const key = `d:${locale}`;
  let f = formats.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(NUMBER_LOCALE[locale], { day: "numeric", month: "short", timeZone: "UTC" })));
  return f;
}

/** "Rp 1,2 jt" / "Rp 1.2M": rupiah short enough for an axis tick (captions carry the exact amounts). */
export function formatIdrShort(amount: number, locale: Locale): string {
  const units = locale === "id" ? (["", "rb", "jt", "M"] as const) : (["", "k", "M", "B"] as const);
  let value = amount;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = numberFormat(locale, value < 10 && unit > 0 ? 1 : 0).format(value);
  return `Rp ${digits}${locale === "id" && unit > 0 ? " " : ""}${units[unit]}`;
}

/** A share as "42%" / "42,5%" in the reader's notation; "–" when there is nothing to divide by. */
export function percent(part: number, whole: number, locale: Locale): string {
  if (whole <= 0) return "–";
  return `${numberFormat(locale, 1).format((part / whole) * 100)}%`;
}

/** "2 mnt 05 dtk" style durations for provisioning times. */
export function formatSeconds(seconds: number | null, t: Translate): string {
  if (seconds === null) return "–";
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? t("stats-chart-duration-min", { m, s: String(s).padStart(2, "0") }) : t("stats-chart-duration-sec", { s });
}

/** "3 Des" / "3 Dec" for a `YYYY-MM-DD` day key. */
export function dayLabel(day: string, locale: Locale): string {
  return dayFormat(locale).format(new Date(`${day}T00:00:00Z`));
}

function base(title: string, subtitle: string): EChartsOption {
  return {
    backgroundColor: "#ffffff",
    color: SERIES_COLORS,
    textStyle: { fontFamily: FONT },
    title: { text: title, subtext: subtitle, left: "center", top: 14, textStyle: { fontSize: 24, color: "#0f172a" }, subtextStyle: { fontSize: 15, color: PALETTE.slate } },
    grid: { left: 110, right: 80, top: 110, bottom: 100 },
  };
}

// ECharts measures text with Arial-like widths; DejaVu Sans is wider, so legend items get room to spare.
/** Labels skipped between two shown day labels: about a dozen dates fit under a chart. */
const tickGap = (days: number) => Math.max(0, Math.ceil(days / 12) - 1);
const legend = { bottom: 12, itemGap: 48, textStyle: { fontSize: 14 } };
const noData = (kit: ChartKit) => ({ graphic: { type: "text" as const, left: "center", top: "middle", style: { text: kit.t("stats-chart-none"), fontSize: 22, fill: PALETTE.slate } } });

/** Revenue per day (bars, rupiah axis) and paid orders per day (line, right axis). */
export function revenueChart(data: StatsData, kit: ChartKit, subtitle: string): ChartSpec {
  const { t, locale } = kit;
  const days = data.daily.length;
  const best = data.daily.reduce((a, b) => (b.revenueIdr > a.revenueIdr ? b : a), data.daily[0] ?? { day: "", revenueIdr: 0, paidOrders: 0 });
  const periodDays = Math.round((data.period.to.getTime() - data.period.from.getTime()) / 86_400_000);
  const option: EChartsOption = {
    ...base(t("stats-chart-revenue-title"), subtitle),
    legend,
    xAxis: { type: "category", data: data.daily.map((d) => dayLabel(d.day, locale)), name: t("stats-chart-axis-day"), nameLocation: "middle", nameGap: 30, nameTextStyle: AXIS_NAME, axisLabel: { fontSize: 12, interval: tickGap(days) } },
    yAxis: [
      { type: "value", name: t("stats-chart-axis-revenue"), nameTextStyle: AXIS_NAME, axisLabel: { fontSize: 12, formatter: (v: number) => formatIdrShort(v, locale) } },
      { type: "value", name: t("stats-chart-axis-orders"), nameTextStyle: AXIS_NAME, minInterval: 1, splitLine: { show: false }, axisLabel: { fontSize: 12 } },
    ],
    series: [
      { type: "bar", name: t("stats-chart-axis-revenue"), data: data.daily.map((d) => d.revenueIdr), itemStyle: { color: PALETTE.blue, borderRadius: [4, 4, 0, 0] } },
      { type: "line", name: t("stats-chart-axis-orders"), yAxisIndex: 1, data: data.daily.map((d) => d.paidOrders), itemStyle: { color: PALETTE.amber }, lineStyle: { width: 3 }, symbolSize: 7 },
    ],
  };
  const caption = t("stats-chart-revenue-caption", {
    days: periodDays,
    revenue: formatIdr(data.revenue.idr),
    orders: data.revenue.orders,
    perDay: formatIdr(Math.round(data.revenue.idr / Math.max(1, periodDays))),
    bestDay: best.revenueIdr > 0 ? dayLabel(best.day, locale) : "–",
    best: formatIdr(best.revenueIdr),
    refundedOrders: data.revenue.refundedOrders,
    refunded: formatIdr(data.revenue.refundedIdr),
  });
  return { name: "revenue", option, caption };
}

/** Catalog viewers → orders → paid → active, as horizontal bars with each step's conversion. */
export function funnelChart(data: StatsData, kit: ChartKit, subtitle: string, days: number): ChartSpec {
  const { t, locale } = kit;
  const f = data.funnel;
  const steps = [
    { label: t("stats-chart-funnel-viewers"), value: f.viewers, rate: "" },
    { label: t("stats-chart-funnel-orders"), value: f.orders, rate: percent(f.orders, f.viewers, locale) },
    { label: t("stats-chart-funnel-paid"), value: f.paid, rate: percent(f.paid, f.orders, locale) },
    { label: t("stats-chart-funnel-active"), value: f.active, rate: percent(f.active, f.paid, locale) },
  ];
  const colors = [PALETTE.slate, PALETTE.blue, PALETTE.amber, PALETTE.green];
  const option: EChartsOption = {
    ...base(t("stats-chart-funnel-title"), subtitle),
    grid: { left: 200, right: 140, top: 110, bottom: 50 },
    xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 12 } },
    yAxis: { type: "category", inverse: true, data: steps.map((s) => s.label), axisLabel: { fontSize: 16, color: "#0f172a" } },
    series: [
      {
        type: "bar",
        barWidth: "55%",
        data: steps.map((s, i) => ({ value: s.value, itemStyle: { color: colors[i], borderRadius: [0, 4, 4, 0] }, label: { show: true, position: "right", fontSize: 16, formatter: s.rate ? `${s.value}  (${s.rate})` : `${s.value}` } })),
      },
    ],
  };
  const caption = t("stats-chart-funnel-caption", {
    days,
    viewers: f.viewers,
    views: f.views,
    orders: f.orders,
    orderRate: steps[1]!.rate,
    paid: f.paid,
    paidRate: steps[2]!.rate,
    active: f.active,
    activeRate: steps[3]!.rate,
  });
  return { name: "funnel", option, caption };
}

/** How revenue orders were paid: a donut by rupiah, the counts in the caption. */
export function methodsChart(data: StatsData, kit: ChartKit, subtitle: string, days: number): ChartSpec {
  const { t, locale } = kit;
  const total = data.methods.reduce((s, m) => s + m.idr, 0);
  const name = (gateway: string) => t(`stats-chart-gateway-${gateway}`);
  const option: EChartsOption = {
    ...base(t("stats-chart-methods-title"), subtitle),
    legend,
    series: [
      {
        type: "pie",
        radius: ["38%", "66%"],
        center: ["50%", "55%"],
        label: { fontSize: 16, formatter: (p: { name: string; percent?: number }) => `${p.name}\n${percent(p.percent ?? 0, 100, locale)}` },
        data: data.methods.map((m) => ({ name: name(m.gateway), value: m.idr })),
      },
    ],
    ...(data.methods.length === 0 ? noData(kit) : {}),
  };
  const lines = data.methods.map((m) => t("stats-chart-method-line", { method: name(m.gateway), orders: m.orders, amount: formatIdr(m.idr), share: percent(m.idr, total, locale) }));
  const caption = [t("stats-chart-methods-caption", { days }), ...(lines.length ? lines : [t("stats-chart-none")])].join("\n");
  return { name: "methods", option, caption };
}

/** Provisioning runs per day, done and failed stacked; success rate and times in the caption. */
export function provisioningChart(data: StatsData, kit: ChartKit, subtitle: string, days: number): ChartSpec {
  const { t, locale } = kit;
  const p = data.provisioning;
  const option: EChartsOption = {
    ...base(t("stats-chart-provisioning-title"), subtitle),
    legend,
    xAxis: { type: "category", data: p.daily.map((d) => dayLabel(d.day, locale)), name: t("stats-chart-axis-day"), nameLocation: "middle", nameGap: 30, nameTextStyle: AXIS_NAME, axisLabel: { fontSize: 12, interval: tickGap(p.daily.length) } },
    yAxis: { type: "value", minInterval: 1, name: t("stats-chart-axis-runs"), nameTextStyle: AXIS_NAME, axisLabel: { fontSize: 12 } },
    series: [
      { type: "bar", stack: "runs", name: t("stats-chart-provisioning-done"), data: p.daily.map((d) => d.done), itemStyle: { color: PALETTE.green } },
      { type: "bar", stack: "runs", name: t("stats-chart-provisioning-failed"), data: p.daily.map((d) => d.failed), itemStyle: { color: PALETTE.red } },
    ],
  };
  const caption = t("stats-chart-provisioning-caption", {
    days,
    done: p.done,
    failed: p.failed,
    running: p.running,
    rate: percent(p.done, p.done + p.failed, locale),
    p50: formatSeconds(p.p50Seconds, t),
    p95: formatSeconds(p.p95Seconds, t),
  });
  return { name: "provisioning", option, caption };
}

/** The five plans that brought the most revenue, as horizontal bars. */
export function topPlansChart(data: StatsData, kit: ChartKit, subtitle: string, days: number): ChartSpec {
  const { t, locale } = kit;
  const label = (p: StatsData["topPlans"][number]) => (p.provider ? `${p.plan} · ${t(`stats-chart-provider-${p.provider}`)}` : p.plan);
  const option: EChartsOption = {
    ...base(t("stats-chart-top-plans-title"), subtitle),
    grid: { left: 300, right: 200, top: 110, bottom: 50 },
    xAxis: { type: "value", axisLabel: { fontSize: 12, formatter: (v: number) => formatIdrShort(v, locale) } },
    yAxis: { type: "category", inverse: true, data: data.topPlans.map(label), axisLabel: { fontSize: 15, color: "#0f172a", width: 280, overflow: "truncate" } },
    series: [
      {
        type: "bar",
        barWidth: "55%",
        data: data.topPlans.map((p) => ({ value: p.idr, label: { show: true, position: "right", fontSize: 14, formatter: `${formatIdrShort(p.idr, locale)} · ${p.orders}×` } })),
        itemStyle: { color: PALETTE.violet, borderRadius: [0, 4, 4, 0] },
      },
    ],
    ...(data.topPlans.length === 0 ? noData(kit) : {}),
  };
  const lines = data.topPlans.map((p, i) => t("stats-chart-top-plan-line", { rank: i + 1, plan: label(p), orders: p.orders, amount: formatIdr(p.idr) }));
  const caption = [t("stats-chart-top-plans-caption", { days }), ...(lines.length ? lines : [t("stats-chart-none")])].join("\n");
  return { name: "top-plans", option, caption };
}

/** Live servers per cloud right now (active or powered off), suspended ones stacked on top. */
export function providersChart(data: StatsData, kit: ChartKit): ChartSpec {
  const { t } = kit;
  const rows = data.activeByProvider;
  const name = (code: string) => t(`stats-chart-provider-${code}`);
  const total = rows.reduce((s, r) => s + r.active, 0);
  const option: EChartsOption = {
    ...base(t("stats-chart-providers-title"), t("stats-chart-now")),
    legend,
    xAxis: { type: "category", data: rows.map((r) => name(r.provider)), axisLabel: { fontSize: 16, color: "#0f172a" } },
    yAxis: { type: "value", minInterval: 1, name: t("stats-chart-axis-servers"), nameTextStyle: AXIS_NAME, axisLabel: { fontSize: 12 } },
    series: [
      { type: "bar", stack: "vps", name: t("stats-chart-providers-active"), barWidth: "40%", data: rows.map((r) => r.active), itemStyle: { color: PALETTE.cyan }, label: { show: true, fontSize: 16, color: "#ffffff" } },
      { type: "bar", stack: "vps", name: t("stats-chart-providers-suspended"), data: rows.map((r) => r.suspended), itemStyle: { color: PALETTE.amber } },
    ],
    ...(rows.length === 0 ? noData(kit) : {}),
  };
  const lines = rows.map((r) => t("stats-chart-provider-line", { provider: name(r.provider), active: r.active, suspended: r.suspended }));
  const caption = [t("stats-chart-providers-caption", { total }), ...(lines.length ? lines : [t("stats-chart-none")])].join("\n");
  return { name: "providers", option, caption };
}
