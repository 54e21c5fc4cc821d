import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { AppEnv } from "../http.js";

/**
 * `GET /` with the registry's text exposition. Who may ask is the mounting app's decision
 * (the web server and the other roles' listeners both put `operatorOnly` in front of it).
 */
export function metricsRoutes(registry: Registry): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
  return app;
}
