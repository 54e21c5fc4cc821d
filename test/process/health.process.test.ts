import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, testEnv } from "../support/service.js";
import { getJson, killAll, pollUntil, spawnService, type ServiceProcess } from "./helpers.js";

let db: TestDatabase;
const prefix = uniquePrefix("proc-health");
const METRICS_TOKEN = "process-metrics-token-0123456789";
const operator = { authorization: `Bearer ${METRICS_TOKEN}` };

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await deleteKeys(prefix);
  await db?.drop();
});

/** Starts the web role alone and waits until GET /health answers 200. */
async function startWeb(extra: Record<string, string>): Promise<{ child: ServiceProcess; baseUrl: string; port: number }> {
  const port = await freePort();
  // The web role never calls Telegram; the API root only has to be a valid URL.
  const child = spawnService(["web"], testEnv(db, prefix, port, "http://127.0.0.1:9", { LOG_LEVEL: "info", METRICS_TOKEN, ...extra }));
  const baseUrl = `http://127.0.0.1:${port}`;
  // With a dead Redis the role waits (bounded, 5 s) for it before listening.
  await child.waitForLog("http server listening", 20_000);
  const health = await getJson(`${baseUrl}/health`);
  expect(health.status, child.describe()).toBe(200);
  expect(health.body).toMatchObject({ status: "ok" });
  return { child, baseUrl, port };
}

/**
 * SIGTERM, then a second SIGTERM while the first shutdown is still running; the process must
 * still finish its ordered shutdown once and exit 0. To make "still running" deterministic, a
 * client holds a half-sent request open, so closing the HTTP server (the first shutdown step)
 * waits until the test lets go of it (or the server cuts it, 3 s on).
 */
async function stopTwice(child: ServiceProcess, port: number): Promise<void> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s)).once("error", reject);
  });
  socket.on("error", () => undefined);
  try {
    // Headers never finished. Once written, the bytes wait in the server's socket: its event loop
    // reads them before it gets from the signal to closing idle connections, however busy it is.
    await new Promise<void>((resolve, reject) => socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", (err) => (err ? reject(err) : resolve())));
    child.proc.kill("SIGTERM");
    await child.waitForLog("shutting down", 15_000);
    child.proc.kill("SIGTERM");
    await pollUntil(async () => (child.logs().filter((l) => l.msg === "signal received").length === 2 ? true : undefined), 15_000, "the second signal to be handled");
    // Not killed by it (Node's default handler would end the process by the signal). It may have
    // finished meanwhile: the held connection is cut 3 s into the shutdown, and a loaded machine
    // can take that long to get here.
    expect(child.exitInfo()?.signal ?? null, child.describe()).toBeNull();
  } finally {
    socket.destroy();
  }
  const exit = await child.waitForExit(10_000);
  expect(exit, child.describe()).toEqual({ code: 0, signal: null });
  const messages = child.logs().map((l) => l.msg);
  expect(messages.filter((m) => m === "signal received")).toHaveLength(2);
  // The ordered shutdown ran once, however many signals arrived.
  expect(messages.filter((m) => m === "shutting down")).toHaveLength(1);
  expect(messages.filter((m) => m === "shutdown complete")).toHaveLength(1);
  expect(child.logs().filter((l) => l.level === "fatal" || l.msg === "shutdown took too long; exiting hard")).toEqual([]);
  expect(child.stderr()).toBe("");
}

describe("web role as a real process: health, readiness and graceful shutdown", () => {
  it("starts without Redis, is live (200) but not ready (503, failing: [redis]), and stops cleanly on SIGTERM twice", async () => {
    const { child, baseUrl, port } = await startWeb({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(child.logs().some((l) => l.msg === "Redis is not reachable; starting anyway, queue writes will fail until it is back")).toBe(true);

    // Each check has 1.5 s, which a loaded machine's healthy Postgres can miss: wait for the answer.
    const ready = await pollUntil(async () => {
      const r = await getJson(`${baseUrl}/health/ready`, 5_000, operator);
      return JSON.stringify((r.body as { failing?: string[] }).failing) === JSON.stringify(["redis"]) ? r : undefined;
    }, 20_000, "/health/ready failing: [redis]");
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "unavailable", failing: ["redis"], checks: { postgres: { ok: true }, redis: { ok: false } } });
    expect((ready.body as { failing: string[] }).failing).toEqual(["redis"]);

    await stopTwice(child, port);
  });

  it("is ready (200) with a live Redis and Postgres, and stops cleanly on SIGTERM twice", async () => {
    const { child, baseUrl, port } = await startWeb({});
    const ready = await pollUntil(async () => {
      const r = await getJson(`${baseUrl}/health/ready`, 5_000, operator);
      return r.status === 200 ? r : undefined;
    }, 20_000, "/health/ready 200");
    expect(ready.body).toMatchObject({ status: "ready", failing: [], checks: { postgres: { ok: true }, redis: { ok: true } } });

    const started = child.logs().find((l) => l.msg === "service started");
    expect(started).toMatchObject({ roles: ["web"], role: "web", pid: child.pid });

    await stopTwice(child, port);
    // The port is released.
    await expect(getJson(`${baseUrl}/health`, 1_000)).rejects.toThrow();
  });
});
