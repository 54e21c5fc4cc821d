/**
 * `npm run chaos`: the real roles as separate processes (web, bot, 2 workers, scheduler) against
 * a private PostgreSQL and Redis and local fakes, customers ordering and paying concurrently,
 * while roles are SIGKILLed, Redis loses everything, PostgreSQL restarts and the clouds fail.
 * Then it waits for the service to come to rest and checks the invariants (invariants.ts).
 * Exit code 0 only when all hold; results in .chaos/results.json, role logs in .chaos/logs/.
 *
 * CHAOS_ORDERS (default 200), CHAOS_SECONDS, CHAOS_KILLS, CHAOS_WIPES, CHAOS_PG_RESTARTS,
 * CHAOS_SETTLE_SECONDS, CHAOS_SEED, CHAOS_CONCURRENCY: see options.ts. `CHAOS_ORDERS=30` is
 * the short run (about 2 minutes).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { projectRoot } from "../../shop/platform/paths.js";
import { createCore } from "../../ops/runtime.js";
import { chatJourney } from "./chat.js";
import { startChaosFakes, type ChaosFakes } from "./fakes.js";
import { GatewayDriver } from "./gateway.js";
import { startChaosInfra, type ChaosInfra } from "./infra.js";
import { checkInvariants } from "./invariants.js";
import { gatewayOrderJourney, loadPlans, renewalJourney, walletOrderJourney, type JourneyContext, type OrderRecord } from "./journeys.js";
import { runMonkey } from "./monkey.js";
import { chaosOptions, seededRandom, sleep, type ChaosOptions } from "./options.js";
import { renderResult, writeResult, type ChaosResult } from "./report.js";
import { RoleSupervisor } from "./roles.js";
import { snapshotSource } from "./snapshot.js";
import { waitForQuiescence } from "./settle.js";

const out = (line: string) => process.stdout.write(`${line}\n`);

type Journey = { atMs: number; run: () => Promise<OrderRecord | undefined> };

/** The run's customers: mostly domain orders paid at a gateway, some chat customers, some wallets, renewals on top. */
function planJourneys(ctx: JourneyContext, opts: ChaosOptions, random: () => number): Journey[] {
  const n = opts.orders;
  const chats = Math.max(3, Math.round(n * 0.08));
  const wallets = Math.max(1, Math.round(n * 0.06));
  let renewals = Math.max(1, Math.round(n * 0.06));
  const windowMs = opts.seconds * 800;
  const methods = ["qris", "midtrans", "wallet"] as const;
  return Array.from({ length: n }, (_, i) => {
    const telegramId = 7_100_000 + i;
    const plan = ctx.plans[i % ctx.plans.length]!;
    const atMs = Math.floor(random() * windowMs);
    if (i < chats) return { atMs, run: () => chatJourney(ctx, telegramId, plan, methods[i % methods.length]!) };
    if (i < chats + wallets) return { atMs, run: () => walletOrderJourney(ctx, telegramId, plan) };
    const renew = renewals-- > 0;
    return {
      atMs,
      run: async () => {
        const record = await gatewayOrderJourney(ctx, telegramId, plan);
        // Outside the pool: it waits for the VPS to be live first.
        if (renew) ctx.background.push(renewalJourney(ctx, record).catch((err: unknown) => void ctx.failures.push(`renewal of ${record.reference}: ${String(err)}`)));
        return record;
      },
    };
  });
}

/** Starts each journey at its time, at most `limit` at once; resolves when all have ended. */
async function runJourneys(ctx: JourneyContext, journeys: Journey[], limit: number): Promise<void> {
  const t0 = Date.now();
  let active = 0;
  const slots: Array<() => void> = [];
  const acquire = () => (active < limit ? (active++, Promise.resolve()) : new Promise<void>((r) => slots.push(() => (active++, r()))));
  const release = () => {
    active--;
    slots.shift()?.();
  };
  await Promise.all(
    journeys
      .sort((a, b) => a.atMs - b.atMs)
      .map(async (j) => {
        await sleep(Math.max(0, j.atMs - (Date.now() - t0)));
        await acquire();
        try {
          await j.run();
        } catch (err) {
          ctx.failures.push(`journey failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          release();
        }
      }),
  );
}

async function main(): Promise<number> {
  const opts = chaosOptions();
  const random = seededRandom(opts.seed);
  const chaosDir = path.join(projectRoot, ".chaos");
  const logDir = path.join(chaosDir, "logs");
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-chaos-data-"));
  const source = snapshotSource();
  out(`Chaos run: ${opts.orders} orders, ${opts.seconds} s of chaos, ${opts.kills} kills, ${opts.wipes} Redis wipes, ${opts.pgRestarts} PostgreSQL restarts (CHAOS_SEED=${opts.seed})`);
  const t0 = Date.now();

  let infra: ChaosInfra | undefined;
  let fakes: ChaosFakes | undefined;
  let roles: RoleSupervisor | undefined;
  let core: ReturnType<typeof createCore> | undefined;
  const cleanup = async () => {
    await roles?.stop();
    await core?.queues.close();
    core?.redis.disconnect();
    core?.producerRedis.disconnect();
    await core?.prisma.$disconnect();
    await fakes?.stop();
    await infra?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    source.remove();
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

  try {
    infra = await startChaosInfra(out, source.root);
    fakes = await startChaosFakes({ databaseUrl: infra.databaseUrl, redisUrl: infra.redisUrl, dataDir });
    roles = new RoleSupervisor(fakes.env, logDir, source);
    roles.start();
    out(`• PostgreSQL, Redis and fakes ready (${Math.round((Date.now() - t0) / 1000)} s)`);
    await roles.waitAllUp(180_000);
    out(`• roles up: web, bot, worker ×2, scheduler (${Math.round((Date.now() - t0) / 1000)} s; logs in ${path.relative(process.cwd(), logDir)}/)`);
    const config = loadConfig(fakes.env);
    const logger = createLogger({ level: "warn", role: "chaos-runner", destination: pino.destination({ dest: path.join(logDir, "runner.log"), sync: false }) });
    core = createCore(config, logger, { poolSize: 10 });
    const setupMs = Date.now() - t0;

    const chaosStart = Date.now();
    const chaosEnd = chaosStart + opts.seconds * 1000;
    // Steps keep retrying after the chaos (a journey cut off by a kill finishes), within bounds.
    const deadline = () => chaosEnd + 150_000;
    const gateway = new GatewayDriver(fakes.tripay, fakes.midtrans, fakes.webUrl, random, () => chaosEnd + 240_000);
    const ctx: JourneyContext = {
      prisma: core.prisma,
      catalog: core.catalog,
      checkout: core.checkout,
      queues: core.queues,
      fakes,
      gateway,
      random,
      plans: await loadPlans(core.prisma),
      deadline,
      records: [],
      problems: [],
      failures: [],
      background: [],
    };
    const monkey = runMonkey(opts, { infra, roles, random });
    // Cloud faults last until every order is paid, so they meet provisioning runs, not an idle cloud.
    fakes.cloudFaults(true);
    await runJourneys(ctx, planJourneys(ctx, opts, random), opts.concurrency);
    out(`• all ${opts.orders} journeys placed and paid (${Math.round((Date.now() - chaosStart) / 1000)} s)`);
    const events = await monkey.done;
    await Promise.all(ctx.background);
    await gateway.drain();
    fakes.cloudFaults(false);
    const chaosMs = Date.now() - chaosStart;
    out(`• chaos over after ${Math.round(chaosMs / 1000)} s; waiting for the service to settle`);
    await roles.waitAllUp(180_000);
    const settle = await waitForQuiescence(core.prisma, fakes, ctx.records, opts.settleSeconds * 1000);
    const invariants = await checkInvariants(core.prisma, fakes, ctx.records, ctx.failures, roles.killedLogs);
    const result: ChaosResult = {
      options: opts,
      startedAt: new Date(t0).toISOString(),
      durationsMs: { setup: setupMs, chaos: chaosMs, settle: settle.ms, total: Date.now() - t0 },
      events,
      records: ctx.records,
      callbacks: gateway.stats,
      cloudFaults: fakes.faultStats(),
      crashes: roles.crashes,
      problems: ctx.problems,
      settle,
      invariants,
      ok: settle.settled && invariants.invariants.every((i) => i.ok),
    };
    for (const line of renderResult(result)) out(line);
    writeResult(path.join(chaosDir, "results.json"), result);
    out(`results: ${path.relative(process.cwd(), path.join(chaosDir, "results.json"))}`);
    return result.ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
