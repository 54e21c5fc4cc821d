import { randomUUID } from "node:crypto";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../db/client.js";
import type { Logger } from "../shop/platform/logger.js";
import type { Metrics } from "../shop/platform/metrics.js";
import { reportError } from "../shop/platform/sentry.js";
import type { StartupComponents } from "../shop/platform/readiness.js";
import { operatorOnly } from "./auth.js";
import { header, requestLog, type AppEnv } from "./http.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";

export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  prisma: PrismaClient;
  redis: Redis;
  /** Parts of the process still starting (the bot waiting for Telegram), named by /health/ready. */
  components?: StartupComponents;
  /** Bearer token for /metrics and /health/ready (METRICS_TOKEN); without it both are off. */
  metricsToken?: string;
  /** Peers whose X-Forwarded-For is believed (loopback, plus TRUSTED_PROXIES): see clientAddress. */
  trustedProxy?: (address: string) => boolean;
}

/** Largest request body the server accepts (webhooks carry small JSON bodies). */
export const BODY_MAX_BYTES = 64 * 1024;

/**
 * Refuses a request body over `maxSize`. A declared Content-Length (Node's HTTP parser holds
 * the body to it) is checked from the headers alone; only a chunked body is counted while it
 * is read, by Hono's `bodyLimit`. (Hono's middleware alone would turn every request into a
 * full web Request with a body stream, which is most of a small webhook's CPU.)
 */
function limitBody(maxSize: number, onError: (c: Context<AppEnv>) => Response | Promise<Response>): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    if (header(c, "transfer-encoding") !== undefined) return streamed(c, next);
    const declared = header(c, "content-length");
    if (declared !== undefined && !(Number(declared) <= maxSize)) return onError(c);
    await next();
  };
}

/** Sub-apps mounted by other roles (the Telegram webhook, payment gateways). */
export interface ExtraRoutes {
  path: string;
  app: Hono<AppEnv>;
}

/**
 * The HTTP surface: health, metrics and webhook intake. Every request gets an
 * id and one log line; errors become JSON without internals. Metrics and readiness
 * need the operator's bearer token (`metricsToken`).
 */
export function createServer(deps: ServerDeps, extra: ExtraRoutes[] = []): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const incoming = header(c, "x-request-id");
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("baseLog", deps.logger);
    if (deps.trustedProxy) c.set("trustedProxy", deps.trustedProxy);
    // Before next(): it then goes out with whatever response the route builds. (Set on a
    // finished response, Hono would rebuild that response and its body stream.) On Node it goes
    // straight onto the outgoing response, which merges it with the route's headers.
    if (c.env?.outgoing) c.env.outgoing.setHeader("x-request-id", requestId);
    else c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    const status = c.res.status;
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    deps.logger.info({ requestId, method: c.req.method, path: c.req.path, status, ms: Math.round(seconds * 1000) }, "request");
  });

  // Webhooks carry small JSON bodies; anything larger is refused before parsing.
  app.use(
    "*",
    limitBody(BODY_MAX_BYTES, (c) => c.json({ error: "payload_too_large", message: "request body exceeds 64 KiB" }, 413)),
  );

  // /health stays public (a liveness probe needs nothing); readiness names failing dependencies
  // with their error text and metrics describe the whole service: the operator's only.
  const operator = operatorOnly(deps.metricsToken);
  app.use("/health/ready", operator);
  app.use("/metrics", operator);
  app.route("/health", healthRoutes(deps));
  app.route("/metrics", metricsRoutes(deps.metrics.registry));
  for (const route of extra) app.route(route.path, route.app);

  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    const status = err instanceof HTTPException ? err.status : 500;
    const requestId = c.get("requestId");
    (c.get("baseLog") ? requestLog(c) : deps.logger).error({ err, requestId }, "request failed");
    if (status >= 500) reportError(err, { surface: "http", requestId });
    if (status >= 500) return c.json({ error: "internal_error", message: "internal error", requestId }, 500);
    return c.json({ error: "bad_request", message: err.message, requestId }, status);
  });
  return app;
}
