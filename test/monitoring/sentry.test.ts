import { spawn } from "node:child_process";
import path from "node:path";
import * as Sentry from "@sentry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnrecoverableError } from "bullmq";
import { Hono } from "hono";
import { QueueName, Queues } from "../../jobs/queues.js";
import { createRedis } from "../../jobs/redis.js";
import { closeWorkers, registerWorkers } from "../../jobs/workers.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { createPiiScrubber, initSentry, type SentryHandle } from "../../shop/platform/sentry.js";
import type { AppEnv } from "../../webhooks/http.js";
import { createServer } from "../../webhooks/server.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { ROOT } from "../process/helpers.js";
import { startSentryCollector, type SentryCollector } from "./sentry-collector.js";

const SECRET = "sk-live-9f8e7d6c5b4a39281706";
const BOT_TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
/** What must never leave the process, in any form. */
const FORBIDDEN = [SECRET, BOT_TOKEN, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "budi@example.com", "andi@example.co.id", "812-3456-7890", "81234567890", "0812", "budi_santoso", "andi_wijaya", "123456789", "555123456", "hunter2-password"];

let collector: SentryCollector;
let sentry: SentryHandle | undefined;
beforeAll(async () => {
  collector = await startSentryCollector();
  sentry = await initSentry({ dsn: collector.dsn, role: "worker", secrets: [SECRET] });
});
afterAll(async () => {
  await sentry?.close();
  await collector?.stop();
});

function expectClean(envelope: string) {
  for (const text of FORBIDDEN) expect(envelope, `envelope contains ${text}`).not.toContain(text);
}

describe("Sentry, scrubbed", () => {
  it("does nothing (and imports nothing) without SENTRY_DSN", async () => {
    expect(await initSentry({ dsn: undefined, role: "web", secrets: [] })).toBeUndefined();
  });

  it("sends a captured error with its cause and breadcrumbs, without secrets or personal data", async () => {
    Sentry.addBreadcrumb({ category: "bot", message: "update from @budi_santoso chat 123456789", data: { phone: "+62 812-3456-7890", text: "my email is budi@example.com" } });
    const cause = new Error(`GET https://api.telegram.org/bot${BOT_TOKEN}/getMe failed`);
    const err = new Error(`payment failed for budi@example.com (+6281234567890), user 123456789, key ${SECRET}`, { cause });
    Object.assign(err, { password: "hunter2-password", orderStatus: "PAID" });
    sentry!.captureException(err, { queue: "payment-followups" });
    expect(await sentry!.flush(5_000)).toBe(true);
    const envelope = await collector.waitFor("payment failed for");
    expectClean(envelope);
    expect(envelope).toContain("[email]");
    expect(envelope).toContain("[phone]");
    expect(envelope).toContain("[id]");
    expect(envelope).toContain("[username]");
    expect(envelope).toContain("bot[redacted]");
    expect(envelope).toContain('"role":"worker"');
    expect(envelope).toContain('"queue":"payment-followups"');
    expect(envelope).toContain("GET https://api.telegram.org/bot"); // the cause is there, its token is not
    expect(envelope).toContain("node_modules/@"); // stack frames keep their paths
  });

  it("reports an uncaught exception of a process that handles it like ops/main.ts, scrubbed", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/monitoring/fixtures/sentry-crash.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SENTRY_DSN: collector.dsn, FIXTURE_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, stderr).toBe(1);
    const envelope = await collector.waitFor("crash while paying");
    expectClean(envelope);
    expect(envelope).toContain("onuncaughtexception");
  });

  it("reports an HTTP 500 and a job that failed for good, scrubbed, tagged with where they happened", async () => {
    const logger = createLogger({ role: "test", level: "silent" });
    const broken = new Hono<AppEnv>();
    broken.get("/", () => {
      throw new Error("handler broke for budi@example.com");
    });
    const app = createServer({ logger, metrics: createMetrics(), prisma: {} as never, redis: {} as never }, [{ path: "/broken", app: broken }]);
    expect((await app.request("/broken")).status).toBe(500);

    const prefix = uniquePrefix("sentry");
    const redis = createRedis(TEST_REDIS_URL, "worker");
    const producer = createRedis(TEST_REDIS_URL, "producer");
    const queues = new Queues(producer, prefix, logger);
    const workers = registerWorkers({
      connection: redis,
      prefix,
      logger,
      metrics: createMetrics(),
      queues,
      processors: {
        [QueueName.Notifications]: {
          process: async () => {
            throw new UnrecoverableError("job broke for chat 123456789");
          },
        },
      },
    });
    try {
      await queues.enqueue(QueueName.Notifications, { chatId: 1, key: "help-text" });
      const job = await collector.waitFor("job broke for chat");
      expectClean(job);
      expect(job).toContain('"surface":"job"');
      expect(job).toContain('"queue":"notifications"');
    } finally {
      await closeWorkers(workers);
      await queues.close();
      redis.disconnect();
      producer.disconnect();
      await deleteKeys(prefix);
    }
    const http = await collector.waitFor("handler broke for");
    expectClean(http);
    expect(http).toContain('"surface":"http"');
  });

  it("scrubs Indonesian phone numbers in their usual spellings, but not ordinary numbers and words", () => {
    const scrub = createPiiScrubber([]);
    for (const phone of ["081234567890", "0812-3456-7890", "0812 3456 789", "+6281234567890", "+62 812-3456-7890", "6281234567890"]) expect(scrub(`call ${phone} now`), phone).not.toMatch(/\d{3}/);
    expect(scrub("order 42 failed after 3 attempts at 12:30")).toBe("order 42 failed after 3 attempts at 12:30");
    expect(scrub("see foo@bar")).toBe("see foo@bar");
  });
});
