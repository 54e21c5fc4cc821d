#!/usr/bin/env node
// Builds the Telegram Mini App (webhooks/miniapp/ui) into dist/miniapp: one JS bundle, one CSS
// file and index.html, with nothing loaded from a CDN. `npm run build` runs it; tests call
// buildMiniApp() before they open the page. The staff pages come from ui/staff/routes.tsx when it
// exists (the staff side's one entry point), else from an empty list.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const ui = path.join(here, "ui");

/** esbuild plugin: `import { staffRoutes } from "staff-routes"` → the staff side's file, or the empty stand-in. */
const staffRoutes = {
  name: "staff-routes",
  setup(build) {
    build.onResolve({ filter: /^staff-routes$/ }, () => {
      const own = path.join(ui, "staff", "routes.tsx");
      return { path: existsSync(own) ? own : path.join(ui, "no-staff.ts") };
    });
  },
};

/**
 * Writes a file only when its content changed, through a temporary file and a rename: two test
 * files building at once (or a build under a running server) never expose a half-written file.
 */
function put(file, content) {
  if (existsSync(file) && readFileSync(file).equals(content)) return;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

/** Bundles the app into `outDir` (default dist/miniapp next to the project root); returns the files' sizes in bytes. */
export async function buildMiniApp(outDir = path.resolve(here, "..", "..", "dist", "miniapp")) {
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(ui, "main.tsx") },
    bundle: true,
    minify: true,
    format: "esm",
    // Pages that carry a heavy library (the staff stats page's ECharts) load it as a chunk of their own when opened.
    splitting: true,
    chunkNames: "[name]-[hash]",
    target: ["es2020", "chrome90", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: outDir,
    legalComments: "none",
    write: false,
    logLevel: "warning",
    plugins: [staffRoutes],
  });
  const files = new Map(result.outputFiles.map((f) => [path.basename(f.path), Buffer.from(f.contents)]));
  const js = files.get("app.js") ?? Buffer.alloc(0);
  const css = files.get("app.css") ?? Buffer.alloc(0);
  // Cache-busting by content: the page always asks for the files it was built with (chunks carry their own hash).
  const version = createHash("sha256").update(js).update(css).digest("hex").slice(0, 12);
  files.set("index.html", Buffer.from(readFileSync(path.join(ui, "index.html"), "utf8").replaceAll("__VERSION__", version)));
  for (const [name, content] of files) put(path.join(outDir, name), content);
  // Chunks of earlier builds go; a concurrent build of the same sources makes the same names.
  for (const name of readdirSync(outDir)) if (/\.(js|css)$/.test(name) && !files.has(name)) rmSync(path.join(outDir, name), { force: true });
  const chunkBytes = [...files].filter(([name]) => name.endsWith(".js") && name !== "app.js").reduce((sum, [, c]) => sum + c.length, 0);
  return { outDir, jsBytes: js.length, cssBytes: css.length, chunkBytes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildMiniApp(process.argv[2]);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`mini app: ${path.relative(process.cwd(), built.outDir)} app.js ${kib(built.jsBytes)}, app.css ${kib(built.cssBytes)}, chunks (shared code, pages loaded when opened) ${kib(built.chunkBytes)}`);
}
