/**
 * Payment webhook throughput: verified Tripay callbacks through our REAL `/webhooks/tripay`
 * (createServer + paymentWebhookRoutes: signature check, payment_callbacks insert, settlement
 * transaction, BullMQ enqueue) versus a minimal reference written here (Hono, HMAC check, one
 * `INSERT … ON CONFLICT DO NOTHING`, one `queue.add`) and a bare Hono `ok` handler.
 *
 *   npm run bench -- webhook
 *   BENCH_WEBHOOK_REQUESTS=5000   requests per measured scenario (default 5000; (c) runs 3×)
 *   BENCH_WEBHOOK_WARMUP=2000     warm-up requests per server before it is measured (default 2000)
 *   BENCH_WEBHOOK_IN_FLIGHT=3     settlement statements at once (default: the web role's WEBHOOK_SETTLEMENTS_IN_FLIGHT)
 *   BENCH_WEBHOOK_CONNECTIONS=20  concurrent connections (default 20, as the issue sets; 1 = serial, for experiments)
 *   BENCH_WEBHOOK_POOL=10         Postgres pool of both (a) and (b) (default 10; the web role alone runs 5)
 *   BENCH_LOG_LEVEL=info          log like production (default silent, as the bot bench)
 *   BENCH_PROFILE=1               CPU-profile the server under (a)'s load even if the targets are met (0 = never)
 *
 * Setup: each server listens on 127.0.0.1, port 0, in THIS process (main thread), so the bench
 * can count the product's SQL statements and Redis commands per request. The load generator
 * runs in a worker thread of the same process (plain JS, node:http Agent with keepAlive,
 * 20 sockets, 20 closed loops): its CPU does not run on the server's event loop, but both
 * share the machine's cores — as do Postgres and Redis, which run on this machine too.
 *
 *   (a)  N distinct verified PAID callbacks, one per pending order+payment created up front:
 *        every request is a real PENDING_PAYMENT → PAID transition.
 *   (a2) N copies of ONE callback, all fired at once: one transition, N−1 acknowledged duplicates
 *        (each still recorded, and re-queueing the `paid` follow-up by job id, a no-op);
 *        the bench fails if the order got more than one PAID history row or follow-up job.
 *   (b)  reference: Hono, HMAC-SHA256 check, JSON.parse, one INSERT … ON CONFLICT DO NOTHING
 *        (pg Pool), one BullMQ queue.add; the same N distinct bodies (each a new key).
 *   (c)  bare Hono answering "ok": the ceiling of this HTTP stack + client on this machine.
 *
 * Warm-up: each server gets the same number of requests before it is measured, enough for V8 to
 * finish optimizing the hot path (with 300, the product's background compiler threads were still
 * busy during (a): ~0.07 ms CPU per request more than at steady state, while the much smaller
 * reference was already warm). Each scenario starts after a full GC, so the set-up's garbage
 * (thousands of orders written through Prisma) is not collected inside whichever runs first.
 * The table shows CPU per request of this process, of Postgres and of Redis: the servers, the
 * load generator, Postgres and Redis all share the machine's cores.
 *
 * Targets: (a) ≥ 0.5 × (b) in requests/s, and (a) p99 < 25 ms. Then a serial run of (a) with
 * every pg query and Redis command counted and timed shows where a request's time goes, and
 * (when a target is missed) a CPU profile of the server thread under (a)'s load shows what
 * its CPU is spent on (written to .bench/webhook-throughput.cpuprofile).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import { Queue } from "bullmq";
import { Hono } from "hono";
import type { Redis } from "ioredis";
import pg from "pg";
import { QueueName } from "../../jobs/queues.js";
import { WEBHOOK_SETTLEMENTS_IN_FLIGHT } from "../../ops/runtime.js";
import { createRedis, waitForRedis } from "../../jobs/redis.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import {
  TRIPAY_CREDS,
  createPendingOrder,
  createPendingTripayOrders,
  createWebhookHarness,
  listen,
  tripayCallbackBody,
  tripayHeaders,
  type PendingOrder,
  type WebhookHarness,
} from "../webhooks/payments/harness.js";
import { fmt, latencyStats, table, target, type BenchReport, type LatencyStats } from "./report.js";
import { attributeProfile, cpuPerRequest, cpuSnapshot, createBenchDatabase, timePgQueries, type CpuProfile, type CpuSnapshot } from "./support.js";

// The issue fixes 20; BENCH_WEBHOOK_CONNECTIONS only for experiments (e.g. 1 = no contention).
const CONNECTIONS = Number(process.env.BENCH_WEBHOOK_CONNECTIONS) > 0 ? Number(process.env.BENCH_WEBHOOK_CONNECTIONS) : 20;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 25;
const PROFILE_REQUESTS = 200;
const CPU_PROFILE_REQUESTS = 1000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

// ───────────────────────────── load generator (worker thread) ─────────────────────────────

interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface LoadResult {
  total: number;
  elapsedMs: number;
  latencies: Float64Array;
  statuses: Record<string, number>;
  /** One answer body per distinct status (for error messages). */
  samples: Record<string, string>;
  errors: number;
  firstError?: string;
}

/**
 * Plain JS, evaluated in a worker thread: `total` requests over `connections` keep-alive
 * sockets, one closed loop per socket, request i = requests[i % requests.length].
 */
const LOAD_WORKER = String.raw`
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
parentPort.on("message", async (job) => {
  const { port, requests, connections, total } = job;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const prepared = requests.map((r) => {
    const body = Buffer.from(r.body);
    return { path: r.path, body, headers: { ...r.headers, "content-length": String(body.length) } };
  });
  const latencies = new Float64Array(total);
  const statuses = {};
  const samples = {};
  let errors = 0;
  let firstError;
  let next = 0;
  const once = (req) =>
    new Promise((resolve) => {
      const r = http.request({ host: "127.0.0.1", port, method: "POST", path: req.path, headers: req.headers, agent }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on("error", (e) => resolve({ status: 0, body: String(e) }));
      });
      r.on("error", (e) => resolve({ status: 0, body: String(e && e.message) }));
      r.end(req.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const res = await once(prepared[i % prepared.length]);
        latencies[i] = performance.now() - t0;
        const key = String(res.status);
        statuses[key] = (statuses[key] || 0) + 1;
        if (!(key in samples)) samples[key] = res.body.slice(0, 300);
        if (res.status === 0) {
          errors++;
          firstError = firstError || res.body;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  parentPort.postMessage({ total, elapsedMs, latencies, statuses, samples, errors, firstError }, [latencies.buffer]);
});
`;

class LoadClient {
  private readonly worker = new Worker(LOAD_WORKER, { eval: true });

  async run(port: number, requests: WireRequest[], total: number, connections = CONNECTIONS): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once("error", onError);
      this.worker.once("message", (m: LoadResult) => {
        this.worker.off("error", onError);
        resolve(m);
      });
      this.worker.postMessage({ port, requests, connections, total });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// ───────────────────────────── servers under test ─────────────────────────────

const tripayRequest = (p: PendingOrder, path = "/webhooks/tripay"): WireRequest => {
  const body = tripayCallbackBody(p, { paidAt: 1_795_000_000 });
  return { path, headers: tripayHeaders(body), body };
};

/** (b) The minimal reference: what the product route must do at the least, nothing more. */
function referenceApp(pool: pg.Pool, queue: Queue, privateKey: string) {
  const app = new Hono();
  app.post("/ref/tripay", async (c) => {
    const raw = await c.req.text();
    const expected = createHmac("sha256", privateKey).update(raw).digest();
    const given = Buffer.from(c.req.header("x-callback-signature") ?? "", "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.json({ success: false, message: "invalid signature" }, 401);
    const body = JSON.parse(raw) as { reference: string; status: string };
    const key = `${body.reference}:${body.status}`;
    const { rowCount } = await pool.query("INSERT INTO processed_events (source, key) VALUES ($1, $2) ON CONFLICT DO NOTHING", ["bench-ref", key]);
    if (rowCount === 1) await queue.add("paid", { key }, { jobId: key.replace(/[^A-Za-z0-9_.-]/g, "-") });
    return c.json({ success: true });
  });
  return app;
}

/** (c) The ceiling. */
function bareApp() {
  const app = new Hono();
  app.post("/ok", (c) => c.text("ok"));
  return app;
}

// ───────────────────────────── measurement ─────────────────────────────

/**
 * A full collection before each measured scenario: the set-up (thousands of orders written
 * through Prisma) and the previous scenario leave garbage whose major GC would otherwise land
 * in whichever scenario runs next, on the same 2 cores.
 */
const fullGc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => gc();
})();

interface Scenario {
  key: "a" | "a2" | "b" | "c";
  label: string;
  load: LoadResult;
  latency: LatencyStats;
  rate: number;
  /** Share of wall time the server's (main thread's) event loop was busy. */
  serverLoopBusy: number;
  /** Server event-loop busy time per request, ms (≈ its CPU per request). */
  serverMsPerRequest: number;
  /** CPU ms per request: this process (server thread + load generator), Postgres, Redis. */
  cpu: CpuSnapshot;
  loadAverage: [number, number];
}

async function measure(key: Scenario["key"], label: string, client: LoadClient, port: number, requests: WireRequest[], total: number): Promise<Scenario> {
  fullGc();
  const load0 = loadavg()[0]!;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = cpuSnapshot();
  const load = await client.run(port, requests, total);
  const cpu = cpuPerRequest(cpu0, cpuSnapshot(), total);
  const elu = performance.eventLoopUtilization(elu0);
  if (load.errors > 0) throw new Error(`${label}: ${load.errors} request(s) failed at the socket level, first: ${load.firstError}`);
  const rate = (load.total / load.elapsedMs) * 1000;
  return {
    key,
    label,
    load,
    latency: latencyStats(load.latencies),
    rate,
    serverLoopBusy: elu.utilization,
    serverMsPerRequest: elu.active / load.total,
    cpu,
    loadAverage: [load0, loadavg()[0]!],
  };
}

function expectAll200(s: Scenario, body?: string) {
  const bad = Object.entries(s.load.statuses).filter(([status]) => status !== "200");
  if (bad.length) throw new Error(`${s.label}: not every answer was 200: ${JSON.stringify(s.load.statuses)}; samples ${JSON.stringify(s.load.samples)}`);
  if (body !== undefined && s.load.samples["200"] !== body) throw new Error(`${s.label}: answered ${JSON.stringify(s.load.samples["200"])}, expected ${body}`);
}

// ───────────────────────────── where the time goes ─────────────────────────────

interface QueryStat {
  n: number;
  ms: number;
}

/**
 * Counts and times every pg query (all clients: Prisma's adapter pool) and every command on
 * the producer Redis connection while `fn` runs. Serial use only: with one request in flight,
 * everything observed belongs to it.
 */
async function instrumented<T>(redis: Redis, fn: () => Promise<T>) {
  const byStatement = new Map<string, QueryStat>();
  const pgTotal: QueryStat = { n: 0, ms: 0 };
  const redisByCommand = new Map<string, QueryStat>();
  const redisTotal: QueryStat = { n: 0, ms: 0 };

  const restorePg = timePgQueries((text) => {
    const sql = text.trim();
    const table = /\b(?:FROM|INTO|UPDATE)\s+"public"\."(\w+)"/i.exec(sql)?.[1];
    const verb = /^(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
    const forUpdate = /\bFOR UPDATE\b/i.test(sql) ? " … FOR UPDATE" : "";
    const label = table ? `${verb} ${table}${forUpdate}` : `${verb}${/^SELECT/i.test(sql) && forUpdate ? forUpdate : ""}`;
    return (ms) => {
      pgTotal.n++;
      pgTotal.ms += ms;
      const s = byStatement.get(label) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += ms;
      byStatement.set(label, s);
    };
  });

  const r = redis as Redis & { sendCommand: (cmd: unknown) => unknown };
  const origSend = r.sendCommand;
  r.sendCommand = function (this: Redis, cmd: { name: string; promise: Promise<unknown> }) {
    const started = performance.now();
    const out = origSend.call(this, cmd);
    cmd.promise.then(
      () => {
        const ms = performance.now() - started;
        redisTotal.n++;
        redisTotal.ms += ms;
        const s = redisByCommand.get(cmd.name) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += ms;
        redisByCommand.set(cmd.name, s);
      },
      () => undefined,
    );
    return out;
  } as typeof r.sendCommand;

  try {
    const result = await fn();
    return { result, byStatement, pgTotal, redisByCommand, redisTotal };
  } finally {
    restorePg();
    r.sendCommand = origSend;
  }
}

// ───────────────────────────── CPU profile ─────────────────────────────

/** The area of a script frame, by its URL (natives and Node internals are attributed in `attributeProfile`). */
function areaOf(url: string): string {
  const rules: Array<[RegExp, string]> = [
    [/query_compiler|^wasm:/, "Prisma query compiler (wasm, per query)"],
    [/@prisma\/client\/runtime|db\/generated\//, "Prisma client runtime (JS: request, transaction, interpreter, result mapping)"],
    [/@prisma\/(adapter-pg|driver-adapter-utils)/, "Prisma pg adapter"],
    [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//, "pg driver (protocol, parsing rows)"],
    [/node_modules\/bullmq\//, "BullMQ (queue.add)"],
    [/node_modules\/(ioredis|redis-parser|denque|@ioredis\/[^/]+|standard-as-callback|cluster-key-slot)\//, "ioredis"],
    [/node_modules\/(msgpackr|msgpackr-extract)\//, "msgpackr (BullMQ job options)"],
    [/node_modules\/zod\//, "zod (callback + job payload schemas)"],
    [/node_modules\/(pino|@pinojs|fast-redact|sonic-boom|thread-stream|quick-format-unescaped|atomic-sleep)/, "pino (logging)"],
    [/node_modules\/(prom-client|tdigest|bintrees)/, "prom-client"],
    [/node_modules\/@hono\/node-server\//, "@hono/node-server (Node req/res ↔ Request/Response)"],
    [/node_modules\/hono\//, "Hono (routing, middleware, bodyLimit)"],
    [/node_modules\/undici/, "undici (Request/Response objects)"],
    [/\/shop\/payments\/gateways\//, "our gateway code (HMAC, schemas)"],
    [/\/shop\/|\/webhooks\/|\/jobs\/|\/ops\/|\/db\/client/, "our code (route, settle, state machine, dispatch)"],
    [/\/test\//, "bench harness"],
  ];
  for (const [re, area] of rules) if (re.test(url)) return area;
  return `other: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? url}`;
}

/** Profiles the main thread (the server) while `fn` drives load; self time by area and top functions. */
async function cpuProfile(requests: number, fn: () => Promise<unknown>) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const started = performance.now();
  await fn();
  const elapsedMs = performance.now() - started;
  const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
  session.disconnect();
  mkdirSync(join(root, ".bench"), { recursive: true });
  const file = join(root, ".bench", "webhook-throughput.cpuprofile");
  writeFileSync(file, JSON.stringify(profile));

  const { byArea, byFn, totalUs } = attributeProfile(profile, { root, areaOf, fallbackArea: "Node internals (sockets, HTTP parser, microtasks)" });
  const idle = byArea.get("idle (waiting for I/O)") ?? 0;
  const busyUs = totalUs - idle;
  const per = (us: number) => us / 1000 / requests;
  const areas = [...byArea.entries()].filter(([a]) => a !== "idle (waiting for I/O)").sort((x, y) => y[1] - x[1]);
  const fns = [...byFn.entries()].sort((x, y) => y[1] - x[1]).slice(0, 15);
  const lines = [
    `CPU profile of the server thread under (a)'s load (${fmt.int(requests)} fresh PAID callbacks, ${CONNECTIONS} connections, ${(elapsedMs / 1000).toFixed(1)} s):`,
    `  busy ${fmt.pct(busyUs / totalUs)} of wall time → ${fmt.ms(per(busyUs))} ms CPU per request. Saved to ${file.replace(root + "/", "")} (Chrome DevTools → Performance).`,
    "",
    ...table(["CPU self time by area", "ms/request", "share of busy"], areas.map(([a, us]) => [a, fmt.ms(per(us)), fmt.pct(us / busyUs)])),
    "",
    ...table(["top functions (self time)", "ms/request", "share"], fns.map(([f, us]) => [f.length > 110 ? f.slice(0, 109) + "…" : f, fmt.ms(per(us)), fmt.pct(us / busyUs)])),
  ];
  return {
    lines,
    data: {
      requests,
      cpuMsPerRequest: per(busyUs),
      busyShare: busyUs / totalUs,
      byArea: Object.fromEntries(areas.map(([a, us]) => [a, per(us)])),
      topFunctions: fns.map(([f, us]) => ({ fn: f, msPerRequest: per(us) })),
      file,
    },
  };
}

// ───────────────────────────── run ─────────────────────────────

export async function run(): Promise<BenchReport> {
  const total = envInt("BENCH_WEBHOOK_REQUESTS", 5000);
  const poolSize = envInt("BENCH_WEBHOOK_POOL", 10);
  const warm = envInt("BENCH_WEBHOOK_WARMUP", 2000);
  const db = await createBenchDatabase();
  const prefix = uniquePrefix("bench-webhook");
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    const inFlight = envInt("BENCH_WEBHOOK_IN_FLIGHT", WEBHOOK_SETTLEMENTS_IN_FLIGHT);
    const h: WebhookHarness = await createWebhookHarness({ dbUrl: db.url, prefix, poolSize, settlementsInFlight: inFlight, logLevel: process.env.BENCH_LOG_LEVEL ?? "silent" });
    cleanups.push(() => h.close());
    const client = new LoadClient();
    cleanups.push(() => client.close());
    const real = await listen(h.app);
    cleanups.push(() => real.close());
    const followups = h.queues.get(QueueName.PaymentFollowups);

    // Orders + payments up front: warm-up, (a), the serial profile, and one for (a2).
    const t0 = performance.now();
    const warmOrders = await createPendingTripayOrders(h.prisma, warm);
    const aOrders = await createPendingTripayOrders(h.prisma, total);
    const profileOrders = await createPendingTripayOrders(h.prisma, PROFILE_REQUESTS);
    const dupOrder = await createPendingOrder(h.prisma);
    const cpuOrders = await createPendingTripayOrders(h.prisma, CPU_PROFILE_REQUESTS);
    const setupMs = performance.now() - t0;

    // ── (a) every request a real transition
    const warmA = await client.run(real.port, warmOrders.map((p) => tripayRequest(p)), warmOrders.length);
    if (warmA.statuses["200"] !== warmOrders.length) throw new Error(`(a) warm-up: ${JSON.stringify(warmA.statuses)} ${JSON.stringify(warmA.samples)}`);
    const before = {
      paidHistory: await h.prisma.orderStatusHistory.count({ where: { toStatus: "PAID" } }),
      callbacks: await h.prisma.paymentCallback.count(),
      jobs: await followups.getWaitingCount(),
    };
    const batches0 = { ...h.settler.stats };
    const a = await measure("a", "(a) /webhooks/tripay, each a new PAID", client, real.port, aOrders.map((p) => tripayRequest(p)), aOrders.length);
    expectAll200(a, '{"success":true}');
    const batching = {
      statements: h.settler.stats.statements - batches0.statements,
      callbacks: h.settler.stats.callbacks - batches0.callbacks,
      largest: h.settler.stats.largestBatch,
      fallbacks: h.settler.stats.fallbacks - batches0.fallbacks,
    };
    const after = {
      paidOrders: await h.prisma.order.count({ where: { id: { in: aOrders.map((p) => p.orderId) }, status: "PAID" } }),
      paidHistory: (await h.prisma.orderStatusHistory.count({ where: { toStatus: "PAID" } })) - before.paidHistory,
      callbacks: (await h.prisma.paymentCallback.count()) - before.callbacks,
      jobs: (await followups.getWaitingCount()) - before.jobs,
    };
    for (const [what, n] of Object.entries(after)) {
      if (n !== total) throw new Error(`(a): expected ${total} ${what}, got ${n} (${JSON.stringify(after)})`);
    }

    // ── (a2) every request a duplicate of one callback (all fired at once, the first one included)
    const dup = tripayRequest(dupOrder);
    const a2 = await measure("a2", "(a2) /webhooks/tripay, all one callback", client, real.port, [dup], total);
    expectAll200(a2, '{"success":true}');
    const dupPaidHistory = await h.prisma.orderStatusHistory.count({ where: { orderId: dupOrder.orderId, toStatus: "PAID" } });
    const dupJobs = (await followups.getJobs(["waiting"])).filter((j) => (j.data as { paymentId?: number }).paymentId === dupOrder.paymentId).length;
    const dupOutcomes = await h.prisma.paymentCallback.groupBy({ by: ["outcome"], where: { reference: dupOrder.gatewayReference }, _count: true });
    const dupApplied = dupOutcomes.find((o) => o.outcome === "paid")?._count ?? 0;
    const dupDuplicates = dupOutcomes.filter((o) => o.outcome?.startsWith("duplicate")).reduce((s, o) => s + o._count, 0);
    if (dupPaidHistory !== 1 || dupJobs !== 1 || dupApplied !== 1 || dupDuplicates !== total - 1) {
      throw new Error(`(a2) exactly-once violated: ${dupPaidHistory} PAID history rows, ${dupJobs} follow-up jobs, outcomes ${JSON.stringify(dupOutcomes)}`);
    }

    // ── (b) the minimal reference, same bodies (new keys for source "bench-ref"), same pool size
    const refPool = new pg.Pool({ connectionString: db.url, max: poolSize, application_name: "vps-shop:bench-ref" });
    refPool.on("error", () => undefined);
    const refRedis = createRedis(TEST_REDIS_URL, "producer");
    refRedis.on("error", () => undefined);
    await waitForRedis(refRedis);
    const refQueue = new Queue("bench-ref", { connection: refRedis, prefix: `${prefix}:ref` });
    refQueue.on("error", () => undefined);
    cleanups.push(
      () => refQueue.close(),
      () => refRedis.disconnect(),
      () => refPool.end(),
    );
    const ref = await listen(referenceApp(refPool, refQueue, TRIPAY_CREDS.privateKey));
    cleanups.push(() => ref.close());
    await client.run(ref.port, warmOrders.map((p) => tripayRequest(p, "/ref/tripay")), warmOrders.length);
    const b = await measure("b", "(b) reference (HMAC, 1 INSERT, 1 queue.add)", client, ref.port, aOrders.map((p) => tripayRequest(p, "/ref/tripay")), aOrders.length);
    expectAll200(b, '{"success":true}');
    const refJobs = await refQueue.getWaitingCount();
    if (refJobs !== warmOrders.length + total) throw new Error(`(b): expected ${warmOrders.length + total} jobs, got ${refJobs}`);

    // ── (c) bare Hono
    const bare = await listen(bareApp());
    cleanups.push(() => bare.close());
    const bareRequests = aOrders.slice(0, 100).map((p) => tripayRequest(p, "/ok"));
    await client.run(bare.port, bareRequests, warm * 3);
    const c = await measure("c", "(c) bare Hono ok", client, bare.port, bareRequests, total * 3);
    expectAll200(c, "ok");

    // ── where (a)'s time goes: serial, one connection, every pg query / Redis command counted
    const profile = await instrumented(h.producerRedis, async () => {
      const elu0 = performance.eventLoopUtilization();
      const r = await client.run(real.port, profileOrders.map((p) => tripayRequest(p)), profileOrders.length, 1);
      return { load: r, elu: performance.eventLoopUtilization(elu0) };
    });
    const serial = profile.result.load;
    if (serial.statuses["200"] !== PROFILE_REQUESTS) throw new Error(`serial profile: ${JSON.stringify(serial.statuses)}`);
    const n = PROFILE_REQUESTS;
    const serialLatency = latencyStats(serial.latencies);
    const serverActiveMs = profile.result.elu.active / n;
    const pgPer = profile.pgTotal.n / n;
    const pgMsPer = profile.pgTotal.ms / n;
    const redisPer = profile.redisTotal.n / n;
    const redisMsPer = profile.redisTotal.ms / n;

    // Reference serial for comparison (no instrumentation needed: 1 query + 1 add by construction).
    const refSerial = await client.run(ref.port, profileOrders.map((p) => tripayRequest(p, "/ref/tripay")), n, 1);
    const refSerialLatency = latencyStats(refSerial.latencies);

    const scenarios = [a, a2, b, c];
    const ratio = a.rate / b.rate;
    const targets = [
      target("(a) / (b) throughput", Number(ratio.toFixed(3)), ">=", TARGET_RATIO, "×"),
      target("(a) p99 latency", Number(a.latency.p99.toFixed(2)), "<", TARGET_P99_MS, " ms"),
    ];
    const cores = availableParallelism();
    const maxLoad = Math.max(...scenarios.flatMap((s) => s.loadAverage));

    const lines: string[] = [
      `Tripay callbacks over HTTP: ${CONNECTIONS} keep-alive connections (closed loops) from a worker thread; servers on 127.0.0.1 in the main thread.`,
      `Postgres pool ${poolSize} for (a) and (b); Postgres + Redis on this machine. ${fmt.int(total)} requests per scenario ((c) ${fmt.int(total * 3)}), after a warm-up of ${fmt.int(warm)}.`,
      `Set-up: ${fmt.int(warm + total + PROFILE_REQUESTS + CPU_PROFILE_REQUESTS + 1)} pending orders + payments created in ${(setupMs / 1000).toFixed(1)} s.`,
      "",
      ...table(
        ["scenario", "requests", "seconds", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server loop", "server ms/req", "CPU ms/req: node pg redis"],
        scenarios.map((s) => [
          s.label,
          fmt.int(s.load.total),
          (s.load.elapsedMs / 1000).toFixed(2),
          fmt.rate(s.rate),
          fmt.ms(s.latency.p50),
          fmt.ms(s.latency.p90),
          fmt.ms(s.latency.p99),
          fmt.ms(s.latency.max),
          fmt.pct(s.serverLoopBusy),
          s.serverMsPerRequest < 0.1 ? s.serverMsPerRequest.toFixed(3) : fmt.ms(s.serverMsPerRequest),
          [s.cpu.self, s.cpu.postgres, s.cpu.redis].map((v) => v.toFixed(2)).join(" "),
        ]),
      ),
      "  server loop = event-loop utilization of the thread serving HTTP (the product code and its drivers run there).",
      "  CPU ms/req = CPU time per request of this process (server thread + load-generator thread), of all Postgres processes, of Redis.",
      ...(maxLoad > cores * 0.75
        ? [
            `  ⚠ The machine was busy: 1-min load average up to ${maxLoad.toFixed(1)} on ${cores} cores during the measurements;`,
            "    absolute rates are depressed; the ratios and the per-request counts below are the more reliable numbers.",
          ]
        : []),
      "",
      `(a)/(b) = ${ratio.toFixed(3)}   (b)/(c) = ${(b.rate / c.rate).toFixed(3)}   (a)/(c) = ${(a.rate / c.rate).toFixed(3)}   (a2)/(a) = ${(a2.rate / a.rate).toFixed(2)}`,
      `Little's law, closed loop: mean latency ≈ ${CONNECTIONS} ÷ throughput → (a) ${fmt.ms((CONNECTIONS / a.rate) * 1000)} ms; a p99 under ${TARGET_P99_MS} ms at ${CONNECTIONS} connections needs well over ${fmt.int((CONNECTIONS / TARGET_P99_MS) * 1000)} req/s.`,
      `(a) settlement: ${fmt.int(batching.callbacks)} callbacks in ${fmt.int(batching.statements)} statements (${(batching.callbacks / Math.max(1, batching.statements)).toFixed(1)} per statement, largest ${batching.largest}, ` +
        `${batching.fallbacks} batches retried one by one); at most ${inFlight} statements at once (the web role's WEBHOOK_SETTLEMENTS_IN_FLIGHT), pool ${poolSize}.`,
      `(a) checked: ${fmt.int(after.paidOrders)} orders PAID, ${fmt.int(after.paidHistory)} PAID history rows, ${fmt.int(after.callbacks)} callback rows, ${fmt.int(after.jobs)} follow-up jobs.`,
      `(a2) checked: ${fmt.int(total)} copies of one callback → ${dupPaidHistory} PAID history row (0 double transitions), ${dupJobs} follow-up job, ` +
        `${dupApplied} "paid" + ${fmt.int(dupDuplicates)} "duplicate" callback rows, every answer 200 {"success":true}.`,
      `Load average (1 min) before/after: ${scenarios.map((s) => `${s.key} ${s.loadAverage.map((l) => l.toFixed(1)).join("/")}`).join(", ")} (${cores} cores)`,
      "",
      `Where (a)'s time goes — serial (1 connection, ${n} fresh PAID callbacks), every pg query and producer-Redis command counted:`,
      `  wall p50 ${fmt.ms(serialLatency.p50)} ms, mean ${fmt.ms(serialLatency.mean)} ms; server loop busy ${fmt.ms(serverActiveMs)} ms/request` +
        ` (reference (b) serial: p50 ${fmt.ms(refSerialLatency.p50)} ms, mean ${fmt.ms(refSerialLatency.mean)} ms).`,
      `  ${pgPer.toFixed(1)} Postgres round trips (${fmt.ms(pgMsPer)} ms; ${((profile.byStatement.get("BEGIN")?.n ?? 0) / n).toFixed(1)} transaction) + ${redisPer.toFixed(1)} Redis commands (${fmt.ms(redisMsPer)} ms) per request;` +
        " the reference (b) does 1 INSERT + 1 queue.add.",
      "",
      ...table(
        ["pg statement (per request)", "count", "ms"],
        [...profile.byStatement.entries()].sort((x, y) => y[1].ms - x[1].ms).map(([label, s]) => [label, (s.n / n).toFixed(2), fmt.ms(s.ms / n)]),
      ),
      "",
      ...table(
        ["redis command (per request)", "count", "ms"],
        [...profile.redisByCommand.entries()].sort((x, y) => y[1].ms - x[1].ms).map(([label, s]) => [label, (s.n / n).toFixed(2), fmt.ms(s.ms / n)]),
      ),
      `  Serial wall ${fmt.ms(serialLatency.mean)} ms = Postgres ${fmt.ms(pgMsPer)} + Redis ${fmt.ms(redisMsPer)} + the rest ${fmt.ms(Math.max(0, serialLatency.mean - pgMsPer - redisMsPer))} ms` +
        " (HMAC, zod, Hono, HTTP, the pg and BullMQ drivers, metrics, event-loop hops).",
    ];

    const data: Record<string, unknown> = {
      connections: CONNECTIONS,
      requests: total,
      poolSize,
      warmup: warm,
      setupMs,
      cores,
      scenarios: Object.fromEntries(
        scenarios.map((s) => [
          s.key,
          {
            label: s.label,
            requests: s.load.total,
            elapsedMs: s.load.elapsedMs,
            requestsPerSecond: s.rate,
            latencyMs: s.latency,
            statuses: s.load.statuses,
            serverLoopBusy: s.serverLoopBusy,
            serverMsPerRequest: s.serverMsPerRequest,
            cpuMsPerRequest: s.cpu,
            loadAverage: s.loadAverage,
          },
        ]),
      ),
      ratioAtoB: ratio,
      settlement: { inFlight, ...batching },
      checks: { a: after, a2: { paidHistoryRows: dupPaidHistory, followupJobs: dupJobs, applied: dupApplied, duplicates: dupDuplicates } },
      serialProfile: {
        requests: n,
        latencyMs: serialLatency,
        serverActiveMsPerRequest: serverActiveMs,
        pgQueriesPerRequest: pgPer,
        pgMsPerRequest: pgMsPer,
        redisCommandsPerRequest: redisPer,
        redisMsPerRequest: redisMsPer,
        pgByStatement: Object.fromEntries([...profile.byStatement.entries()].map(([k, s]) => [k, { perRequest: s.n / n, msPerRequest: s.ms / n }])),
        redisByCommand: Object.fromEntries([...profile.redisByCommand.entries()].map(([k, s]) => [k, { perRequest: s.n / n, msPerRequest: s.ms / n }])),
        referenceLatencyMs: refSerialLatency,
      },
    };
    const mode = process.env.BENCH_PROFILE;
    if (mode === "1" || (mode !== "0" && targets.some((t) => !t.pass))) {
      const cpu = await cpuProfile(CPU_PROFILE_REQUESTS, async () => {
        const r = await client.run(real.port, cpuOrders.map((p) => tripayRequest(p)), cpuOrders.length);
        if (r.statuses["200"] !== cpuOrders.length) throw new Error(`CPU profile run: ${JSON.stringify(r.statuses)}`);
      });
      lines.push("", ...cpu.lines);
      data.cpuProfile = cpu.data;
    }
    return { name: "webhook-throughput", title: "Payment webhook throughput: /webhooks/tripay vs minimal reference vs bare Hono", lines, data, targets };
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await deleteKeys(prefix).catch(() => undefined);
    await db.drop();
  }
}
