/**
 * Memory of the service as a VPS runs it: the compiled roles (dist/) started with the systemd
 * unit's Node flags, against real Postgres and Redis and the local fakes of Telegram, Tripay,
 * Midtrans and the clouds. Two deployments, each on a fresh database with the demo catalog:
 *
 *   split  web, bot, worker, scheduler as four processes (what install.sh picks on 2 GB+)
 *   all    the four roles in one process (`vps-shop@all`, what install.sh picks on 1 GB)
 *
 * For each: idle RSS (5 s after "service started"), then the bench load, sampling every
 * process's RSS every 100 ms: customers ordering through the chat (/start, the catalog, a QRIS
 * image, Midtrans, the wallet) and many more ordering through the domain and paying at the fake
 * gateways, whose signed callbacks hit the web role; the worker then settles, provisions a VPS at
 * the fake clouds, renders the invoice PDF and sends the credentials. It ends when the service is
 * at rest (every order ACTIVE, Telegram quiet); RSS is read again then.
 * The customer journeys are the chaos run's (test/chaos), without the faults.
 *
 *   npm run bench -- memory
 *   BENCH_MEMORY_ORDERS=120   orders per deployment (default 120; a tenth through the chat)
 *   BENCH_MEMORY_CONCURRENCY  customers at once (default 16)
 *   BENCH_NODE_ARGS="…"       Node flags instead of the unit's ("" = Node's defaults)
 *
 * Targets (issue 10): the all-in-one process ≤ 150 MiB idle and ≤ 200 MiB peak under the load.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { seedDemoCatalog } from "../../db/seed.js";
import { createCore } from "../../ops/runtime.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { projectRoot } from "../../shop/platform/paths.js";
import { chatJourney } from "../chaos/chat.js";
import { startChaosFakes, type ChaosFakes } from "../chaos/fakes.js";
import { GatewayDriver } from "../chaos/gateway.js";
import { gatewayOrderJourney, loadPlans, type JourneyContext } from "../chaos/journeys.js";
import { seededRandom, sleep } from "../chaos/options.js";
import { waitForQuiescence } from "../chaos/settle.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { fmt, table, target, type BenchReport } from "./report.js";
import { createBenchDatabase } from "./support.js";
import { cpuSeconds, ensureBuilt, productionNodeArgs, rss, spawnRole, type RoleProcess } from "./memory-support.js";

const IDLE_TARGET_MIB = 150;
const LOAD_TARGET_MIB = 200;
const envInt = (name: string, fallback: number) => (Number.isInteger(Number(process.env[name])) && Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);

interface ProcessMemory {
  idleMiB: number;
  peakUnderLoadMiB: number;
  afterLoadMiB: number;
  coldStartMs: number;
  /** CPU seconds the process used from the start of the load until the service was at rest. */
  cpuUnderLoadS: number;
}

interface Deployment {
  processes: Record<string, ProcessMemory>;
  orders: number;
  loadSeconds: number;
  settled: boolean;
}

/** Starts the deployment's processes, measures idle, drives the load, measures again, stops everything. */
async function measure(name: string, roles: string[], orders: number, concurrency: number): Promise<Deployment> {
  const db = await createBenchDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-memory-data-"));
  const prefix = uniquePrefix(`mem-${name}`);
  let fakes: ChaosFakes | undefined;
  let core: ReturnType<typeof createCore> | undefined;
  const running: RoleProcess[] = [];
  try {
    fakes = await startChaosFakes({ databaseUrl: db.url, redisUrl: TEST_REDIS_URL, dataDir });
    const env = { ...process.env, ...fakes.env, QUEUE_PREFIX: prefix };
    const config = loadConfig(env);
    // The customers' side (orders, checkout) runs here: one connection per customer at once.
    core = createCore(config, createLogger({ level: "warn", role: "memory-bench", destination: pino.destination({ dest: "/dev/null" }) }), { poolSize: concurrency + 4 });
    await seedDemoCatalog(core.prisma);
    for (const role of roles) running.push(await spawnRole(role, env, { logFile: path.join(projectRoot, ".bench", "logs", `memory-${name}-${role}.log`) }));
    await sleep(5_000);
    const idle = Object.fromEntries(running.map((p) => [p.role, rss(p.child.pid!).now]));

    const peak: Record<string, number> = { ...idle };
    const sampler = setInterval(() => {
      for (const p of running) if (p.child.exitCode === null) peak[p.role] = Math.max(peak[p.role]!, rss(p.child.pid!).now);
    }, 100);
    const cpu0 = Object.fromEntries(running.map((p) => [p.role, cpuSeconds(p.child.pid!)]));
    const loadStarted = Date.now();
    const random = seededRandom(10);
    const deadline = () => loadStarted + 300_000;
    const gateway = new GatewayDriver(fakes.tripay, fakes.midtrans, fakes.webUrl, random, deadline);
    // The chaos run's journey context; core supplies prisma, catalog, checkout and queues.
    const ctx: JourneyContext = { ...core, fakes, gateway, random, deadline, plans: await loadPlans(core.prisma), records: [], problems: [], failures: [], background: [] };
    const chats = Math.max(3, Math.round(orders / 10));
    const methods = ["qris", "midtrans", "wallet"] as const;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < orders; i = next++) {
          const plan = ctx.plans[i % ctx.plans.length]!;
          const telegramId = 7_300_000 + i;
          await (i < chats ? chatJourney(ctx, telegramId, plan, methods[i % methods.length]!) : gatewayOrderJourney(ctx, telegramId, plan));
        }
      }),
    );
    await gateway.drain();
    const settle = await waitForQuiescence(core.prisma, fakes, ctx.records, 240_000, 3_000);
    clearInterval(sampler);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    if (ctx.failures.length) throw new Error(`${name}: ${ctx.failures.length} journeys failed: ${ctx.failures.slice(0, 3).join("; ")}`);
    const processes: Record<string, ProcessMemory> = {};
    for (const p of running) {
      if (p.child.exitCode !== null) throw new Error(`${name}: the ${p.role} process exited (${p.child.exitCode}) under load`);
      processes[p.role] = { idleMiB: idle[p.role]!, peakUnderLoadMiB: peak[p.role]!, afterLoadMiB: rss(p.child.pid!).now, coldStartMs: p.coldStartMs, cpuUnderLoadS: cpuSeconds(p.child.pid!) - cpu0[p.role]! };
    }
    const active = await core.prisma.order.count({ where: { status: "ACTIVE" } });
    return { processes, orders: active, loadSeconds, settled: settle.settled };
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    await core?.queues.close();
    core?.redis.disconnect();
    core?.producerRedis.disconnect();
    await core?.prisma.$disconnect();
    await fakes?.stop();
    await deleteKeys(prefix);
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchReport> {
  ensureBuilt();
  const orders = envInt("BENCH_MEMORY_ORDERS", 120);
  const concurrency = envInt("BENCH_MEMORY_CONCURRENCY", 16);
  // BENCH_MEMORY_SPLIT=0 measures only the all-in-one process (for trying Node flags quickly).
  const split = process.env.BENCH_MEMORY_SPLIT === "0" ? undefined : await measure("split", ["web", "bot", "worker", "scheduler"], orders, concurrency);
  const all = await measure("all", ["all"], orders, concurrency);
  const rows = [
    ...Object.entries(split?.processes ?? {}).map(([role, m]) => [role, m]),
    ...(split ? [["split: sum of 4", sum(Object.values(split.processes))]] : []),
    ["all (one process)", all.processes.all!],
  ] as Array<[string, ProcessMemory]>;
  const a = all.processes.all!;
  const flags = productionNodeArgs().join(" ") || "(Node defaults)";
  return {
    name: "memory",
    title: `RSS per process, idle and under load (${orders} orders, ${concurrency} customers at once; node ${process.version} ${flags})`,
    lines: [
      ...table(
        ["process", "idle MiB", "peak under load MiB", "after load MiB", "CPU s under load"],
        rows.map(([label, m]) => [label, fmt.int(m.idleMiB), fmt.int(m.peakUnderLoadMiB), fmt.int(m.afterLoadMiB), m.cpuUnderLoadS.toFixed(1)]),
      ),
      "",
      `  ${split ? `split: ${split.orders} orders ACTIVE in ${split.loadSeconds.toFixed(0)} s${split.settled ? "" : " (NOT settled)"}; ` : ""}all: ${all.orders} ACTIVE in ${all.loadSeconds.toFixed(0)} s${all.settled ? "" : " (NOT settled)"}`,
      "  peak = highest RSS sampled every 100 ms from the start of the load until the service was at rest",
    ],
    data: { orders, concurrency, nodeArgs: productionNodeArgs(), split, all },
    targets: [target("all-in-one idle RSS", Math.round(a.idleMiB), "<", IDLE_TARGET_MIB, " MiB"), target("all-in-one peak RSS under load", Math.round(a.peakUnderLoadMiB), "<", LOAD_TARGET_MIB, " MiB")],
  };
}

function sum(ms: ProcessMemory[]): ProcessMemory {
  const add = (k: keyof ProcessMemory) => ms.reduce((s, m) => s + m[k], 0);
  return { idleMiB: add("idleMiB"), peakUnderLoadMiB: add("peakUnderLoadMiB"), afterLoadMiB: add("afterLoadMiB"), coldStartMs: 0, cpuUnderLoadS: add("cpuUnderLoadS") };
}
