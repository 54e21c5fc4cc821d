/**
 * Shared plumbing for benchmarks: a throwaway migrated database, the recording
 * Bot API stub with flow-message tracking, and a load driver with the runner's
 * concurrency model (chats in parallel, each chat's updates in sequence).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import type { Update } from "grammy/types";
import { recordingFetch, updates, type TestUser } from "../support/bot-harness.js";
import { HOST_TAG, TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX, databaseUrl, quoteIdent } from "../support/db-context.js";
import { listMigrations } from "../support/global-setup.js";

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database with the committed migrations applied, the same way the
 * vitest global setup builds its template. The name follows the test-database
 * pattern (`vps_test_<host>_<pid>_<hex>_bench`), so if this process is killed the
 * next `vitest run` drops the leftover.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `${TEST_DB_PREFIX}${HOST_TAG}_${process.pid}_${randomBytes(3).toString("hex")}_bench`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = databaseUrl(TEST_DATABASE_ADMIN_URL, name);
  const drop = () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).then(() => undefined);
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const m of listMigrations()) await client.query(m.sql);
    } finally {
      await client.end();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url, drop };
}

/**
 * `recordingFetch()` (answers Bot API calls like Telegram), plus: per-method call
 * counts, the message id of the last sendMessage per chat (the flow message the
 * next callbacks press on), and a bounded record so long runs do not hoard memory.
 */
export function stubTelegram() {
  const rec = recordingFetch();
  const counts = new Map<string, number>();
  const lastSent = new Map<number, number>();
  let staleAnswers = 0;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const pending = rec.fetch(input, init);
    // recordingFetch records synchronously, before its first await.
    const call = rec.calls[rec.calls.length - 1]!;
    if (rec.calls.length > 2_000) rec.calls.splice(0, rec.calls.length - 1);
    counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
    if (call.method === "answerCallbackQuery" && call.payload.text !== undefined) staleAnswers++;
    const res = await pending;
    if (call.method === "sendMessage") {
      const body = (await res.clone().json()) as { result: { message_id: number } };
      lastSent.set(Number(call.payload.chat_id), body.result.message_id);
    }
    return res;
  }) as typeof globalThis.fetch;
  return {
    fetch,
    calls: rec.calls,
    /** Message id of the last message sent into `chatId` (the flow message after /catalog). */
    flowMessage: (chatId: number) => lastSent.get(chatId),
    /** Bot API calls since the last `reset()`, by method. */
    snapshot() {
      return { counts: Object.fromEntries(counts), total: [...counts.values()].reduce((a, b) => a + b, 0), staleAnswers };
    },
    reset() {
      counts.clear();
      staleAnswers = 0;
    },
  };
}

export type Stub = ReturnType<typeof stubTelegram>;

/**
 * One chat browsing the catalog in a loop: `/catalog` (or `command`), then
 * `steps` as callback presses on the flow message, then the command again.
 */
export class BrowseScript {
  private pos = 0;
  constructor(
    readonly user: TestUser,
    private readonly steps: readonly string[],
    private readonly stub: Stub,
    private readonly opts: { command?: string; fallbackMessageId?: number } = {},
  ) {}

  get flowLength(): number {
    return this.steps.length + 1;
  }

  /** The next update of this chat and its position in the flow (0 = the command). */
  next(): { update: Update; pos: number } {
    const pos = this.pos;
    this.pos = (pos + 1) % this.flowLength;
    if (pos === 0) return { update: updates.text(this.user, this.opts.command ?? "/catalog"), pos };
    // For bots that never send a message, press on `fallbackMessageId` instead.
    const flow = this.stub.flowMessage(this.user.id) ?? this.opts.fallbackMessageId;
    if (flow === undefined) throw new Error(`chat ${this.user.id}: no flow message after ${this.opts.command ?? "/catalog"} (the bot sent nothing)`);
    return { update: updates.callback(this.user, this.steps[pos - 1]!, flow), pos };
  }
}

export interface DriveResult {
  updates: number;
  elapsedMs: number;
  /** CPU time of this process (user + system, all threads) per update, ms. */
  cpuMsPerUpdate: number;
  /** Share of wall time the event loop was busy (1 = saturated main thread). */
  eventLoopUtilization: number;
  /** Per-update handler latency (ms), in completion order. */
  latencies: Float64Array;
  /** Flow position of each update (parallel to `latencies`). */
  positions: Uint8Array;
  rate: number;
}

/**
 * Feeds exactly `total` updates into `handle`, one async loop per chat: chats in
 * parallel, each chat's updates strictly in sequence (what @grammyjs/runner with
 * sequentialize() does). Latency is measured around each `handle` call.
 */
export async function drive(scripts: readonly BrowseScript[], handle: (update: Update) => Promise<unknown>, total: number): Promise<DriveResult> {
  const latencies = new Float64Array(total);
  const positions = new Uint8Array(total);
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  await Promise.all(
    scripts.map(async (script) => {
      while (issued < total) {
        const i = issued++;
        const { update, pos } = script.next();
        const t0 = performance.now();
        await handle(update);
        latencies[i] = performance.now() - t0;
        positions[i] = pos;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  return {
    updates: total,
    elapsedMs,
    cpuMsPerUpdate: (cpu.user + cpu.system) / 1000 / total,
    eventLoopUtilization: elu.utilization,
    latencies,
    positions,
    rate: (total / elapsedMs) * 1000,
  };
}

export interface Measured extends DriveResult {
  warmup: { updates: number; elapsedMs: number; rate: number };
  /** 1-minute load average of the machine before and after the measurement. */
  loadAverage: [number, number];
}

/**
 * Warm up for at least `warmSeconds` (and `minWarmUpdates`), then measure a fixed
 * number of updates sized from the warm-up rate to last about `measureSeconds`
 * (BENCH_UPDATES overrides the count).
 */
export async function warmAndMeasure(
  scripts: readonly BrowseScript[],
  handle: (update: Update) => Promise<unknown>,
  opts: { warmSeconds: number; measureSeconds: number; minWarmUpdates: number; before?: () => void },
): Promise<Measured> {
  let warmUpdates = 0;
  let warmMs = 0;
  let batch = opts.minWarmUpdates;
  let rate = 0;
  while (warmMs < opts.warmSeconds * 1000 || warmUpdates < opts.minWarmUpdates) {
    const r = await drive(scripts, handle, batch);
    warmUpdates += r.updates;
    warmMs += r.elapsedMs;
    rate = r.rate;
    batch = Math.max(scripts.length, Math.ceil(rate * 0.5));
  }
  const fixed = Number(process.env.BENCH_UPDATES);
  const total = Number.isFinite(fixed) && fixed > 0 ? fixed : roundCount(rate * opts.measureSeconds);
  opts.before?.();
  const load0 = loadavg()[0]!;
  const r = await drive(scripts, handle, total);
  return { ...r, loadAverage: [load0, loadavg()[0]!], warmup: { updates: warmUpdates, elapsedMs: warmMs, rate: (warmUpdates / warmMs) * 1000 } };
}

/** 12_345 → 12_000: a count that reads like a chosen number. */
function roundCount(n: number): number {
  const step = 10 ** Math.max(2, Math.floor(Math.log10(Math.max(n, 1))) - 1);
  return Math.max(1_000, Math.round(n / step) * step);
}

/** Seconds from env (BENCH_SECONDS), else `fallback`. */
export function envSeconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A V8 CPU profile as the inspector's Profiler.stop returns it. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time of a CPU profile, by area and by function. GC, idle and program
 * time get their own areas; other natives and Node internals count for their
 * caller (or `fallbackArea` at the top of the stack); `areaOf` names the area of
 * every other frame by its script URL.
 */
export function attributeProfile(
  profile: CpuProfile,
  opts: { root: string; areaOf: (url: string) => string; fallbackArea: string },
): { byArea: Map<string, number>; byFn: Map<string, number>; totalUs: number } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0)));
  const cache = new Map<number, string>();
  const areaOfNode = (id: number): string => {
    const hit = cache.get(id);
    if (hit) return hit;
    const n = nodes.get(id)!;
    let area = nativeArea(n.callFrame.url, n.callFrame.functionName) ?? (n.callFrame.url && !/^node:|^internal\//.test(n.callFrame.url) ? opts.areaOf(n.callFrame.url) : undefined);
    if (!area) {
      const p = parent.get(id);
      area = p === undefined || nodes.get(p)!.callFrame.functionName === "(root)" ? opts.fallbackArea : areaOfNode(p);
    }
    cache.set(id, area);
    return area;
  };
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const n = nodes.get(id)!;
    totalUs += us;
    const area = areaOfNode(id);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^file:\/\/\//, "/").replace(opts.root + "/", "").replace(/^.*node_modules\//, "")}:${f.lineNumber + 1}` : `native, in ${area}`;
    const key = `${f.functionName || "(anonymous)"}  ${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  return { byArea, byFn, totalUs };
}

/** Areas of V8's pseudo-frames; undefined for everything else. */
function nativeArea(url: string, fn: string): string | undefined {
  if (url) return undefined;
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(idle)") return "idle (waiting for I/O)";
  if (fn === "(program)") return "V8/native (program)";
  return undefined;
}

/** CPU seconds used so far by this process and by every process named `postgres` / `redis-server` (Linux /proc; zeros elsewhere). */
export interface CpuSnapshot {
  self: number;
  postgres: number;
  redis: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux x86-64

export function cpuSnapshot(): CpuSnapshot {
  const u = process.cpuUsage();
  const snap: CpuSnapshot = { self: (u.user + u.system) / 1e6, postgres: 0, redis: 0 };
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return snap;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(open + 1, close);
    const which = comm === "postgres" ? "postgres" : comm.startsWith("redis-server") ? "redis" : undefined;
    if (!which) continue;
    // Fields after the comm: state(3) … utime(14) stime(15), counted from 1 over the whole line.
    const rest = stat.slice(close + 2).split(" ");
    snap[which] += (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
  }
  return snap;
}

/** CPU ms per request between two snapshots. */
export function cpuPerRequest(a: CpuSnapshot, b: CpuSnapshot, requests: number): CpuSnapshot {
  const per = (k: keyof CpuSnapshot) => ((b[k] - a[k]) * 1000) / requests;
  return { self: per("self"), postgres: per("postgres"), redis: per("redis") };
}

/**
 * Times every pg query of every client (Prisma's adapter pool included) until the returned
 * function restores pg. `onQuery(sql)` runs as a query starts; it may return a callback, which
 * gets the query's duration in ms when it ends (with a result or an error).
 */
export function timePgQueries(onQuery: (sql: string) => ((ms: number) => void) | undefined): () => void {
  type Query = (...args: unknown[]) => unknown;
  const proto = pg.Client.prototype as unknown as { query: Query };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const record = onQuery(typeof first === "string" ? first : (first?.text ?? ""));
    if (!record) return original.apply(this, args);
    const started = performance.now();
    const done = () => record(performance.now() - started);
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => {
        done();
        (last as (e: unknown, r: unknown) => void)(err, res);
      };
      return original.apply(this, args);
    }
    const out = original.apply(this, args) as Promise<unknown> | undefined;
    out?.then?.(done, done);
    return out;
  };
  return () => {
    proto.query = original;
  };
}
