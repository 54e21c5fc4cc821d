#!/usr/bin/env node
// Builds the Telegram Mini App (webhooks/miniapp/ui) into dist/miniapp: one JS bundle, one CSS
// file and index.html, with nothing loaded from a CDN. `npm run build` runs it; tests call
// buildMiniApp() before they open the page. The staff pages come from ui/staff/routes.tsx when it
// exists (the staff side's one entry point), else from an empty list.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** Bundles the app into `outDir` (default dist/miniapp next to the project root); returns the files' sizes in bytes. */
export async function buildMiniApp(outDir = path.resolve(here, "..", "..", "dist", "miniapp")) {
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(ui, "main.tsx") },
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "chrome90", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: outDir,
    legalComments: "none",
    write: true,
    metafile: true,
    logLevel: "warning",
    plugins: [staffRoutes],
  });
  const js = readFileSync(path.join(outDir, "app.js"));
  const css = existsSync(path.join(outDir, "app.css")) ? readFileSync(path.join(outDir, "app.css")) : Buffer.alloc(0);
  // Cache-busting by content: the page always asks for the files it was built with.
  const version = createHash("sha256").update(js).update(css).digest("hex").slice(0, 12);
  const html = readFileSync(path.join(ui, "index.html"), "utf8").replaceAll("__VERSION__", version);
  writeFileSync(path.join(outDir, "index.html"), html);
  return { outDir, jsBytes: js.length, cssBytes: css.length, inputs: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildMiniApp(process.argv[2]);
  console.log(`mini app: ${path.relative(process.cwd(), built.outDir)} app.js ${(built.jsBytes / 1024).toFixed(1)} KiB, app.css ${(built.cssBytes / 1024).toFixed(1)} KiB`);
}
