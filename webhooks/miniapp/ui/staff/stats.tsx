import { useMemo, useState } from "preact/hooks";
import { Loaded, Section, useApi } from "../components";
import { idr, lang, t } from "../i18n";
import { axis, Chart, valueLabel, type ChartOption } from "./chart";
import type { StatsAnswer } from "./types";

const PERIODS = [7, 30, 90] as const;

/** "Rp 1,2 jt" / "Rp 1.2M" on an axis (tooltips carry the exact amounts). */
function short(amount: number): string {
  const units = lang() === "id" ? ["", "rb", "jt", "M"] : ["", "k", "M", "B"];
  let value = amount;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${new Intl.NumberFormat(lang() === "id" ? "id-ID" : "en-GB", { maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0 }).format(value)}${units[unit]}`;
}

const dayLabel = (day: string) => new Intl.DateTimeFormat(lang() === "id" ? "id-ID" : "en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
const seconds = (s: number | null) => (s === null ? "–" : s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`);

/** The six charts of /stats, drawn in the page: revenue and paid orders per day (zoomable), funnel, methods, provisioning, top plans, providers. */
function charts(a: StatsAnswer): Array<{ title: string; option: ChartOption; id: string }> {
  const d = a.data;
  const days = d.daily.map((p) => dayLabel(p.day));
  const money = (v: unknown) => idr(Number(v));
  return [
    {
      id: "revenue",
      title: t("stat.revenue"),
      option: {
        tooltip: { trigger: "axis", confine: true, valueFormatter: (v) => (typeof v === "number" && v >= 1000 ? idr(v) : String(v)) },
        xAxis: { type: "category", data: days, ...axis() },
        yAxis: [
          { type: "value", ...axis({ formatter: short }) },
          { type: "value", minInterval: 1, ...axis(), splitLine: { show: false } },
        ],
        dataZoom: a.days > 7 ? [{ type: "inside", start: a.days > 30 ? 66 : 0, end: 100 }] : [],
        series: [
          { type: "bar", name: t("stat.revenue"), data: d.daily.map((p) => p.revenueIdr), itemStyle: { borderRadius: [3, 3, 0, 0] } },
          { type: "line", name: t("stat.paid-orders"), yAxisIndex: 1, data: d.daily.map((p) => p.paidOrders), color: "#f59e0b" },
        ],
      },
    },
    {
      id: "funnel",
      title: t("stat.funnel"),
      option: {
        tooltip: { trigger: "axis", confine: true },
        legend: { show: false },
        xAxis: { type: "value", minInterval: 1, ...axis() },
        yAxis: { type: "category", inverse: true, data: ["viewers", "orders", "paid", "active"].map((k) => t(`stat.funnel.${k}`)), ...axis() },
        series: [{ type: "bar", data: [d.funnel.viewers, d.funnel.orders, d.funnel.paid, d.funnel.active], label: valueLabel({ position: "right" }) }],
      },
    },
    {
      id: "methods",
      title: t("stat.methods"),
      option: {
        tooltip: { trigger: "item", confine: true, valueFormatter: money },
        series: [{ type: "pie", radius: ["40%", "70%"], data: d.methods.map((m) => ({ name: m.gateway, value: m.idr })), label: valueLabel({ formatter: "{b}: {d}%" }) }],
      },
    },
    {
      id: "provisioning",
      title: `${t("stat.provisioning")} · ${t("stat.prov.times", { p50: seconds(d.provisioning.p50Seconds), p95: seconds(d.provisioning.p95Seconds) })}`,
      option: {
        xAxis: { type: "category", data: d.provisioning.daily.map((p) => dayLabel(p.day)), ...axis() },
        yAxis: { type: "value", minInterval: 1, ...axis() },
        series: [
          { type: "bar", stack: "p", name: t("stat.prov.done"), data: d.provisioning.daily.map((p) => p.done), color: "#16a34a" },
          { type: "bar", stack: "p", name: t("stat.prov.failed"), data: d.provisioning.daily.map((p) => p.failed), color: "#dc2626" },
        ],
      },
    },
    {
      id: "top-plans",
      title: t("stat.top"),
      option: {
        tooltip: { trigger: "axis", confine: true, valueFormatter: money },
        legend: { show: false },
        xAxis: { type: "value", ...axis({ formatter: short }) },
        yAxis: { type: "category", inverse: true, data: d.topPlans.map((p) => p.plan), ...axis({ width: 110, overflow: "truncate" }) },
        series: [{ type: "bar", data: d.topPlans.map((p) => p.idr) }],
      },
    },
    {
      id: "providers",
      title: t("stat.providers"),
      option: {
        xAxis: { type: "category", data: d.activeByProvider.map((p) => p.provider), ...axis() },
        yAxis: { type: "value", minInterval: 1, ...axis() },
        series: [
          { type: "bar", stack: "v", name: t("stat.active"), data: d.activeByProvider.map((p) => p.active) },
          { type: "bar", stack: "v", name: t("stat.suspended"), data: d.activeByProvider.map((p) => p.suspended), color: "#f59e0b" },
        ],
      },
    },
  ];
}

/** /stats in the app: the shop's numbers, then its charts for 7, 30 or 90 days, interactive. */
export function StatsPage() {
  const [days, setDays] = useState<number>(30);
  const result = useApi<StatsAnswer>(`/staff/stats?days=${days}`);
  const drawn = useMemo(() => (result.data ? charts(result.data) : []), [result.data]);
  return (
    <>
      <div class="segmented" role="tablist">
        {PERIODS.map((p) => (
          <button key={p} role="tab" aria-selected={p === days} class={p === days ? "active" : ""} onClick={() => setDays(p)}>
            {t("stat.days", { days: p })}
          </button>
        ))}
      </div>
      <Loaded result={result}>
        {(a) => (
          <>
            <div class="tiles">
              <div class="tile">
                <div class="muted small">{t("stat.users")}</div>
                <strong>{a.totals.users.total}</strong>
                <div class="muted tiny">
                  +{a.totals.users.newToday} {t("stat.new-today")}
                </div>
              </div>
              <div class="tile">
                <div class="muted small">{t("stat.revenue-today")}</div>
                <strong>{idr(a.totals.revenueIdr.today)}</strong>
              </div>
              <div class="tile">
                <div class="muted small">{t("stat.revenue-30")}</div>
                <strong>{idr(a.totals.revenueIdr.last30Days)}</strong>
              </div>
            </div>
            {drawn.map((c) => (
              <Section key={c.id} title={c.title}>
                <Chart option={c.option} testId={`chart-${c.id}`} />
              </Section>
            ))}
          </>
        )}
      </Loaded>
    </>
  );
}
