import { readFile } from "node:fs/promises";
import path from "node:path";
import { Hono } from "hono";
import { projectRoot } from "../../shop/platform/paths.js";
import type { AppEnv } from "../http.js";

/** Where `webhooks/miniapp/build.mjs` writes the bundle (`npm run build`). */
export const MINIAPP_DIST = path.join(projectRoot, "dist", "miniapp");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * Everything the page loads comes from here (no CDN, no telegram-web-app.js): scripts, styles and
 * API calls only from our own origin. Telegram's clients open the page in a web view, or (Telegram
 * Web) in an iframe, so framing is not refused.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";

/**
 * The built Mini App: `index.html` at the root, and the flat files next to it by name only
 * (no sub-paths, so no way out of the directory). Read per request: the files are a few
 * dozen KiB and a rebuild shows without a restart. A missing bundle is a 503 that says how to build it.
 */
export function staticBundle(dir = MINIAPP_DIST): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // "/app" and "/app/" are the page; an empty file name is the trailing slash.
  app.get("/:file{(?:[A-Za-z0-9_-]+\\.(?:js|css|svg|json|html))?}", (c) => send(c.req.param("file") || "index.html"));
  app.get("/", () => send("index.html"));

  async function send(file: string): Promise<Response> {
    try {
      const body = await readFile(path.join(dir, file));
      const headers: Record<string, string> = { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-cache", "x-content-type-options": "nosniff" };
      if (file.endsWith(".html")) headers["content-security-policy"] = CSP;
      return new Response(body, { status: 200, headers });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      if (file !== "index.html") return Response.json({ error: "not_found", message: `no file ${file}` }, { status: 404 });
      return Response.json({ error: "not_built", message: "the Mini App bundle is missing: run npm run build" }, { status: 503 });
    }
  }
  return app;
}
