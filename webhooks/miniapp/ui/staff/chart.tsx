import { BarChart, LineChart, PieChart } from "echarts/charts";
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import type { ComposeOption } from "echarts/core";
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from "echarts/charts";
import type { DataZoomComponentOption, GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";

// Only the parts the stats page draws, so the bundle carries a fraction of ECharts.
echarts.use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, SVGRenderer]);

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | DataZoomComponentOption>;

/** The shop's palette (the same as the bot's chart pictures, shop/stats/charts/charts.ts). */
export const PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#7c3aed", "#0891b2", "#dc2626", "#475569"];

/** Text colours from Telegram's theme, so the charts read on a light and a dark background. */
function themeColors() {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: read("--tg-text-color", "#0f172a"), hint: read("--tg-hint-color", "#64748b") };
}

/** An axis drawn in the theme's hint colour (labels, line, faint grid lines); `label` adds to the labels. */
export function axis(label: Record<string, unknown> = {}) {
  const { hint } = themeColors();
  return { axisLabel: { color: hint, ...label }, axisLine: { lineStyle: { color: hint } }, splitLine: { lineStyle: { color: hint, opacity: 0.25 } } };
}

/** Value labels on bars and slices in the theme's text colour, without ECharts' white outline. */
export const valueLabel = (extra: Record<string, unknown> = {}) => ({ show: true, color: themeColors().text, textBorderWidth: 0, ...extra });

/** One interactive chart (tooltips, legend toggles, zoom where the option asks for it), resized with the page. */
export function Chart({ option, height = 240, testId }: { option: ChartOption; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: "svg" });
    const { text } = themeColors();
    chart.setOption({
      color: PALETTE,
      backgroundColor: "transparent",
      textStyle: { color: text },
      tooltip: { trigger: "axis", confine: true },
      legend: { bottom: 0, textStyle: { color: text } },
      grid: { left: 8, right: 8, top: 16, bottom: 36, containLabel: true },
      ...option,
    } as ChartOption);
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [option]);
  return <div ref={el} class="chart" style={{ height: `${height}px` }} data-testid={testId} />;
}
