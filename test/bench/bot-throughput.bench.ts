/**
 * Bot throughput: catalog browsing through the FULL bot (createBot on createCore,
 * real Postgres and Redis, Bot API stubbed by recordingFetch) versus a minimal
 * reference bot (session in Redis + one Postgres query + one API call per update)
 * and bare grammY (no I/O). 32 chats in parallel, each chat's updates in order.
 *
 *   npm run bench -- bot                 (BENCH_SECONDS=8 per measurement)
 *   BENCH_PROFILE=1 npm run bench -- bot (profile even if the targets are met; 0 = never)
 *
 * Targets: (a) ≥ 0.5 × (b) in updates/s, and (a) p99 < 20 ms.
 * If a target is missed the bench profiles the full bot: round trips per update
 * by middleware, conversation replay cost by log length, and a CPU profile
 * (written to .bench/bot-throughput.cpuprofile, open it in Chrome DevTools).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ReplayEngine } from "@grammyjs/conversations/out/engine.js";
import { Bot, session, type Context, type SessionFlavor, type StorageAdapter } from "grammy";
import type { Update } from "grammy/types";
import { Redis } from "ioredis";
import pg from "pg";
import { createBot } from "../../bot/index.js";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createCore } from "../../ops/runtime.js";
import { startFakeClouds } from "../../ops/fakes/clouds/index.js";
import { TEST_BOT_INFO, type TestUser } from "../support/bot-harness.js";
import type { TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { testEnv } from "../support/service.js";
import { fmt, latencyStats, table, target, type BenchReport, type LatencyStats } from "./report.js";
import { attributeProfile, type CpuProfile, BrowseScript, createBenchDatabase, drive, envSeconds, stubTelegram, timePgQueries, warmAndMeasure, type Measured, type Stub } from "./support.js";

const CHATS = 32;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 20;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A realistic browse; every step is a button on the flow message. */
async function browseSteps(prisma: PrismaClient): Promise<{ steps: string[]; labels: string[] }> {
  const plan = async (code: string) => (await prisma.plan.findUniqueOrThrow({ where: { code } })).id;
  const [do1, do2, v1] = await Promise.all([plan("do-s-1vcpu-1gb-sgp1"), plan("do-s-1vcpu-2gb-sgp1"), plan("vultr-vc2-1c-1gb-sgp")]);
  const image = await prisma.osImage.findFirstOrThrow({ where: { code: "ubuntu-24.04", provider: { code: "VULTR" } } });
  const flow: Array<[string, string]> = [
    ["cat:prov:DIGITALOCEAN:0", "provider DO → plans"],
    [`cat:plan:${do1}:0`, "plan → durations"],
    ["cat:prov:DIGITALOCEAN:0", "back → plans"],
    [`cat:plan:${do2}:0`, "other plan → durations"],
    [`cat:dur:${do2}:3`, "3 months → images"],
    [`cat:plan:${do2}:0`, "back → durations"],
    ["cat:prov:DIGITALOCEAN:0", "back → plans"],
    ["cat:home", "back → providers"],
    ["cat:prov:VULTR:0", "provider Vultr → plans"],
    [`cat:plan:${v1}:0`, "plan → durations"],
    [`cat:dur:${v1}:12`, "12 months → images"],
    [`cat:plan:${v1}:0`, "back → durations"],
    [`cat:dur:${v1}:1`, "1 month → images"],
    [`cat:img:${v1}:1:${image.id}`, "image → checkout (coupon)"],
    ["chk:skip", "skip coupon → summary"],
  ];
  return { steps: flow.map(([data]) => data), labels: ["/catalog → providers", ...flow.map(([, label]) => label)] };
}

const benchUsers = (base: number, n: number): TestUser[] =>
  Array.from({ length: n }, (_, i) => ({ id: base + i, first_name: `Bench ${i + 1}`, language_code: "id" }));

interface Scenario {
  key: "a" | "a0" | "b" | "c" | "c0";
  label: string;
  result: Measured;
  latency: LatencyStats;
  api: ReturnType<Stub["snapshot"]>;
}

async function measure(key: Scenario["key"], label: string, stub: Stub, scripts: BrowseScript[], handle: (u: Update) => Promise<unknown>): Promise<Scenario> {
  const seconds = envSeconds("BENCH_SECONDS", 8);
  const result = await warmAndMeasure(scripts, handle, {
    warmSeconds: Math.min(3, seconds / 2),
    measureSeconds: seconds,
    minWarmUpdates: scripts.length * Math.max(16, scripts[0]!.flowLength) * 2,
    before: () => stub.reset(),
  });
  return { key, label, result, latency: latencyStats(result.latencies), api: stub.snapshot() };
}

/** (b) Minimal reference: Redis session (get/set JSON), one Postgres query, one API call. */
function referenceBot(token: string, fetch: typeof globalThis.fetch, redis: Redis, pool: pg.Pool, prefix: string) {
  type Ctx = Context & SessionFlavor<{ views: number; last?: string }>;
  const storage: StorageAdapter<{ views: number; last?: string }> = {
    read: async (key) => {
      const raw = await redis.get(prefix + key);
      return raw === null ? undefined : JSON.parse(raw);
    },
    write: async (key, value) => {
      await redis.set(prefix + key, JSON.stringify(value), "EX", 86_400);
    },
    delete: async (key) => {
      await redis.del(prefix + key);
    },
  };
  const bot = new Bot<Ctx>(token, { botInfo: TEST_BOT_INFO, client: { apiRoot: "http://127.0.0.1:9", fetch } });
  bot.use(session({ initial: () => ({ views: 0 }), getSessionKey: (ctx) => ctx.chat?.id.toString(), storage }));
  const render = async (ctx: Ctx) => {
    const { rows } = await pool.query<{ id: number; name: string; vcpu: number; memory_mb: number }>(
      "SELECT id, name, vcpu, memory_mb FROM plans WHERE active ORDER BY sort_order, id",
    );
    ctx.session.views++;
    ctx.session.last = ctx.callbackQuery?.data ?? ctx.msg?.text;
    return rows.map((r) => `${r.name}: ${r.vcpu} vCPU, ${r.memory_mb} MB`).join("\n");
  };
  bot.command("catalog", async (ctx) => {
    await ctx.reply(await render(ctx));
  });
  bot.on("callback_query:data", async (ctx) => {
    await ctx.editMessageText(await render(ctx));
  });
  return bot;
}

/** (c′) Bare grammY without even the API call: the cost of the stub itself shows as (c′) − (c). */
function bareBotNoApi(token: string, fetch: typeof globalThis.fetch) {
  const bot = new Bot(token, { botInfo: TEST_BOT_INFO, client: { apiRoot: "http://127.0.0.1:9", fetch } });
  let sink = 0;
  bot.command("catalog", (ctx) => {
    sink += ctx.chat.id;
  });
  bot.on("callback_query:data", (ctx) => {
    sink += ctx.callbackQuery.data.length;
  });
  return { bot, sink: () => sink };
}

/** (c) Bare grammY: no I/O besides the stubbed API call. */
function bareBot(token: string, fetch: typeof globalThis.fetch) {
  const bot = new Bot(token, { botInfo: TEST_BOT_INFO, client: { apiRoot: "http://127.0.0.1:9", fetch } });
  bot.command("catalog", (ctx) => ctx.reply("Katalog"));
  bot.on("callback_query:data", (ctx) => ctx.answerCallbackQuery());
  return bot;
}

export async function run(): Promise<BenchReport> {
  const db = await createBenchDatabase();
  const prefix = uniquePrefix("bench");
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    const seedPrisma = createPrisma(db.url, { max: 2, applicationName: "vps-shop:bench-seed" });
    cleanups.push(() => seedPrisma.$disconnect());
    await seedDemoCatalog(seedPrisma);
    const { steps, labels } = await browseSteps(seedPrisma);
    // Availability comes from the clouds (cached 60 s by the adapters): their local fakes answer it.
    const clouds = await startFakeClouds();
    cleanups.push(() => clouds.stop());

    const config = loadConfig(
      testEnv({ url: db.url } as TestDatabase, prefix, 3000, "http://127.0.0.1:9", {
        ...clouds.env,
        BOT_RATE_LIMIT_PER_10S: "1000000000",
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
      }),
    );
    const logger = createLogger({ role: "bench", level: config.logLevel });
    const core = createCore(config, logger);
    cleanups.push(async () => {
      await core.queues.close();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
    });
    const users = benchUsers(7_100_001, CHATS);

    // (a) the full bot
    const stubA = stubTelegram();
    const full = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: stubA.fetch });
    const scriptsA = users.map((u) => new BrowseScript(u, steps, stubA));
    const a = await measure("a", "(a) full bot", stubA, scriptsA, (u) => full.handleUpdate(u));
    await checkFullBot(a, core.metrics);

    // (a′) the full bot's middleware tax alone: /help in chats without a flow (no conversation, no Postgres)
    const stubA0 = stubTelegram();
    const fullA0 = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: stubA0.fetch });
    const a0 = await measure(
      "a0",
      "(a′) full bot, /help only",
      stubA0,
      benchUsers(7_150_001, CHATS).map((u) => new BrowseScript(u, [], stubA0, { command: "/help" })),
      (u) => fullA0.handleUpdate(u),
    );

    // (b) the minimal reference
    const stubB = stubTelegram();
    const refRedis = new Redis(config.redisUrl);
    const pool = new pg.Pool({ connectionString: db.url, max: 5, application_name: "vps-shop:bench-ref" });
    cleanups.push(() => refRedis.disconnect(), () => pool.end());
    const ref = referenceBot(config.telegram.token, stubB.fetch, refRedis, pool, `${prefix}:ref:sess:`);
    const b = await measure("b", "(b) reference", stubB, users.map((u) => new BrowseScript(u, steps, stubB)), (u) => ref.handleUpdate(u));

    // (c) bare grammY
    const stubC = stubTelegram();
    const bare = bareBot(config.telegram.token, stubC.fetch);
    const c = await measure("c", "(c) bare grammY", stubC, users.map((u) => new BrowseScript(u, steps, stubC)), (u) => bare.handleUpdate(u));

    // (c′) bare grammY, no API call either (context only; the flow message id is never needed)
    const stubC0 = stubTelegram();
    const bare0 = bareBotNoApi(config.telegram.token, stubC0.fetch);
    const c0 = await measure("c0", "(c′) bare, no API call", stubC0, users.map((u) => new BrowseScript(u, steps, stubC0, { fallbackMessageId: 1 })), (u) => bare0.bot.handleUpdate(u));

    const scenarios = [a, a0, b, c, c0];
    const cores = availableParallelism();
    const maxLoad = Math.max(...scenarios.flatMap((s) => s.result.loadAverage));
    const ratio = a.result.rate / b.result.rate;
    const targets = [
      target("(a) / (b) throughput", Number(ratio.toFixed(3)), ">=", TARGET_RATIO, "×"),
      target("(a) p99 handler latency", Number(a.latency.p99.toFixed(2)), "<", TARGET_P99_MS, " ms"),
    ];

    const lines: string[] = [
      `Catalog browsing, ${CHATS} chats in parallel (each chat in order), flow of ${steps.length + 1} updates per /catalog.`,
      "Bot API: recordingFetch stub (no network). Postgres + Redis: real, on this machine.",
      "",
      ...table(
        ["scenario", "updates", "seconds", "updates/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "API/upd", "CPU ms/upd", "loop busy"],
        scenarios.map((s) => [
          s.label,
          fmt.int(s.result.updates),
          (s.result.elapsedMs / 1000).toFixed(2),
          fmt.rate(s.result.rate),
          fmt.ms(s.latency.p50),
          fmt.ms(s.latency.p95),
          fmt.ms(s.latency.p99),
          fmt.ms(s.latency.max),
          (s.api.total / s.result.updates).toFixed(2),
          s.result.cpuMsPerUpdate < 0.1 ? s.result.cpuMsPerUpdate.toFixed(3) : fmt.ms(s.result.cpuMsPerUpdate),
          fmt.pct(s.result.eventLoopUtilization),
        ]),
      ),
      "  CPU ms/upd = this process's CPU time (all threads) per update; loop busy = event-loop utilization.",
      ...(maxLoad > cores * 0.75
        ? [
            `  ⚠ The machine was busy: 1-min load average up to ${maxLoad.toFixed(1)} on ${cores} cores during the measurements;`,
            "    absolute rates are depressed, CPU ms/update and the ratios are the more reliable numbers.",
          ]
        : []),
      "",
      `(a)/(b) = ${ratio.toFixed(3)} by updates/s, ${(b.result.cpuMsPerUpdate / a.result.cpuMsPerUpdate).toFixed(3)} by CPU per update` +
        `   (b)/(c) = ${(b.result.rate / c.result.rate).toFixed(3)}   (a)/(c) = ${(a.result.rate / c.result.rate).toFixed(4)}`,
      `Little's law for this closed loop: mean latency ≈ ${CHATS} chats ÷ throughput → (a) ${fmt.ms((CHATS / a.result.rate) * 1000)} ms, (b) ${fmt.ms((CHATS / b.result.rate) * 1000)} ms;` +
        ` a p99 under ${TARGET_P99_MS} ms with ${CHATS} busy chats needs well over ${fmt.int((CHATS / TARGET_P99_MS) * 1000)} updates/s.`,
      `Warm-up: ${scenarios.map((s) => `${s.key} ${fmt.int(s.result.warmup.updates)} upd @ ${fmt.rate(s.result.warmup.rate)}/s`).join(", ")}`,
      `Load average (1 min) before/after: ${scenarios.map((s) => `${s.key} ${s.result.loadAverage.map((l) => l.toFixed(1)).join("/")}`).join(", ")} (${cores} cores)`,
      "",
      "(a) latency by position in the flow (the conversation replays its whole log on every update):",
      ...table(
        ["#", "step", "updates", "mean ms", "p50 ms", "p99 ms"],
        byPosition(a.result).map((p) => [p.pos, labels[p.pos] ?? "?", fmt.int(p.stats.count), fmt.ms(p.stats.mean), fmt.ms(p.stats.p50), fmt.ms(p.stats.p99)]),
      ),
    ];

    const data: Record<string, unknown> = {
      chats: CHATS,
      flowLength: steps.length + 1,
      scenarios: Object.fromEntries(
        scenarios.map((s) => [
          s.key,
          {
            label: s.label,
            updates: s.result.updates,
            elapsedMs: s.result.elapsedMs,
            updatesPerSecond: s.result.rate,
            cpuMsPerUpdate: s.result.cpuMsPerUpdate,
            eventLoopUtilization: s.result.eventLoopUtilization,
            loadAverage: s.result.loadAverage,
            latencyMs: s.latency,
            apiCalls: s.api,
            warmup: s.result.warmup,
          },
        ]),
      ),
      ratioAtoB: ratio,
      ratioAtoBByCpu: b.result.cpuMsPerUpdate / a.result.cpuMsPerUpdate,
      cores,
      latencyByPosition: byPosition(a.result).map((p) => ({ pos: p.pos, step: labels[p.pos], ...p.stats })),
    };

    const mode = process.env.BENCH_PROFILE;
    if (mode === "1" || (mode !== "0" && targets.some((t) => !t.pass))) {
      const profile = await profileFullBot(core, steps, labels);
      lines.push("", ...profile.lines);
      data.profile = profile.data;
    }
    return { name: "bot-throughput", title: "Bot throughput: full bot vs minimal reference vs bare grammY", lines, data, targets };
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await deleteKeys(prefix).catch(() => undefined);
    await db.drop();
  }
}

function byPosition(r: Measured): Array<{ pos: number; stats: LatencyStats }> {
  const groups = new Map<number, number[]>();
  r.positions.forEach((pos, i) => {
    let g = groups.get(pos);
    if (!g) groups.set(pos, (g = []));
    g.push(r.latencies[i]!);
  });
  return [...groups.entries()].sort(([x], [y]) => x - y).map(([pos, samples]) => ({ pos, stats: latencyStats(samples) }));
}

/** The numbers mean nothing if the bot errored or answered with "stale button". */
async function checkFullBot(a: Scenario, metrics: { botUpdates: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> } }) {
  const outcomes = Object.fromEntries((await metrics.botUpdates.get()).values.map((v) => [String(v.labels.outcome), v.value]));
  const commands = a.result.positions.filter((p) => p === 0).length;
  const callbacks = a.result.updates - commands;
  const api = a.api.counts;
  const problems: string[] = [];
  if (outcomes.error) problems.push(`${outcomes.error} update(s) failed (error boundary)`);
  if (outcomes.rate_limited) problems.push(`${outcomes.rate_limited} update(s) rate-limited`);
  if (outcomes.duplicate) problems.push(`${outcomes.duplicate} update(s) dropped as duplicates`);
  if (a.api.staleAnswers) problems.push(`${a.api.staleAnswers} callback(s) answered as stale`);
  // Each chat's first updates in the measured window may continue a flow begun in warm-up.
  const slack = CHATS * 2;
  if (Math.abs((api.sendMessage ?? 0) - commands) > slack) problems.push(`sendMessage ${api.sendMessage ?? 0} ≠ /catalog ${commands}`);
  if (Math.abs((api.editMessageText ?? 0) - callbacks) > slack) problems.push(`editMessageText ${api.editMessageText ?? 0} ≠ callbacks ${callbacks}`);
  if (Math.abs((api.answerCallbackQuery ?? 0) - callbacks) > slack) problems.push(`answerCallbackQuery ${api.answerCallbackQuery ?? 0} ≠ callbacks ${callbacks}`);
  if (problems.length) throw new Error(`the full bot did not browse as scripted: ${problems.join("; ")} (API calls: ${JSON.stringify(api)})`);
}

// ───────────────────────────── profiling ─────────────────────────────

type Core = ReturnType<typeof createCore>;
const REDIS_CATEGORIES = ["dedupe", "rate-limit", "session", "user", "conversation", "other"] as const;
type RedisCategory = (typeof REDIS_CATEGORIES)[number];

interface UpdateRecord {
  pos: number;
  totalMs: number;
  /** Process CPU (user + system) while this update was in flight. */
  cpuMs: number;
  replayCpuMs: number;
  cpu0: NodeJS.CpuUsage;
  redis: Record<RedisCategory, { n: number; ms: number }>;
  pgN: number;
  pgMs: number;
  pgInReplayMs: number;
  redisInReplayMs: number;
  tables: Map<string, number>;
  replays: number;
  replayMs: number;
  logOps: number;
  convReadBytes: number;
  convWriteBytes: number;
  api: number;
}

function newRecord(pos: number): UpdateRecord {
  return {
    pos,
    totalMs: 0,
    cpuMs: 0,
    replayCpuMs: 0,
    cpu0: process.cpuUsage(),
    redis: Object.fromEntries(REDIS_CATEGORIES.map((c) => [c, { n: 0, ms: 0 }])) as UpdateRecord["redis"],
    pgN: 0,
    pgMs: 0,
    pgInReplayMs: 0,
    redisInReplayMs: 0,
    tables: new Map(),
    replays: 0,
    replayMs: 0,
    logOps: 0,
    convReadBytes: 0,
    convWriteBytes: 0,
    api: 0,
  };
}

function redisCategory(key: string, prefix: string): RedisCategory {
  if (key.startsWith(`${prefix}:upd:`)) return "dedupe";
  if (key.includes(`${prefix}:rl:`)) return "rate-limit"; // @grammyjs/ratelimiter prepends "RATE_LIMITER"
  if (key.startsWith(`${prefix}:sess:`)) return "session";
  if (key.startsWith(`${prefix}:user:`)) return "user";
  if (key.startsWith(`${prefix}:conv:`)) return "conversation";
  return "other";
}

/**
 * Wraps Redis (the core connection), pg (every client) and the conversations
 * replay engine to attribute each update's round trips and time. Serial only:
 * one update in flight, so everything observed belongs to it.
 */
function instrument(core: Core, stub: Stub) {
  let current: UpdateRecord | undefined;
  let inReplay = 0;
  const prefix = core.botDeps.config.queuePrefix;

  const redis = core.redis as Redis & { sendCommand: (cmd: unknown) => unknown };
  const origSend = redis.sendCommand;
  redis.sendCommand = function (this: Redis, cmd: { name: string; args: unknown[]; promise: Promise<unknown> }) {
    const rec = current;
    const started = performance.now();
    const replaying = inReplay > 0;
    const key = String(cmd.args[0] ?? "");
    const cat = redisCategory(key, prefix);
    const out = origSend.call(this, cmd);
    if (rec) {
      if (cat === "conversation" && cmd.name === "set") rec.convWriteBytes += String(cmd.args[1] ?? "").length;
      cmd.promise.then(
        (value) => {
          const ms = performance.now() - started;
          rec.redis[cat].n++;
          rec.redis[cat].ms += ms;
          if (replaying) rec.redisInReplayMs += ms;
          if (cat === "conversation" && cmd.name === "get" && value != null) rec.convReadBytes += String(value).length;
        },
        () => undefined,
      );
    }
    return out;
  } as typeof redis.sendCommand;

  const restorePg = timePgQueries((sql) => {
    const rec = current;
    if (!rec) return undefined;
    const replaying = inReplay > 0;
    const table = /\bFROM\s+"public"\."(\w+)"/i.exec(sql)?.[1] ?? /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
    return (ms) => {
      rec.pgN++;
      rec.pgMs += ms;
      if (replaying) rec.pgInReplayMs += ms;
      rec.tables.set(table, (rec.tables.get(table) ?? 0) + 1);
    };
  });

  const engine = ReplayEngine.prototype as unknown as { replay: (state: { send: unknown[] }) => Promise<unknown> };
  const origReplay = engine.replay;
  engine.replay = async function (this: unknown, state: { send: unknown[] }) {
    const rec = current;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    if (rec) {
      rec.replays++;
      rec.logOps = Math.max(rec.logOps, state.send.length);
    }
    inReplay++;
    try {
      return await origReplay.call(this, state);
    } finally {
      inReplay--;
      if (rec) {
        rec.replayMs += performance.now() - started;
        const cpu = process.cpuUsage(cpu0);
        rec.replayCpuMs += (cpu.user + cpu.system) / 1000;
      }
    }
  };

  return {
    begin(pos: number) {
      current = newRecord(pos);
      current.api = stub.snapshot().total;
      current.cpu0 = process.cpuUsage();
      return current;
    },
    end(rec: UpdateRecord, totalMs: number) {
      const cpu = process.cpuUsage(rec.cpu0);
      rec.cpuMs = (cpu.user + cpu.system) / 1000;
      rec.totalMs = totalMs;
      rec.api = stub.snapshot().total - rec.api;
      current = undefined;
    },
    restore() {
      redis.sendCommand = origSend;
      restorePg();
      engine.replay = origReplay;
    },
  };
}

const SERIAL_ROUNDS = 5;
const GROWTH_ROUNDS = 3;
const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

async function profileFullBot(core: Core, steps: string[], labels: string[]) {
  const lines: string[] = ["── Profile of the full bot (a) " + "─".repeat(46)];

  // 1) Serial, instrumented: what one update costs when nothing else runs.
  const stub = stubTelegram();
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: stub.fetch });
  const scripts = benchUsers(7_200_001, 4).map((u) => new BrowseScript(u, steps, stub));
  const flowLen = steps.length + 1;
  for (const s of scripts) await drive([s], (u) => bot.handleUpdate(u), flowLen * 2); // warm: user rows, JIT
  const probe = instrument(core, stub);
  const records: UpdateRecord[] = [];
  try {
    for (let round = 0; round < SERIAL_ROUNDS; round++) {
      for (const s of scripts) {
        for (let i = 0; i < flowLen; i++) {
          const { update, pos } = s.next();
          const rec = probe.begin(pos);
          const t0 = performance.now();
          await bot.handleUpdate(update);
          probe.end(rec, performance.now() - t0);
          records.push(rec);
        }
      }
    }
  } finally {
    probe.restore();
  }

  const avg = (f: (r: UpdateRecord) => number, rs = records) => mean(rs.map(f));
  const totalMs = avg((r) => r.totalMs);
  const redisN = avg((r) => REDIS_CATEGORIES.reduce((s, c) => s + r.redis[c].n, 0));
  const redisMs = avg((r) => REDIS_CATEGORIES.reduce((s, c) => s + r.redis[c].ms, 0));
  const pgN = avg((r) => r.pgN);
  const pgMs = avg((r) => r.pgMs);
  const replayMs = avg((r) => r.replayMs);
  const replayOwnMs = avg((r) => r.replayMs - r.pgInReplayMs - r.redisInReplayMs);
  const outsideMs = totalMs - replayMs - (redisMs - avg((r) => r.redisInReplayMs)) - (pgMs - avg((r) => r.pgInReplayMs));
  const cpuMs = avg((r) => r.cpuMs);
  const replayCpuMs = avg((r) => r.replayCpuMs);
  const serialLatency = latencyStats(records.map((r) => r.totalMs));

  lines.push(
    `1) Serial (one update in flight), ${records.length} updates = ${SERIAL_ROUNDS} flows × ${scripts.length} chats, warmed, instrumented:`,
    `   latency p50 ${fmt.ms(serialLatency.p50)} / p95 ${fmt.ms(serialLatency.p95)} / p99 ${fmt.ms(serialLatency.p99)} ms even with nothing else in flight.`,
    `   per update: ${fmt.ms(totalMs)} ms wall, ${fmt.ms(cpuMs)} ms CPU (${fmt.ms(replayCpuMs)} ms of it inside the conversation replay);`,
    `   ${redisN.toFixed(1)} Redis round trips (${fmt.ms(redisMs)} ms), ${pgN.toFixed(1)} Postgres queries (${fmt.ms(pgMs)} ms), ${avg((r) => r.api).toFixed(2)} Bot API calls, ${avg((r) => r.replays).toFixed(2)} conversation replays.`,
    "",
    ...table(
      ["where (serial, mean per update)", "round trips", "ms", "share"],
      [
        ...REDIS_CATEGORIES.filter((c) => records.some((r) => r.redis[c].n > 0)).map((c) => {
          const ms = avg((r) => r.redis[c].ms);
          return [`Redis ${c}`, avg((r) => r.redis[c].n).toFixed(2), fmt.ms(ms), fmt.pct(ms / totalMs)];
        }),
        ["Postgres (Prisma, catalog reads)", pgN.toFixed(2), fmt.ms(pgMs), fmt.pct(pgMs / totalMs)],
        ["conversation replay, excl. its I/O ¹", "", fmt.ms(replayOwnMs), fmt.pct(replayOwnMs / totalMs)],
        ["everything else (grammY, middleware)", "", fmt.ms(outsideMs), fmt.pct(outsideMs / totalMs)],
      ],
    ),
    "   ¹ replay CPU (builder re-run, view re-render, log bookkeeping) plus the engine's setTimeout(0)",
    "     boundary wait (≥ 1 ms per replay in Node) and the stubbed API calls of the new turn.",
  );

  const tableCounts = new Map<string, number>();
  for (const r of records) for (const [t, n] of r.tables) tableCounts.set(t, (tableCounts.get(t) ?? 0) + n);
  lines.push(
    "",
    `   Postgres statements per update by table: ${[...tableCounts.entries()]
      .sort((x, y) => y[1] - x[1])
      .map(([t, n]) => `${t} ${(n / records.length).toFixed(2)}`)
      .join(", ")}`,
  );

  const med = (f: (r: UpdateRecord) => number, rs: UpdateRecord[]) => median(rs.map(f));
  const perPos = Array.from({ length: flowLen }, (_, pos) => records.filter((r) => r.pos === pos));
  lines.push(
    "",
    "   By flow position (serial, medians): the conversation state grows with every turn and is read, parsed,",
    "   replayed, serialized and written back in full on every update:",
    ...table(
      ["#", "step", "wall ms", "CPU ms", "replay ms", "replay CPU", "log ops", "state read", "state write", "Redis", "PG q", "PG ms"],
      perPos.map((rs, pos) => [
        pos,
        labels[pos] ?? "?",
        fmt.ms(med((r) => r.totalMs, rs)),
        fmt.ms(med((r) => r.cpuMs, rs)),
        fmt.ms(med((r) => r.replayMs, rs)),
        fmt.ms(med((r) => r.replayCpuMs, rs)),
        med((r) => r.logOps, rs).toFixed(0),
        fmt.kb(med((r) => r.convReadBytes, rs)),
        fmt.kb(med((r) => r.convWriteBytes, rs)),
        med((r) => REDIS_CATEGORIES.reduce((s, c) => s + r.redis[c].n, 0), rs).toFixed(1),
        med((r) => r.pgN, rs).toFixed(1),
        fmt.ms(med((r) => r.pgMs, rs)),
      ]),
    ),
  );
  // 2) Replay growth, controlled: the same two steps over and over, so only the log length changes.
  const growth = await replayGrowth(core);
  lines.push("", ...growth.lines);

  // 3) CPU profile under the same concurrent load as (a).
  const cpu = await cpuProfile(core, steps);
  lines.push("", ...cpu.lines);

  return {
    lines,
    data: {
      serial: {
        updates: records.length,
        meanWallMs: totalMs,
        redisRoundTrips: redisN,
        redisMs,
        redisByCategory: Object.fromEntries(REDIS_CATEGORIES.map((c) => [c, { n: avg((r) => r.redis[c].n), ms: avg((r) => r.redis[c].ms) }])),
        pgQueries: pgN,
        pgMs,
        pgByTable: Object.fromEntries([...tableCounts.entries()].map(([t, n]) => [t, n / records.length])),
        replayMs,
        replayOwnMs,
        otherMs: outsideMs,
        cpuMs,
        replayCpuMs,
        latencyMs: serialLatency,
        byPosition: perPos.map((rs, pos) => ({
          pos,
          step: labels[pos],
          wallMs: med((r) => r.totalMs, rs),
          cpuMs: med((r) => r.cpuMs, rs),
          replayCpuMs: med((r) => r.replayCpuMs, rs),
          replayMs: med((r) => r.replayMs, rs),
          replayOwnMs: med((r) => r.replayMs - r.pgInReplayMs - r.redisInReplayMs, rs),
          logOps: med((r) => r.logOps, rs),
          stateReadBytes: med((r) => r.convReadBytes, rs),
          stateWriteBytes: med((r) => r.convWriteBytes, rs),
          redis: med((r) => REDIS_CATEGORIES.reduce((s, c) => s + r.redis[c].n, 0), rs),
          pgQueries: med((r) => r.pgN, rs),
          pgMs: med((r) => r.pgMs, rs),
        })),
      },
      replayGrowth: growth.data,
      cpu: cpu.data,
    },
  };
}

/**
 * /catalog, then provider → plans, back → providers, … 36 times in one flow
 * (MAX_TURNS is 40): every "provider → plans" does identical work except that
 * the conversation log it replays is longer each time.
 */
async function replayGrowth(core: Core) {
  const stub = stubTelegram();
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: stub.fetch });
  const steps = Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? "cat:prov:DIGITALOCEAN" : "cat:back"));
  const scripts = benchUsers(7_400_001, 4).map((u) => new BrowseScript(u, steps, stub));
  for (const s of scripts) await drive([s], (u) => bot.handleUpdate(u), steps.length + 1); // warm
  const probe = instrument(core, stub);
  const records: UpdateRecord[] = [];
  try {
    for (let round = 0; round < GROWTH_ROUNDS; round++) {
      for (const s of scripts) {
        for (let i = 0; i <= steps.length; i++) {
          const { update, pos } = s.next();
          const rec = probe.begin(pos);
          const t0 = performance.now();
          await bot.handleUpdate(update);
          probe.end(rec, performance.now() - t0);
          records.push(rec);
        }
      }
    }
  } finally {
    probe.restore();
  }
  const plans = records.filter((r) => r.pos % 2 === 1); // "provider → plans": same queries, same view
  const avgAt = (pos: number, f: (r: UpdateRecord) => number) => median(plans.filter((r) => r.pos === pos).map(f));
  const turns = [...new Set(plans.map((r) => r.pos))].sort((x, y) => x - y);
  const fitOf = (f: (r: UpdateRecord) => number) => linearFit(turns, turns.map((t) => avgAt(t, f)));
  const cpuFit = fitOf((r) => r.cpuMs);
  const replayFit = fitOf((r) => r.replayCpuMs);
  const wallFit = fitOf((r) => r.totalMs);
  const bytesFit = linearFit(records.filter((r) => r.pos > 0).map((r) => r.pos), records.filter((r) => r.pos > 0).map((r) => r.convWriteBytes));
  const opsFit = linearFit(records.filter((r) => r.pos > 0).map((r) => r.pos), records.filter((r) => r.pos > 0).map((r) => r.logOps));
  const shown = [1, 5, 11, 21, 31, 35];
  const lines = [
    `2) Replay growth (serial, medians of ${scripts.length} chats × ${GROWTH_ROUNDS} flows of /catalog + 36 presses alternating provider → plans / back):`,
    ...table(
      ["turn", "wall ms", "CPU ms", "replay CPU ms", "log ops", "state written", "PG q"],
      shown.map((pos) => [
        pos,
        fmt.ms(avgAt(pos, (r) => r.totalMs)),
        fmt.ms(avgAt(pos, (r) => r.cpuMs)),
        fmt.ms(avgAt(pos, (r) => r.replayCpuMs)),
        avgAt(pos, (r) => r.logOps).toFixed(0),
        fmt.kb(avgAt(pos, (r) => r.convWriteBytes)),
        avgAt(pos, (r) => r.pgN).toFixed(1),
      ]),
    ),
    `   Fit over the per-turn medians of "provider → plans": CPU ≈ ${fmt.ms(cpuFit.intercept)} ms + ${(cpuFit.slope * 1000).toFixed(0)} µs × turn (r² ${cpuFit.r2.toFixed(2)}),` +
      ` of which replay ≈ ${fmt.ms(replayFit.intercept)} ms + ${(replayFit.slope * 1000).toFixed(0)} µs × turn;`,
    `   wall ≈ ${fmt.ms(wallFit.intercept)} ms + ${(wallFit.slope * 1000).toFixed(0)} µs × turn. The log grows ${opsFit.slope.toFixed(1)} ops and ${fmt.kb(bytesFit.slope)} per turn,` +
      " all of it read, JSON-parsed, replayed, stringified and written on every update.",
  ];
  return {
    lines,
    data: {
      cpuFit,
      replayCpuFit: replayFit,
      wallFit,
      stateBytesPerTurn: bytesFit.slope,
      logOpsPerTurn: opsFit.slope,
      byTurn: shown.map((pos) => ({
        turn: pos,
        wallMs: avgAt(pos, (r) => r.totalMs),
        cpuMs: avgAt(pos, (r) => r.cpuMs),
        replayCpuMs: avgAt(pos, (r) => r.replayCpuMs),
        logOps: avgAt(pos, (r) => r.logOps),
        stateWriteBytes: avgAt(pos, (r) => r.convWriteBytes),
      })),
    },
  };
}

function linearFit(xs: number[], ys: number[]) {
  const n = xs.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxx ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: sxx && syy ? (sxy * sxy) / (sxx * syy) : 0 };
}

/** The area of a script frame, by its URL (natives and Node internals are attributed in `attributeProfile`). */
function areaOf(url: string): string {
  const rules: Array<[RegExp, string]> = [
    [/query_compiler|^wasm:/, "Prisma query compiler (wasm, per query)"],
    [/@prisma\/|db\/generated\//, "Prisma runtime (JS: request, interpreter, result mapping)"],
    [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//, "pg driver (protocol, parsing rows)"],
    [/node_modules\/(ioredis|redis-parser|denque|@ioredis\/[^/]+|standard-as-callback|cluster-key-slot)\//, "ioredis"],
    [/@grammyjs\/conversations\//, "@grammyjs/conversations (replay engine, state)"],
    [/@grammyjs\/i18n\/|@fluent\//, "@grammyjs/i18n + Fluent (translations)"],
    [/@grammyjs\/(ratelimiter|runner|auto-retry)\//, "grammY plugins (ratelimiter, runner, auto-retry)"],
    [/node_modules\/grammy\//, "grammY core (context, composer, API client)"],
    [/node_modules\/(pino|@pinojs|fast-redact|sonic-boom|thread-stream|quick-format-unescaped|atomic-sleep)/, "pino (logger.child per update)"],
    [/node_modules\/(prom-client|tdigest|bintrees)/, "prom-client"],
    [/\/test\/|undici/, "bench harness + fetch stub (Response, JSON)"],
    [/bot\/features\/catalog\/views\.ts|bot\/format\.ts/, "our views + formatting (Intl.DateTimeFormat)"],
    [/bot\/storage\.ts/, "our RedisStorage (JSON.parse/stringify of state)"],
    [/bot\/features\/catalog\/catalog\.conversation\.ts/, "our catalog conversation builder"],
    [/\/shop\//, "our shop/ code (catalog rows → views)"],
    [/\/bot\/|\/ops\/|\/jobs\/|\/db\//, "our other bot/ops code (middleware)"],
  ];
  for (const [re, area] of rules) if (re.test(url)) return area;
  return `other: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? url}`;
}

async function cpuProfile(core: Core, steps: string[]) {
  const stub = stubTelegram();
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: stub.fetch });
  const scripts = benchUsers(7_300_001, CHATS).map((u) => new BrowseScript(u, steps, stub));
  const warm = await drive(scripts, (u) => bot.handleUpdate(u), CHATS * (steps.length + 1) * 2);
  const total = Math.max(2_000, Math.round(warm.rate * envSeconds("BENCH_PROFILE_SECONDS", 4) / 100) * 100);

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const r = await drive(scripts, (u) => bot.handleUpdate(u), total);
  const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
  session.disconnect();

  const outDir = join(root, ".bench");
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, "bot-throughput.cpuprofile");
  writeFileSync(file, JSON.stringify(profile));

  // Self time per node from the sample stream; natives (no URL) count for their caller's area.
  const { byArea, byFn, totalUs } = attributeProfile(profile, { root, areaOf, fallbackArea: "Node internals (socket I/O, microtasks, timers)" });
  const busyUs = totalUs - (byArea.get("idle (waiting for I/O)") ?? 0);
  const perUpdate = (us: number) => us / 1000 / r.updates;
  const areas = [...byArea.entries()].sort((x, y) => y[1] - x[1]);
  const fns = [...byFn.entries()].sort((x, y) => y[1] - x[1]).slice(0, 15);
  const lines = [
    `3) CPU profile, ${CHATS} chats concurrent like (a): ${fmt.int(r.updates)} updates in ${(r.elapsedMs / 1000).toFixed(2)} s (${fmt.rate(r.rate)}/s under the profiler).`,
    `   Main thread busy ${fmt.pct(busyUs / totalUs)} of wall time → ${fmt.ms(perUpdate(busyUs))} ms CPU per update (the event loop is the ceiling).`,
    `   Saved to ${file.replace(root + "/", "")} (open in Chrome DevTools → Performance).`,
    "",
    ...table(
      ["CPU self time by area", "ms/update", "share of busy"],
      areas.filter(([a]) => a !== "idle (waiting for I/O)").map(([a, us]) => [a, fmt.ms(perUpdate(us)), fmt.pct(us / busyUs)]),
    ),
    "",
    ...table(
      ["top functions (self time)", "ms/update", "share"],
      fns.map(([f, us]) => [f.length > 100 ? f.slice(0, 99) + "…" : f, fmt.ms(perUpdate(us)), fmt.pct(us / busyUs)]),
    ),
  ];
  return {
    lines,
    data: {
      updates: r.updates,
      rate: r.rate,
      busyShare: busyUs / totalUs,
      cpuMsPerUpdate: perUpdate(busyUs),
      byArea: Object.fromEntries(areas.map(([a, us]) => [a, perUpdate(us)])),
      topFunctions: fns.map(([f, us]) => ({ fn: f, msPerUpdate: perUpdate(us) })),
      file,
    },
  };
}
