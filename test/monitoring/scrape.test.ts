import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueName } from "../../jobs/queues.js";
import { metricsListenerAddress, metricsListenerApp } from "../../ops/monitoring/metrics-listener.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { OWNER_ID } from "../support/service.js";
import { exportedNames, METRICS_TOKEN, operator, startSplitRoles, type SplitRoles } from "./roles.js";

let t: SplitRoles;
beforeAll(async () => {
  t = await startSplitRoles();
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const scrape = async (url: string) => {
  const res = await fetch(url, operator);
  expect(res.status).toBe(200);
  return res.text();
};

describe("every role's metrics are scrapeable", () => {
  it("serves each role on its own port, to the operator's bearer token only", async () => {
    for (const role of ["web", "bot", "worker", "scheduler"] as const) {
      const url = t.metricsUrl[role];
      expect((await fetch(url)).status, role).toBe(401);
      expect((await fetch(url, { headers: { authorization: "Bearer wrong-token-0123456789abcdef" } })).status, role).toBe(401);
      const text = await scrape(url);
      expect(text, role).toMatch(/^process_resident_memory_bytes \d+/m);
    }
    // Only /metrics on a listener: nothing else answers there.
    expect((await fetch(t.metricsUrl.bot.replace("/metrics", "/health"), operator)).status).toBe(404);
  });

  it("shows the bot's update counter on the bot's port, not on the web's", async () => {
    const user = t.fake.user(6_200_001, { firstName: "Sari" });
    await user.sendText("/start");
    await user.waitForMessage(/Halo, Sari!/, { timeoutMs: 15_000 });
    await expect.poll(async () => (await scrape(t.metricsUrl.bot)).match(/^bot_updates_total\{outcome="handled"\} (\d+)/m)?.[1], { timeout: 10_000 }).toBeDefined();
    expect(await scrape(t.metricsUrl.web)).not.toMatch(/^bot_updates_total\{/m);
  });

  it("shows the worker's job counters on the worker's port", async () => {
    const owner = t.fake.user(OWNER_ID, { firstName: "Owner" });
    await t.services.bot.queues.enqueue(QueueName.OwnerAlerts, { severity: "info", title: "Tes pemantauan" });
    await owner.waitForMessage(/Tes pemantauan/, { timeoutMs: 15_000 });
    await expect.poll(async () => (await scrape(t.metricsUrl.worker)).match(/^jobs_total\{queue="owner-alerts",outcome="completed"\} (\d+)/m)?.[1], { timeout: 10_000 }).toBe("1");
  });

  it("exports the business gauges once, from the scheduler's process", async () => {
    const scheduler = await scrape(t.metricsUrl.scheduler);
    expect(scheduler).toMatch(/^shop_orders\{status="ACTIVE"\} 0$/m);
    expect(scheduler).toMatch(/^shop_queue_jobs\{queue="provisioning",state="waiting"\} \d+$/m);
    expect(scheduler).toMatch(/^shop_queue_oldest_waiting_age_seconds\{queue="backups"\} [\d.]+$/m);
    for (const role of ["web", "bot", "worker"] as const) expect(exportedNames(await scrape(t.metricsUrl[role])).has("shop_orders"), role).toBe(false);
  });
});

describe("the metrics listener's address and switch", () => {
  const env = (extra: Record<string, string> = {}) =>
    loadConfig({ TELEGRAM_BOT_TOKEN: "1:aaaaaaaaaaaaaaaaaaaaaaaa", DATABASE_URL: "postgresql://x/y", REDIS_URL: "redis://x", DATA_ENCRYPTION_KEY: "a".repeat(64), ...extra });

  it("puts a web process on HTTP_PORT, the others on METRICS_PORT_<ROLE> (worker instances one port each)", () => {
    const config = env();
    expect(metricsListenerAddress(config, ["web", "bot"])).toBeUndefined();
    expect(metricsListenerAddress(config, ["bot"])).toEqual({ host: "127.0.0.1", port: 9101 });
    expect(metricsListenerAddress(config, ["scheduler"])).toEqual({ host: "127.0.0.1", port: 9102 });
    expect(metricsListenerAddress(config, ["worker", "scheduler"])).toEqual({ host: "127.0.0.1", port: 9110 });
    expect(metricsListenerAddress(config, ["worker"], { NODE_APP_INSTANCE: "2" })).toEqual({ host: "127.0.0.1", port: 9112 });
    expect(metricsListenerAddress(env({ METRICS_HOST: "10.0.0.5", METRICS_PORT_BOT: "9201" }), ["bot"])).toEqual({ host: "10.0.0.5", port: 9201 });
  });

  it("answers 404 while METRICS_TOKEN is unset, like the web role", async () => {
    const off = metricsListenerApp(createMetrics(), undefined);
    expect((await off.request("/metrics", operator)).status).toBe(404);
    const on = metricsListenerApp(createMetrics(), METRICS_TOKEN);
    expect((await on.request("/metrics", operator)).status).toBe(200);
  });
});
