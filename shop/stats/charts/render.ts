import { createRequire } from "node:module";
import type { EChartsOption } from "echarts";

/** Pixel size of every chart: 16:9, wide enough for 30 daily bars, small enough for Telegram's photo limits. */
export const CHART_SIZE = { width: 1200, height: 675 } as const;

type Modules = { echarts: typeof import("echarts"); sharp: typeof import("sharp").default };
let modules: Promise<Modules> | undefined;

/**
 * echarts and sharp (libvips) load with the first chart, not at start-up: the bot idles at
 * ~124 MiB and most processes never draw one. echarts through `require`, i.e. its one-file
 * bundle: measured here, 0.5 s and 18 MiB against 1.8–2.6 s and 40 MiB for its ESM entry
 * (hundreds of modules); same API, same output.
 */
function load(): Promise<Modules> {
  if (!modules) {
    const loading = import("sharp").then((sharp) => ({ echarts: createRequire(import.meta.url)("echarts") as Modules["echarts"], sharp: sharp.default }));
    loading.catch(() => (modules = undefined)); // a failed load is tried again next time
    modules = loading;
  }
  return modules;
}

/**
 * Draws one chart server-side: ECharts renders SVG (no canvas, no browser), sharp (librsvg,
 * system fonts through fontconfig: DejaVu Sans, Debian's fonts-dejavu-core) turns it into a PNG.
 */
export async function renderChartPng(option: EChartsOption, size: { width: number; height: number } = CHART_SIZE): Promise<Buffer> {
  const { echarts, sharp } = await load();
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: size.width, height: size.height });
  let svg: string;
  try {
    chart.setOption({ animation: false, ...option });
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  return sharp(Buffer.from(svg)).png({ compressionLevel: 6 }).toBuffer();
}
