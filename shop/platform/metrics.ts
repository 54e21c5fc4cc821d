import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Why a registry per process (not the global one): tests start several apps in
 * one process, and the global registry refuses duplicate metric names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["method", "route"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    webhookRejected: new Counter({
      name: "webhook_rejected_total",
      help: "Webhook requests refused before any state change, by source and reason",
      labelNames: ["source", "reason"] as const,
      registers: [registry],
    }),
    settlementBatchSize: new Histogram({
      name: "payment_settlement_batch_size",
      help: "Gateway callbacks settled per database statement (1 = alone; more under bursts)",
      buckets: [1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    botUpdates: new Counter({
      name: "bot_updates_total",
      help: "Telegram updates handled, by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    jobs: new Counter({
      name: "jobs_total",
      help: "Jobs finished, by queue and outcome",
      labelNames: ["queue", "outcome"] as const,
      registers: [registry],
    }),
    provisioningDuration: new Histogram({
      name: "shop_provisioning_duration_seconds",
      help: "From payment to a running VPS (outcome=active), or to the run's final failure (outcome=failed), by provider",
      labelNames: ["provider", "outcome"] as const,
      buckets: [15, 30, 60, 90, 120, 180, 300, 600, 900, 1800],
      registers: [registry],
    }),
    broadcastMessages: new Counter({
      name: "shop_broadcast_messages_total",
      help: "Broadcast messages to customers, by outcome (sent, blocked, failed, uncertain)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
