/**
 * The cloud APIs' shared rate gate (shop/cloud/rate-gate.ts) across processes: two independent
 * clients of one DigitalOcean account (each its own adapter, gate and Redis connection, as two
 * worker hosts) calling a tiny local API server. Their combined requests stay inside the
 * account's budget in every window as the server counts them, and a 429 with Retry-After
 * answered to one client holds the other one too.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigitalOceanProvider } from "../../shop/cloud/digitalocean.js";
import { CloudRateGate } from "../../shop/cloud/rate-gate.js";
import type { RateWindow } from "../../shop/platform/shared-rate.js";
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from "../support/redis.js";

const TOKEN = "do-test-token-rate";
let server: Server;
let apiUrl: string;
/** When each request reached the server (ms), and whether it was answered 429. */
const arrivals: { at: number; status: number }[] = [];
/** Answers to hand out before the normal ones (a 429 with its Retry-After). */
const scripted: { status: number; retryAfter?: string }[] = [];
const connections: Redis[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const next = scripted.shift();
    const status = next?.status ?? 200;
    arrivals.push({ at: Date.now(), status });
    res.writeHead(status, { "content-type": "application/json", ...(next?.retryAfter ? { "retry-after": next.retryAfter } : {}) });
    res.end(JSON.stringify(status === 200 ? { droplets: [], links: {}, meta: { total: 0 } } : { id: "too_many_requests", message: "API Rate limit exceeded." }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  connections.forEach((c) => c.disconnect());
  await new Promise((resolve) => server?.close(resolve));
});

/** One worker host's client of the account: its own Redis connection and gate over the shared prefix. */
function client(prefix: string, limits: RateWindow[]) {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  connections.push(redis);
  const rateGate = new CloudRateGate(redis, prefix, { DIGITALOCEAN: limits });
  return new DigitalOceanProvider({ token: TOKEN, apiUrl }, { rateGate, fetchOptions: { retries: 3, maxRetryAfterMs: 10_000 } });
}

/** The most requests the server saw in any `windowMs` (each arrival opening a window). */
function busiestWindow(windowMs: number, from = 0): number {
  const at = arrivals.slice(from).map((a) => a.at);
  return Math.max(0, ...at.map((start) => at.filter((t) => t >= start && t < start + windowMs).length));
}

describe("cloud API budget shared across hosts", () => {
  it("two clients' combined requests stay inside the account's window", async () => {
    const prefix = uniquePrefix("cloudrate");
    const limits = [{ limit: 5, windowMs: 1_000 }];
    const [a, b] = [client(prefix, limits), client(prefix, limits)];
    const from = arrivals.length;
    const started = Date.now();
    // 12 lookups each, all at once: 24 requests through a budget of 5 a second.
    const results = await Promise.all([...Array.from({ length: 12 }, () => a.findByTag("t")), ...Array.from({ length: 12 }, () => b.findByTag("t"))]);
    expect(results).toHaveLength(24);
    expect(arrivals.length - from).toBe(24);
    // Counted as they leave the clients, seen as they arrive here: allow 300 ms of scheduling lag
    // between the two on a busy test machine (the gate keeps 45 ms of slack per second itself).
    // Ungated, all 24 would arrive within a few milliseconds.
    expect(busiestWindow(700, from)).toBeLessThanOrEqual(5);
    // 24 requests at 5 per second cannot finish before 4 full windows have passed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    await deleteKeys(prefix);
  });

  it("a 429 answered to one client holds the other for its Retry-After", async () => {
    const prefix = uniquePrefix("cloudhold");
    const limits = [{ limit: 100, windowMs: 1_000 }];
    const [a, b] = [client(prefix, limits), client(prefix, limits)];
    scripted.push({ status: 429, retryAfter: "2" });
    const from = arrivals.length;
    const first = a.findByTag("t"); // gets the 429, retries after 2 s
    while (!arrivals.slice(from).some((r) => r.status === 429)) await new Promise((r) => setTimeout(r, 10));
    const limitedAt = arrivals.find((r, i) => i >= from && r.status === 429)!.at;
    // B starts once A's hold is in Redis (A records it as it reads the 429), not after a guessed delay.
    const watcher = new Redis(TEST_REDIS_URL);
    connections.push(watcher);
    const holdKey = `${prefix}:cloud-rate:${CloudRateGate.account("DIGITALOCEAN", TOKEN)}:hold`;
    while ((await watcher.exists(holdKey)) === 0) await new Promise((r) => setTimeout(r, 10));
    await Promise.all([first, b.findByTag("t")]);
    const after = arrivals.slice(from).filter((r) => r.status === 200);
    expect(after).toHaveLength(2);
    // Neither client, the one that got the 429 nor the other, called again within the 2 s.
    for (const r of after) expect(r.at - limitedAt).toBeGreaterThanOrEqual(1_900);
    await deleteKeys(prefix);
  });

  it("a hold longer than the caller may wait fails fast as rate_limited, without calling the cloud", async () => {
    const prefix = uniquePrefix("cloudlong");
    const a = client(prefix, [{ limit: 100, windowMs: 1_000 }]);
    const redis = new Redis(TEST_REDIS_URL);
    connections.push(redis);
    await new CloudRateGate(redis, prefix).hold(CloudRateGate.account("DIGITALOCEAN", TOKEN), 60_000);
    const from = arrivals.length;
    await expect(a.findByTag("t")).rejects.toMatchObject({ code: "rate_limited" });
    expect(arrivals.length).toBe(from);
    await deleteKeys(prefix);
  });
});
