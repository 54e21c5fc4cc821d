import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../db/client.js";
import type { Logger } from "../ops/logger.js";
import type { Metrics } from "../ops/metrics.js";
import { healthRoutes } from "./routes/health.js";

export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  prisma: PrismaClient;
  redis: Redis;
}

export type AppEnv = { Variables: { requestId: string; log: Logger } };

/** Sub-apps mounted by other roles (the Telegram webhook, payment gateways). */
export interface ExtraRoutes {
  path: string;
  app: Hono<AppEnv>;
}

/**
 * The HTTP surface: health, metrics and webhook intake. Every request gets an
 * id and one log line; errors become JSON without internals.
 */
export function createServer(deps: ServerDeps, extra: ExtraRoutes[] = []): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    const log = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    c.header("x-request-id", requestId);
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) }, "request");
  });

  // Webhooks carry small JSON bodies; anything larger is refused before parsing.
  app.use(
    "*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => c.json({ error: "payload_too_large", message: "request body exceeds 64 KiB" }, 413),
    }),
  );

  app.route("/health", healthRoutes(deps));
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType });
  });
  for (const route of extra) app.route(route.path, route.app);

  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    const status = err instanceof HTTPException ? err.status : 500;
    const requestId = c.get("requestId");
    (c.get("log") ?? deps.logger).error({ err, requestId }, "request failed");
    if (status >= 500) return c.json({ error: "internal_error", message: "internal error", requestId }, 500);
    return c.json({ error: "bad_request", message: err.message, requestId }, status);
  });
  return app;
}
