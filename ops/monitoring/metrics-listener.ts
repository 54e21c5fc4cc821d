import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import type { PrismaClient } from "../../db/client.js";
import { QueueName, type Queues } from "../../jobs/queues.js";
import type { Config } from "../../shop/platform/config.js";
import type { Logger } from "../../shop/platform/logger.js";
import type { Metrics } from "../../shop/platform/metrics.js";
import { registerBusinessMetrics } from "../../shop/stats/business-metrics.js";
import { operatorOnly } from "../../webhooks/auth.js";
import type { AppEnv } from "../../webhooks/http.js";
import { metricsRoutes } from "../../webhooks/routes/metrics.js";

/**
 * Why a small listener per role instead of one aggregating exporter: each process keeps its
 * own prom-client registry (counters live in its memory), and Prometheus already knows how to
 * scrape many targets, label them by job and alert on `up == 0` when one stops answering. An
 * aggregator (prom-client's AggregatorRegistry over Redis or Postgres) would add a write path
 * on every counter change, a store that can itself be down, and it would hide which role died.
 *
 * So: a process with the web role serves `/metrics` on HTTP_PORT (as before); any other process
 * opens `METRICS_HOST:METRICS_PORT_<ROLE>` (loopback by default) for `/metrics` alone, behind the
 * same METRICS_TOKEN bearer (404 while it is unset). A process running several roles serves
 * them all from one registry on the port of its first role (bot, then worker, then scheduler).
 * Worker instances under PM2 add their NODE_APP_INSTANCE to the port (9110, 9111, …).
 *
 * The business gauges (shop/stats/business-metrics.ts) are read from Postgres and Redis, the
 * same for every process: only the process with the scheduler role (exactly one per shop)
 * exports them, so Prometheus holds each number once.
 */
export interface MonitoringDeps {
  config: Config;
  roles: readonly string[];
  metrics: Metrics;
  prisma: PrismaClient;
  queues: Queues;
  logger: Logger;
}

export interface Monitoring {
  /** The port of this process's metrics listener (none in a process with the web role). */
  port?: number;
  stop(): Promise<void>;
}

const LISTENER_ROLES = ["bot", "worker", "scheduler"] as const;

/** Where a process without the web role serves its metrics; undefined for a web process. */
export function metricsListenerAddress(config: Config, roles: readonly string[], env: NodeJS.ProcessEnv = process.env): { host: string; port: number } | undefined {
  if (roles.includes("web")) return undefined;
  const role = LISTENER_ROLES.find((r) => roles.includes(r));
  if (!role) return undefined;
  const base = config.monitoring.ports[role];
  const instance = role === "worker" && base > 0 ? Number(env.NODE_APP_INSTANCE ?? 0) || 0 : 0;
  return { host: config.monitoring.host, port: base + instance };
}

/** A Hono app that serves only `/metrics`, behind the operator's bearer token. */
export function metricsListenerApp(metrics: Metrics, token: string | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", operatorOnly(token));
  app.route("/metrics", metricsRoutes(metrics.registry));
  app.notFound((c) => c.json({ error: "not_found", message: "this port serves only GET /metrics" }, 404));
  return app;
}

/** Registers the business gauges (scheduler process) and opens the listener (processes without web). */
export async function startMonitoring(deps: MonitoringDeps): Promise<Monitoring> {
  const { config, roles, metrics, logger } = deps;
  if (roles.includes("scheduler")) {
    registerBusinessMetrics(metrics.registry, {
      prisma: deps.prisma,
      queues: Object.values(QueueName).map((name) => ({ name, queue: () => deps.queues.get(name) })),
      dataDir: config.dataDir,
    });
  }
  const address = metricsListenerAddress(config, roles);
  if (!address) return { stop: async () => undefined };
  const app = metricsListenerApp(metrics, config.http.metricsToken);
  let server: ServerType | undefined;
  let port: number | undefined;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server = serve({ fetch: app.fetch, hostname: address.host, port: address.port }, (info) => resolve(info.port));
      server.once("error", reject);
    });
    logger.info({ host: address.host, port }, "metrics listener ready");
  } catch (err) {
    // The role keeps working unmonitored: Prometheus shows this target down (alert RoleDown).
    logger.error({ err, host: address.host, port: address.port }, "metrics listener could not open its port; this role's metrics are not served");
    server = undefined;
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
