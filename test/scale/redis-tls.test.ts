/**
 * Redis over TLS with a self-signed CA: a real redis-server listening only on its TLS port
 * (`--port 0 --tls-port`), the app's config (`rediss://` + REDIS_TLS_CA_FILE) and createRedis,
 * and a BullMQ job through the project's queue catalogue and worker registry. A client holding
 * another CA is refused at the handshake with a certificate error, never silently connected.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueName, Queues } from "../../jobs/queues.js";
import { closeRedis, createRedis, reachedNode, waitForRedis } from "../../jobs/redis.js";
import { closeWorkers, registerWorkers } from "../../jobs/workers.js";
import { freePort, waitFor } from "../../ops/demo/local-services.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { startSentinelGroup } from "../support/sentinel.js";
import { makeTestCerts, type TestCerts } from "../support/tls-certs.js";

const logger = createLogger({ role: "test", level: "silent" });
let certs: TestCerts;
let server: ChildProcess | undefined;
let port: number;
const opened: Redis[] = [];

function configFor(caFile: string, extra: Record<string, string> = {}) {
  return loadConfig({
    TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
    REDIS_URL: `rediss://127.0.0.1:${port}`,
    REDIS_TLS_CA_FILE: caFile,
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    ...extra,
  });
}

const track = (r: Redis) => (opened.push(r), r);

beforeAll(async () => {
  certs = makeTestCerts();
  port = await freePort();
  server = spawn(
    "redis-server",
    ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--tls-cert-file", certs.certFile, "--tls-key-file", certs.keyFile, "--tls-ca-cert-file", certs.caFile, "--tls-auth-clients", "no", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const probe = track(createRedis(configFor(certs.caFile).redis, "general", { retryStrategy: () => 100 }));
  probe.on("error", () => undefined);
  await waitFor(() => waitForRedis(probe, 1_000), "redis-server with TLS", 20_000);
});

afterAll(async () => {
  await Promise.all(opened.map((r) => closeRedis(r)));
  server?.kill("SIGKILL");
  certs?.remove();
});

describe("Redis over TLS (rediss:// + REDIS_TLS_CA_FILE)", () => {
  it("runs a BullMQ job through the app's connections", async () => {
    const config = configFor(certs.caFile);
    expect(config.redis).toEqual({ url: `rediss://127.0.0.1:${port}`, tlsCaFile: certs.caFile });
    const producer = track(createRedis(config.redis, "producer"));
    const workerConn = track(createRedis(config.redis, "worker"));
    expect(await waitForRedis(producer)).toBe(true);
    const queues = new Queues(producer, "tls-test", logger);
    const seen: string[] = [];
    const workers = registerWorkers({
      connection: workerConn,
      prefix: "tls-test",
      logger,
      metrics: createMetrics(),
      queues,
      processors: { [QueueName.Lifecycle]: { process: async (payload) => void seen.push(payload.tick) } },
    });
    try {
      await queues.enqueue(QueueName.Lifecycle, { task: "order-expiry", tick: "2026-12-04T21:00" }, { jobId: "tls-job-1" });
      await expect.poll(() => seen, { timeout: 20_000 }).toEqual(["2026-12-04T21:00"]);
      // The bytes really went over TLS: the server has no plain-text port at all.
      expect(await producer.config("GET", "port")).toEqual(["port", "0"]);
    } finally {
      await closeWorkers(workers);
      await queues.close();
    }
  });

  it("refuses a server whose certificate another CA signed, with a certificate error", async () => {
    const wrong = track(createRedis(configFor(certs.wrongCaFile).redis, "general", { retryStrategy: () => null }));
    const error = await new Promise<Error>((resolve) => wrong.once("error", resolve));
    expect(error.message).toMatch(/certificate/i);
    expect((error as NodeJS.ErrnoException).code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/);
    expect(wrong.status).not.toBe("ready");
  });

  it("reaches a TLS-only master through TLS-only sentinels (REDIS_SENTINEL_TLS) with the same CA", { timeout: 120_000 }, async () => {
    // One TLS master and one TLS sentinel (quorum 1): the example's TLS lines switched on.
    const group = await startSentinelGroup({ replica: false, sentinels: 1, tls: certs });
    try {
      const config = configFor(certs.caFile, { REDIS_URL: `rediss://${group.masterName}/0`, REDIS_SENTINELS: group.sentinelsEnv, REDIS_SENTINEL_MASTER: group.masterName, REDIS_SENTINEL_TLS: "1" });
      expect(config.redis).toMatchObject({ sentinels: [{ host: "127.0.0.1", port: group.sentinelPorts[0] }], sentinelTls: true, tlsCaFile: certs.caFile });
      const conn = track(createRedis(config.redis, "general"));
      conn.on("error", () => undefined);
      expect(await waitForRedis(conn, 20_000)).toBe(true);
      await conn.set("tls-sentinel-probe", "ok");
      expect(await conn.get("tls-sentinel-probe")).toBe("ok");
      expect(reachedNode(conn)).toBe(`${group.masterName} at 127.0.0.1:${group.masterPort}`);
      await closeRedis(conn);
    } finally {
      await group.stop();
    }
  });
});
