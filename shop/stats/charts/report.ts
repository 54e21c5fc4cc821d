import type { PrismaClient } from "../../../db/client.js";
import { formatDate } from "../../messages/format.js";
import { funnelChart, methodsChart, providersChart, provisioningChart, revenueChart, topPlansChart, type ChartKit, type ChartSpec } from "./charts.js";
import type { StatsPeriod } from "./period.js";
import { renderChartPng } from "./render.js";
import { readStatsData, type StatsData } from "./stats-data.js";

/** One rendered picture and its caption (Telegram allows 1024 characters under a photo). */
export interface RenderedChart {
  name: ChartSpec["name"];
  png: Buffer;
  caption: string;
}

/** "4 Nov 2026 – 3 Des 2026": the days a report covers, `to` being exclusive. */
export function periodLabel(period: Pick<StatsPeriod, "from" | "to">, kit: ChartKit): string {
  return kit.t("stats-chart-period", { from: formatDate(period.from, kit.locale), to: formatDate(new Date(period.to.getTime() - 1), kit.locale) });
}

/** The six charts of a report, as chart specs (pure: the data and the reader's language in, options and captions out). */
export function chartSpecs(data: StatsData, kit: ChartKit): ChartSpec[] {
  const days = Math.round((data.period.to.getTime() - data.period.from.getTime()) / 86_400_000);
  const subtitle = periodLabel(data.period, kit);
  const daily = periodLabel({ from: data.period.dailyFrom, to: data.period.to }, kit);
  return [
    revenueChart(data, kit, daily),
    funnelChart(data, kit, subtitle, days),
    methodsChart(data, kit, subtitle, days),
    provisioningChart(data, kit, subtitle, days),
    topPlansChart(data, kit, subtitle, days),
    providersChart(data, kit),
  ];
}

/** Draws every chart (one after the other: each is CPU work, and the bot serves other chats meanwhile). */
export async function renderCharts(specs: ChartSpec[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const spec of specs) out.push({ name: spec.name, png: await renderChartPng(spec.option), caption: spec.caption.slice(0, 1024) });
  return out;
}

/** Reads the numbers of `period` and draws the report's charts in the reader's language. */
export async function statsCharts(prisma: PrismaClient, period: StatsPeriod, kit: ChartKit): Promise<{ data: StatsData; charts: RenderedChart[] }> {
  const data = await readStatsData(prisma, period);
  return { data, charts: await renderCharts(chartSpecs(data, kit)) };
}
