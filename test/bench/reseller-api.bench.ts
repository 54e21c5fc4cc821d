/**
 * Reseller API and Mini App reads under load: the REAL web role (startTestService, roles ["web"],
 * fake clouds, a throwaway migrated database, real Postgres and Redis) answering real HTTP from a
 * load generator in a worker thread of this process (node:http keep-alive Agent, one closed loop
 * per connection), so the client's CPU does not run on the server's event loop — both still share
 * the machine's cores with Postgres and Redis.
 *
 *   npm run bench -- reseller-api
 *   BENCH_API_REQUESTS=2000     GET /api/v1/catalog requests measured (default 2000)
 *   BENCH_API_REPLAYS=1000      Idempotency-Key replays of one POST /api/v1/orders (default 1000)
 *   BENCH_API_LAUNCHES=300      Mini App launches: POST /app/api/session, then GET /app/api/vps (default 300)
 *   BENCH_API_CONCURRENCY=16    connections at once (default 16)
 *   BENCH_LOG_LEVEL=info        log like production (default silent)
 *
 *   (1) GET /api/v1/catalog with a reseller's key (reseller prices, availability from the fake
 *       clouds); the key's api_keys.rate_per_minute is raised so the per-key limit never answers.
 *   (2) POST /api/v1/orders: one order placed (201, paid from the wallet), then the SAME request
 *       (Idempotency-Key and body) sent again N times: every answer must be the stored 201, and
 *       the reseller must still have exactly one order and the same balance (checked, reported).
 *   (3) Mini App: N customers, each with one VPS row, each opening the app once with a freshly
 *       signed initData (one launch per user and per X-Forwarded-For address, so the launch
 *       limits — 10 a minute per user, 60 per address — never answer), then GET /app/api/vps with
 *       the session's bearer token. The two steps are measured as separate runs.
 *
 * Each run is preceded by a warm-up (10 %, at least 50 requests) of the same kind.
 * Targets (16 connections, this 2-core box): catalog p95 < 50 ms; replay p95 < 50 ms;
 * session p95 < 100 ms (HMAC check, two Redis counts, user load, session insert); VPS list p95 < 50 ms.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { seedDemoCatalog } from "../../db/seed.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { call, resellerWithKey } from "../api/support.js";
import { launch } from "../miniapp/support.js";
import { newPaidOrder } from "../provisioning/fixtures.js";
import { userRow } from "../support/factories.js";
import { fmt, latencyStats, table, target, type BenchReport, type LatencyStats } from "./report.js";
import { startBenchService } from "./bench-service.js";
import { timePgQueries } from "./support.js";

const PLAN = "do-s-1vcpu-2gb-sgp1";
const ORDER_BODY = { plan: PLAN, duration_months: 1, image: "ubuntu-22.04", client_label: "bench" };
// The highest api_keys.rate_per_minute allows (api_keys_rate_check): more than this bench sends in a minute.
const KEY_RATE_PER_MINUTE = 100_000;
const FUNDS_IDR = 10_000_000;
const TARGETS = { catalogP95: 50, replayP95: 50, sessionP95: 100, vpsP95: 50 };

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

// ───────────────────────────── load generator (worker thread) ─────────────────────────────

interface HttpRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface RunResult {
  elapsedMs: number;
  latencies: Float64Array;
  statuses: Record<string, number>;
  /** The first answer body of each status. */
  samples: Record<string, string>;
  /** Every answer body, in request order (only when asked for). */
  bodies?: string[];
  /** How often each value of the `countHeader` response header came back. */
  headerValues: Record<string, number>;
  socketErrors: number;
  firstSocketError?: string;
}

/** Plain JS for the worker: `total` requests over `concurrency` keep-alive sockets; request i = requests[i % length]. */
const WORKER_SOURCE = String.raw`
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
parentPort.on("message", async ({ port, requests, concurrency, total, keepBodies, countHeader }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies = new Float64Array(total);
  const statuses = {}, samples = {}, headerValues = {};
  const bodies = keepBodies ? new Array(total) : undefined;
  let socketErrors = 0, firstSocketError, next = 0;
  const send = (req) => new Promise((done) => {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    const r = http.request({ host: "127.0.0.1", port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode, header: countHeader ? res.headers[countHeader] : undefined, body: Buffer.concat(chunks).toString() }));
      res.on("error", (e) => done({ status: 0, body: String(e) }));
    });
    r.on("error", (e) => done({ status: 0, body: String(e && e.message) }));
    r.end(req.body);
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const res = await send(requests[i % requests.length]);
      latencies[i] = performance.now() - t0;
      const s = String(res.status);
      statuses[s] = (statuses[s] || 0) + 1;
      if (!(s in samples)) samples[s] = res.body.slice(0, 300);
      if (bodies) bodies[i] = res.body;
      if (countHeader) headerValues[String(res.header)] = (headerValues[String(res.header)] || 0) + 1;
      if (res.status === 0) { socketErrors++; firstSocketError = firstSocketError || res.body; }
    }
  }));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  parentPort.postMessage({ elapsedMs, latencies, statuses, samples, bodies, headerValues, socketErrors, firstSocketError }, [latencies.buffer]);
});
`;

class HttpLoad {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  constructor(
    private readonly port: number,
    private readonly concurrency: number,
  ) {}

  run(requests: HttpRequest[], total: number, opts: { keepBodies?: boolean; countHeader?: string; concurrency?: number } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.once("message", (m: RunResult) => {
        this.worker.off("error", reject);
        resolve(m);
      });
      this.worker.postMessage({ port: this.port, requests, concurrency: opts.concurrency ?? this.concurrency, total, keepBodies: opts.keepBodies ?? false, countHeader: opts.countHeader });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

interface Measured {
  label: string;
  requests: number;
  elapsedMs: number;
  rate: number;
  latency: LatencyStats;
  statuses: Record<string, number>;
  loadAverage: [number, number];
}

/** Warm-up with `warm`, then the measured run of `requests`; every answer must have `status`. */
async function measure(load: HttpLoad, label: string, status: number, warm: HttpRequest[], requests: HttpRequest[], opts: { keepBodies?: boolean; countHeader?: string } = {}) {
  const expect = (r: RunResult, what: string) => {
    if (r.socketErrors) throw new Error(`${what}: ${r.socketErrors} socket error(s), first: ${r.firstSocketError}`);
    const bad = Object.keys(r.statuses).filter((s) => s !== String(status));
    if (bad.length) throw new Error(`${what}: expected every answer ${status}, got ${JSON.stringify(r.statuses)}; samples ${JSON.stringify(r.samples)}`);
  };
  if (warm.length) expect(await load.run(warm, warm.length, opts), `${label} (warm-up)`);
  const load0 = loadavg()[0]!;
  const r = await load.run(requests, requests.length, opts);
  expect(r, label);
  const measured: Measured = {
    label,
    requests: requests.length,
    elapsedMs: r.elapsedMs,
    rate: (requests.length / r.elapsedMs) * 1000,
    latency: latencyStats(r.latencies),
    statuses: r.statuses,
    loadAverage: [load0, loadavg()[0]!],
  };
  return { measured, result: r };
}

const SERIAL = 200;

interface SerialProbe {
  requests: number;
  latency: LatencyStats;
  pgQueriesPerRequest: number;
  pgMsPerRequest: number;
}

/** The requests one at a time (1 connection), every Postgres round trip of this process counted: the cost of one request without queueing. */
async function serialProbe(load: HttpLoad, label: string, status: number, requests: HttpRequest[]): Promise<SerialProbe> {
  let queries = 0;
  let ms = 0;
  const restorePg = timePgQueries(() => (took) => {
    queries++;
    ms += took;
  });
  const r = await load.run(requests, requests.length, { concurrency: 1 }).finally(restorePg);
  if (r.statuses[String(status)] !== requests.length) throw new Error(`${label} serial: ${JSON.stringify(r.statuses)} ${JSON.stringify(r.samples)}`);
  return { requests: requests.length, latency: latencyStats(r.latencies), pgQueriesPerRequest: queries / requests.length, pgMsPerRequest: ms / requests.length };
}

const serialLine = (label: string, p: SerialProbe) =>
  `${label} serial, 1 connection, ${p.requests} requests: p50 ${fmt.ms(p.latency.p50)} ms, p95 ${fmt.ms(p.latency.p95)} ms; ` +
  `${p.pgQueriesPerRequest.toFixed(1)} Postgres round trips per request (${fmt.ms(p.pgMsPerRequest)} ms of them).`;

const warmCount = (n: number) => Math.max(50, Math.round(n / 10));

// ───────────────────────────── the bench ─────────────────────────────

export async function run(): Promise<BenchReport> {
  const catalogCount = envInt("BENCH_API_REQUESTS", 2000);
  const replayCount = envInt("BENCH_API_REPLAYS", 1000);
  const launchCount = envInt("BENCH_API_LAUNCHES", 300);
  const concurrency = envInt("BENCH_API_CONCURRENCY", 16);

  const t = await startBenchService({ roles: ["web"], clouds: true, env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent" } });
  const load = new HttpLoad(t.service.httpPort!, concurrency);
  try {
    const prisma = t.db.prisma;
    const setup0 = performance.now();
    await seedDemoCatalog(prisma);

    // ── (1) + (2): a funded reseller whose key's per-minute budget cannot be reached here.
    const reseller = await resellerWithKey(prisma, 7_900_001, { balanceIdr: FUNDS_IDR, ratePerMinute: KEY_RATE_PER_MINUTE });
    const auth = { authorization: `Bearer ${reseller.token}` };
    const api = `${t.baseUrl}/api/v1`;
    const catalogProbe = await call(api, reseller.token, "GET", "/catalog");
    const plans = (catalogProbe.body.plans ?? []) as Array<{ code: string }>;
    if (catalogProbe.status !== 200 || !plans.some((p) => p.code === PLAN)) throw new Error(`catalog probe: ${catalogProbe.status} ${JSON.stringify(catalogProbe.body).slice(0, 300)}`);

    const idemKey = randomUUID();
    const placed = await call(api, reseller.token, "POST", "/orders", { body: ORDER_BODY, idempotencyKey: idemKey });
    if (placed.status !== 201) throw new Error(`placing the order: ${placed.status} ${JSON.stringify(placed.body)}`);
    const balanceAfterOrder = await walletBalance(prisma, reseller.user.id);

    // ── (3): customers with one VPS row each, known to the shop before they open the app.
    const launchUsers = [];
    const warmLaunches = warmCount(launchCount);
    for (let i = 0; i < warmLaunches + launchCount; i++) {
      const user = await userRow(prisma, 7_950_000 + i, `Bench ${i}`);
      const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN", userId: user.id });
      await prisma.instance.create({
        data: { orderId: order.id, userId: user.id, providerCode: "DIGITALOCEAN", providerInstanceId: String(50_000 + i), label: `vps-bench-${i}`, region: order.region ?? "sgp1", planCode: order.planCode ?? PLAN, imageCode: "ubuntu-22.04", ipv4: `203.0.113.${i % 250}`, status: "ACTIVE", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
      });
      launchUsers.push(user);
    }
    const setupMs = performance.now() - setup0;

    // (1) catalog
    const catalogRequest: HttpRequest = { method: "GET", path: "/api/v1/catalog", headers: auth };
    const catalog = await measure(load, "(1) GET /api/v1/catalog", 200, Array(warmCount(catalogCount)).fill(catalogRequest), Array(catalogCount).fill(catalogRequest));

    const catalogSerial = await serialProbe(load, "(1) catalog", 200, Array(SERIAL).fill(catalogRequest));

    // (2) replays of the placed order
    const replayRequest: HttpRequest = { method: "POST", path: "/api/v1/orders", headers: { ...auth, "content-type": "application/json", "idempotency-key": idemKey }, body: JSON.stringify(ORDER_BODY) };
    const replays = await measure(load, "(2) POST /api/v1/orders, replayed", 201, Array(warmCount(replayCount)).fill(replayRequest), Array(replayCount).fill(replayRequest), { countHeader: "idempotent-replayed" });
    const replayed = replays.result.headerValues["true"] ?? 0;
    const orderCount = await prisma.order.count({ where: { userId: reseller.user.id } });
    const balanceAfterReplays = await walletBalance(prisma, reseller.user.id);
    const probe = await call(api, reseller.token, "POST", "/orders", { body: ORDER_BODY, idempotencyKey: idemKey });
    const sameAnswer = probe.status === 201 && JSON.stringify(probe.body) === JSON.stringify(placed.body);
    if (orderCount !== 1 || balanceAfterReplays !== balanceAfterOrder || replayed !== replayCount || !sameAnswer) {
      throw new Error(`(2) a replay changed something: ${orderCount} orders, balance ${balanceAfterOrder} → ${balanceAfterReplays}, ${replayed}/${replayCount} marked replayed, same answer ${sameAnswer}`);
    }

    // (3) Mini App: one launch per user and per address, then each session's VPS list.
    const sessionRequest = (user: { telegramId: bigint }, i: number): HttpRequest => ({
      method: "POST",
      path: "/app/api/session",
      headers: { "content-type": "application/json", "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      body: JSON.stringify({ initData: launch(user) }),
    });
    const sessionRequests = launchUsers.map(sessionRequest);
    const sessions = await measure(load, "(3a) POST /app/api/session", 201, sessionRequests.slice(0, warmLaunches), sessionRequests.slice(warmLaunches), { keepBodies: true });
    const tokens = sessions.result.bodies!.map((b) => (JSON.parse(b) as { token: string }).token);
    const vpsRequests = tokens.map((token): HttpRequest => ({ method: "GET", path: "/app/api/vps", headers: { authorization: `Bearer ${token}` } }));
    const vps = await measure(load, "(3b) GET /app/api/vps", 200, vpsRequests.slice(0, warmCount(launchCount)), vpsRequests, { keepBodies: true });
    const listed = vps.result.bodies!.filter((b) => (JSON.parse(b) as { items: unknown[] }).items.length === 1).length;
    if (listed !== launchCount) throw new Error(`(3b) ${launchCount - listed} VPS list(s) did not show the customer's one VPS`);
    const vpsSerial = await serialProbe(load, "(3b) VPS list", 200, vpsRequests.slice(0, SERIAL));

    const runs = [catalog.measured, replays.measured, sessions.measured, vps.measured];
    const targets = [
      target(`(1) catalog p95 at ${concurrency} connections`, Number(catalog.measured.latency.p95.toFixed(2)), "<", TARGETS.catalogP95, " ms"),
      target(`(2) order replay p95 at ${concurrency} connections`, Number(replays.measured.latency.p95.toFixed(2)), "<", TARGETS.replayP95, " ms"),
      target(`(3a) Mini App session p95 at ${concurrency} connections`, Number(sessions.measured.latency.p95.toFixed(2)), "<", TARGETS.sessionP95, " ms"),
      target(`(3b) Mini App VPS list p95 at ${concurrency} connections`, Number(vps.measured.latency.p95.toFixed(2)), "<", TARGETS.vpsP95, " ms"),
    ];
    const cores = availableParallelism();
    const maxLoad = Math.max(...runs.flatMap((r) => r.loadAverage));
    const lines = [
      `Web role in this process (real Postgres + Redis, fake clouds); load from a worker thread over ${concurrency} keep-alive connections (closed loops).`,
      `Set-up ${(setupMs / 1000).toFixed(1)} s: demo catalog, one reseller (key limit ${fmt.int(KEY_RATE_PER_MINUTE)}/min), one order placed, ${fmt.int(launchUsers.length)} customers with one VPS each.`,
      "",
      ...table(
        ["run", "requests", "seconds", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        runs.map((r) => [r.label, fmt.int(r.requests), (r.elapsedMs / 1000).toFixed(2), fmt.rate(r.rate), fmt.ms(r.latency.p50), fmt.ms(r.latency.p95), fmt.ms(r.latency.p99), fmt.ms(r.latency.max)]),
      ),
      "",
      `(1) every answer 200 with the reseller's catalog (${plans.length} plans); the per-key limit never answered.`,
      serialLine("(1)", catalogSerial),
      `(2) checked: ${fmt.int(replayCount)} replays (+${warmCount(replayCount)} warm-up) → all 201 Idempotent-Replayed: true with the first answer; orders of the reseller: ${orderCount} (expected 1); ` +
        `balance ${fmt.int(balanceAfterOrder)} → ${fmt.int(balanceAfterReplays)} IDR (unchanged; the order cost ${fmt.int(FUNDS_IDR - balanceAfterOrder)}).`,
      `(3) ${fmt.int(launchCount)} launches (+${warmLaunches} warm-up), each a new signed initData of its own user from its own address → 201; each session's GET /app/api/vps listed its one VPS.`,
      serialLine("(3b)", vpsSerial),
      `At ${concurrency} connections a closed loop queues: p50 ≈ ${concurrency} ÷ throughput (Little's law); the serial rows show one request's own cost.`,
      `Load average (1 min) before/after: ${runs.map((r) => r.loadAverage.map((l) => l.toFixed(1)).join("/")).join(", ")} (${cores} cores)`,
      ...(maxLoad > cores * 0.75 ? [`  ⚠ The machine was busy (load up to ${maxLoad.toFixed(1)} on ${cores} cores): latencies are inflated by other work.`] : []),
    ];
    const data: Record<string, unknown> = {
      concurrency,
      setupMs,
      runs: Object.fromEntries(runs.map((r) => [r.label, { requests: r.requests, elapsedMs: r.elapsedMs, requestsPerSecond: r.rate, latencyMs: r.latency, statuses: r.statuses, loadAverage: r.loadAverage }])),
      serial: { catalog: catalogSerial, vpsList: vpsSerial },
      checks: { replayOrderCount: orderCount, replayedAnswers: replayed, balanceBefore: balanceAfterOrder, balanceAfter: balanceAfterReplays, vpsListsWithOneVps: listed },
    };
    return { name: "reseller-api", title: "Reseller API and Mini App reads: catalog, Idempotency-Key replays, app launch + VPS list", lines, data, targets };
  } finally {
    await load.close().catch(() => undefined);
    await t.stop();
  }
}
