import { Hono } from "hono";
import { checkReadiness } from "../../shop/platform/readiness.js";
import type { AppEnv } from "../http.js";

/**
 * Liveness says the process answers; readiness says it can do real work. (Who may ask for
 * readiness is the server's decision: it guards `/health/ready`.)
 */
export function healthRoutes(deps: Parameters<typeof checkReadiness>[0]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }));
  app.get("/ready", async (c) => {
    const ready = await checkReadiness(deps);
    const failing = Object.entries(ready.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    return c.json({ status: ready.ok ? "ready" : "unavailable", failing, checks: ready.checks }, ready.ok ? 200 : 503);
  });
  return app;
}
