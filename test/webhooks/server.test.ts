import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import { createPrisma } from "../../db/client.js";
import { createRedis, waitForRedis } from "../../jobs/redis.js";
import { loadConfig } from "../../shop/platform/config.js";
import { configSecrets, createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { createCore } from "../../ops/runtime.js";
import { Hono } from "hono";
import type { AppEnv } from "../../webhooks/http.js";
import { createServer } from "../../webhooks/server.js";
import { telegramWebhookRoutes } from "../../webhooks/routes/telegram.js";
import { UpdateInbox } from "../../bot/inbox.js";
import { recordingFetch, TEST_BOT_INFO, updates } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { testEnv } from "../support/service.js";
import { listen } from "./payments/harness.js";

const logger = createLogger({ role: "test", level: "silent" });
const TOKEN = "metrics-token-0123456789abcdef";
const operator = { headers: { authorization: `Bearer ${TOKEN}` } };
let db: TestDatabase;
const prefix = uniquePrefix("web");
const redis = createRedis(TEST_REDIS_URL, "general");

beforeAll(async () => {
  db = await createTestDatabase();
  await waitForRedis(redis);
});
afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
  await db?.drop();
});

/**
 * Asks /health/ready until `settled` holds (20 s at most) and returns the last answer. Each check
 * has 1.5 s: on a loaded machine a healthy dependency can miss it (the first query also opens
 * the connection), so a test waits for the answer it expects instead of trusting the first one.
 */
async function readiness(app: ReturnType<typeof createServer>, settled: (r: { status: number; body: { failing: string[] } }) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await app.request("/health/ready", operator);
    const answer = { status: res.status, body: (await res.json()) as { failing: string[]; [k: string]: unknown } };
    if (settled(answer) || Date.now() > deadline) return answer;
  }
}

describe("health and metrics", () => {
  it("GET /health answers while the process lives", async () => {
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis });
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("GET /health/ready is 200 only when Postgres and Redis answer", async () => {
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis, metricsToken: TOKEN });
    const { status, body } = await readiness(app, (r) => r.status === 200);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ready", failing: [], checks: { postgres: { ok: true }, redis: { ok: true } } });
    // The Redis node that answered (with Sentinel, the current master: test/scale/sentinel.test.ts).
    expect((body.checks as { redis: { node?: string } }).redis.node).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1):6379$/);
  });

  it("GET /health/ready is 503 naming redis when Redis is down", async () => {
    const dead = createRedis("redis://127.0.0.1:1", "general", { retryStrategy: () => null });
    dead.on("error", () => undefined);
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis: dead, metricsToken: TOKEN });
    const { status, body } = await readiness(app, (r) => JSON.stringify(r.body.failing) === JSON.stringify(["redis"]));
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "unavailable", failing: ["redis"], checks: { postgres: { ok: true }, redis: { ok: false } } });
    dead.disconnect();
  });

  it("GET /health/ready is 503 naming postgres when the database is unreachable", async () => {
    const deadDb = createPrisma("postgresql://postgres@127.0.0.1:1/nothing", { connectionTimeoutMillis: 500 });
    const app = createServer({ logger, metrics: createMetrics(), prisma: deadDb, redis, metricsToken: TOKEN });
    const { status, body } = await readiness(app, (r) => JSON.stringify(r.body.failing) === JSON.stringify(["postgres"]));
    expect(status).toBe(503);
    expect(body.failing).toEqual(["postgres"]);
    await deadDb.$disconnect();
  });

  it("GET /metrics exposes process metrics and request counts in Prometheus format", async () => {
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis, metricsToken: TOKEN });
    await app.request("/health");
    const res = await app.request("/metrics", operator);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
    expect(text).toContain("http_request_duration_seconds_bucket");
  });

  it("metrics and readiness are the operator's: 401 without the bearer token or with a wrong one, off (404) without METRICS_TOKEN; /health stays public", async () => {
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis, metricsToken: TOKEN });
    for (const path of ["/metrics", "/health/ready"]) {
      for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong-token-0123456789abcdef" }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
        const res = await app.request(path, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        const text = await res.text();
        expect(text).not.toMatch(/postgres|redis|process_/);
      }
      expect((await app.request(path, operator)).status).toBe(200);
    }
    // The token is a configured secret: scrubbed from every log line like the others.
    expect(configSecrets(loadConfig(testEnv(db, prefix, 3000, "http://127.0.0.1:9", { METRICS_TOKEN: TOKEN })))).toContain(TOKEN);
    const closed = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis });
    for (const path of ["/metrics", "/health/ready"]) expect((await closed.request(path, operator)).status).toBe(404);
    expect((await closed.request("/health")).status).toBe(200);
    expect((await app.request("/health")).status).toBe(200);
  });

  it("answers unknown routes, oversized bodies and crashes with JSON, never a stack trace", async () => {
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis }, [
      {
        path: "/boom",
        app: new Hono<AppEnv>().get("/", () => {
          throw new Error("secret internals at /srv/app.ts:42");
        }),
      },
    ]);
    const missing = await app.request("/nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
    const big = await app.request("/health", { method: "POST", body: "x".repeat(70 * 1024), headers: { "content-length": String(70 * 1024) } });
    expect(big.status).toBe(413);
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toMatchObject({ error: "internal_error" });
    expect(text).not.toContain("secret internals");
  });
});

describe("request bodies and ids over real HTTP", () => {
  // The body limit reads a declared Content-Length from the headers and counts a chunked body
  // while it is read; both must hold on the real Node server, not only through app.request().
  it("refuses a body over 64 KiB whether declared or chunked, passes a small chunked one, and tags every answer with its request id", async () => {
    const echo = new Hono<AppEnv>().post("/", async (c) => c.json({ length: (await c.req.text()).length, id: c.get("requestId") }));
    const boom = new Hono<AppEnv>().get("/", () => {
      throw new Error("boom");
    });
    const app = createServer({ logger, metrics: createMetrics(), prisma: db.prisma, redis }, [
      { path: "/echo", app: echo },
      { path: "/boom", app: boom },
    ]);
    const server = await listen(app);
    try {
      const raw = (path: string, method: string, chunks: string[], headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string; requestId: string | undefined }>((resolve, reject) => {
          const req = http.request({ host: "127.0.0.1", port: server.port, path, method, headers }, (res) => {
            const parts: Buffer[] = [];
            res.on("data", (d: Buffer) => parts.push(d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), requestId: res.headers["x-request-id"] as string | undefined }));
          });
          req.on("error", reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      const small = await raw("/echo", "POST", ["a".repeat(1000), "b".repeat(1000)], { "x-request-id": "req-small-1" });
      expect(small).toMatchObject({ status: 200, requestId: "req-small-1" });
      expect(JSON.parse(small.body)).toEqual({ length: 2000, id: "req-small-1" });

      // No Content-Length: Node sends it chunked; counted while read.
      const chunked = await raw("/echo", "POST", Array.from({ length: 70 }, () => "x".repeat(1024)));
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.body)).toMatchObject({ error: "payload_too_large" });
      expect(chunked.requestId).toMatch(/^[0-9a-f-]{36}$/);

      // Declared too large: refused from the header alone.
      const declared = await raw("/echo", "POST", ["y".repeat(65 * 1024 + 1)], { "content-length": String(65 * 1024 + 1) });
      expect(declared.status).toBe(413);

      const missing = await raw("/nope", "GET", [], { "x-request-id": "req-404" });
      expect(missing).toMatchObject({ status: 404, requestId: "req-404" });
      const failed = await raw("/boom", "GET", [], { "x-request-id": "req-500" });
      expect(failed).toMatchObject({ status: 500, requestId: "req-500" });
      expect(JSON.parse(failed.body)).toMatchObject({ error: "internal_error", requestId: "req-500" });
    } finally {
      await server.close();
    }
  });
});

describe("POST /telegram/webhook", () => {
  it("rejects a missing or wrong secret with 401 and hands a good update to the bot", async () => {
    const secret = "s3cret-webhook-token-0123456789";
    const config = loadConfig(testEnv(db, prefix, 3000, "http://127.0.0.1:9", { BOT_MODE: "webhook", PUBLIC_BASE_URL: "https://shop.example.id", TELEGRAM_WEBHOOK_SECRET: secret }));
    const core = createCore(config, logger);
    const { fetch, calls } = recordingFetch();
    const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch });
    const inbox = new UpdateInbox(core.prisma, (u) => bot.handleUpdate(u), logger, core.metrics);
    inbox.start();
    const app = createServer({ logger, metrics: core.metrics, prisma: core.prisma, redis: core.redis }, [
      { path: "/telegram", app: telegramWebhookRoutes(bot, inbox, secret, core.metrics) },
    ]);
    const update = updates.text({ id: 5_200_001, first_name: "Wahyu" }, "/start");
    const post = (headers: Record<string, string>, body = JSON.stringify(update)) =>
      app.request("/telegram/webhook", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

    const missing = await post({});
    expect(missing.status).toBe(401);
    const wrong = await post({ "x-telegram-bot-api-secret-token": "nope" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
    const malformed = await post({ "x-telegram-bot-api-secret-token": secret }, "{not json");
    expect(malformed.status).toBe(400);
    expect(calls).toHaveLength(0);

    const ok = await post({ "x-telegram-bot-api-secret-token": secret });
    expect(ok.status).toBe(200);
    // Answered once stored; the bot handles it right after, in the background.
    await expect.poll(() => calls.length, { timeout: 20_000 }).toBe(1);
    expect(calls.map((c) => c.method)).toEqual(["sendMessage"]);
    // The same update again (Telegram's redelivery) is stored once and handled once.
    expect((await post({ "x-telegram-bot-api-secret-token": secret })).status).toBe(200);
    // Marked DONE right after the handler's reply went out.
    const row = () => core.prisma.telegramUpdate.findUniqueOrThrow({ where: { updateId: BigInt(update.update_id) } });
    await expect.poll(async () => (await row()).status, { timeout: 20_000 }).toBe("DONE");
    expect(await row()).toMatchObject({ status: "DONE", attempts: 1, chatKey: "5200001" });
    await inbox.stop();
    expect(calls).toHaveLength(1);
    expect(String(calls[0]?.payload.text)).toContain("Halo, Wahyu!");
    const metrics = await core.metrics.registry.metrics();
    expect(metrics).toMatch(/webhook_rejected_total\{source="telegram",reason="bad_secret"\} 2/);

    await core.queues.close();
    core.redis.disconnect();
    core.producerRedis.disconnect();
    await core.prisma.$disconnect();
  });
});
