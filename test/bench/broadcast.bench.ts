/**
 * Broadcast throughput at Telegram's limit, and through a kill -9 of the worker.
 *
 *   npm run bench -- broadcast
 *   BENCH_BROADCAST_RECIPIENTS=10000   customers per scenario (default 10,000 ≈ 6 min each at 29/s)
 *   BENCH_BROADCAST_SCENARIOS=clean,kill   which scenarios to run (default both)
 *   BENCH_LOG_LEVEL=info               the worker's log level (default info, kept in memory)
 *   BROADCAST_…=…                      passed to the worker (default: the shop's defaults)
 *
 * Set-up per scenario: a throwaway migrated database with N customers (one INSERT), a fake
 * Telegram enforcing 30 messages/s globally and 1/s per chat (429 + retry_after beyond that),
 * the real worker role as a child process (`node ops/main.ts worker`) with the default
 * BROADCAST_RATE_PER_SECOND, BROADCAST_CONCURRENCY and BROADCAST_JOB_LOCK_MS, and a SERVICE
 * broadcast to audience ALL confirmed through the domain functions in this process.
 *
 *   clean: one worker from start to DONE.
 *   kill:  SIGKILL the worker after half the messages were delivered, start a new one at once,
 *          wait for DONE. The gap (last send before the kill → first send after) is the time the
 *          new process needs to start plus the dead worker's job lock running out.
 *
 * Rate = (delivered − 1) / (last delivered send − first delivered send), from the request
 * arrival times the fake recorded. Duplicates and "unhandled 429s" (delivery rows FAILED on a
 * 429) are read from the fake's records and the delivery rows (test/support/broadcast-proof.ts).
 */
import { availableParallelism, loadavg } from "node:os";
import { fmt, table, target, type BenchReport, type BenchTarget } from "./report.js";
import { createBenchDatabase } from "./support.js";
import {
  auditDeliveries,
  confirmServiceBroadcast,
  countByStatus,
  deliveryRows,
  longestGap,
  seedCustomers,
  SendRecorder,
  startBroadcastRig,
  sustainedRate,
  waitForBroadcast,
  type DeliveryAudit,
} from "../support/broadcast-proof.js";
import { uniquePrefix } from "../support/redis.js";
import { killAll, type ServiceProcess } from "../process/helpers.js";

const TELEGRAM = { globalPerSecond: 30, perChatPerSecond: 1 };
const TARGET_RATE = 28.5;

interface Scenario {
  name: "clean" | "kill";
  recipients: number;
  wallMs: number;
  audit: DeliveryAudit;
  rate: number;
  /** Rate with the longest pause between two deliveries taken out (the restart, in "kill"). */
  rateWithoutGap: number;
  gapMs: number;
  /** Most broadcast-and-progress requests the fake accepted in any 1 s window. */
  peakPerSecond: number;
  /** Gaps between consecutive accepted requests (ms): how evenly the pace reaches Telegram. */
  spacing: { min: number; p5: number; p50: number; mean: number };
  /** Per 429 on a broadcast send: requests the fake had accepted in the second before it. */
  acceptedBefore429: number[];
  kill?: { deliveredAtKill: number; rowsAtKill: Record<string, number>; killToFirstSendMs?: number; spawnToFirstSendMs?: number; spawnToStartedMs?: number };
  config: { ratePerSecond: number; concurrency: number; jobLockMs: number; progressEveryMs: number };
}

/** BROADCAST_* set in the bench's environment, passed to the worker (to try other settings). */
function workerOverrides(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("BROADCAST_") && e[1] !== undefined));
}

/** Gaps between consecutive request times (sorted), ms. */
function spacingOf(times: number[]): Scenario["spacing"] {
  const gaps = times.slice(1).map((at, i) => at - times[i]!).sort((a, b) => a - b);
  if (gaps.length === 0) return { min: 0, p5: 0, p50: 0, mean: 0 };
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]!;
  return { min: gaps[0]!, p5: at(0.05), p50: at(0.5), mean: gaps.reduce((a, b) => a + b, 0) / gaps.length };
}

/** Most accepted rate-limited calls in any sliding 1 s window (what the fake's limiter sees). */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

async function runScenario(name: Scenario["name"], recipients: number): Promise<Scenario> {
  const db = await createBenchDatabase();
  const rig = await startBroadcastRig({
    databaseUrl: db.url,
    prefix: uniquePrefix(`bench-bc-${name}`),
    rateLimit: TELEGRAM,
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info", ...workerOverrides() },
  });
  const workers: ServiceProcess[] = [];
  const marker = `Pengumuman ${name} ${Date.now()}`;
  const recorder = new SendRecorder(rig.fake, marker);
  try {
    await seedCustomers(rig.prisma, recipients);
    const spawn = () => {
      const w = rig.spawnWorker();
      workers.push(w);
      return w;
    };
    const first = spawn();
    await first.waitForLog("service started", 60_000);

    let killedAt = 0;
    let deliveredAtKill = 0;
    if (name === "kill") {
      recorder.onDelivered(Math.round(recipients / 2), () => {
        killedAt = Date.now();
        deliveredAtKill = recorder.deliveredCount;
        first.proc.kill("SIGKILL");
      });
    }
    const started = Date.now();
    const { id, recipients: confirmed } = await confirmServiceBroadcast(rig, marker);
    if (confirmed !== recipients) throw new Error(`confirmBroadcast counted ${confirmed} recipients, seeded ${recipients}`);

    let rowsAtKill: Record<string, number> = {};
    let second: ServiceProcess | undefined;
    let spawnToStartedMs: number | undefined;
    if (name === "kill") {
      const exit = await first.waitForExit(recipients * 1000);
      if (exit.signal !== "SIGKILL") throw new Error(`worker ended before the kill\n${first.describe()}`);
      second = spawn();
      rowsAtKill = countByStatus(await deliveryRows(rig.prisma, id));
      const { at } = await second.waitForLog("service started", 60_000);
      spawnToStartedMs = at - second.spawnedAt;
    }
    const last = workers[workers.length - 1]!;
    await waitForBroadcast(rig.prisma, id, (v) => v.status === "DONE", { timeoutMs: recipients * 1000, what: "broadcast DONE", workers: [last] });
    const wallMs = Date.now() - started;
    last.proc.kill("SIGTERM");
    const exit = await last.waitForExit(30_000);
    if (exit.code !== 0) throw new Error(`worker did not stop cleanly: ${JSON.stringify(exit)}\n${last.describe()}`);

    const audit = auditDeliveries(await deliveryRows(rig.prisma, id), recorder);
    const ok = recorder.ok();
    const gap = longestGap(ok);
    const firstAfter = second ? ok.find((s) => s.at >= second.spawnedAt) : undefined;
    const accepted = rig.fake.calls
      .filter((c) => c.status === 200 && /^(send|edit|copy)/i.test(c.method) && c.method.toLowerCase() !== "sendchataction" && c.at >= started)
      .map((c) => c.at)
      .sort((a, b) => a - b);
    const config = rig.core.botDeps.config.broadcast;
    return {
      name,
      recipients,
      wallMs,
      audit,
      rate: sustainedRate(ok),
      rateWithoutGap: sustainedRate(ok, gap.ms),
      gapMs: gap.ms,
      peakPerSecond: peakPerSecond(accepted),
      spacing: spacingOf(accepted),
      acceptedBefore429: recorder.tooMany.filter((t) => t.broadcast).map((t) => accepted.filter((at) => at > t.at - 1000 && at <= t.at).length),
      ...(name === "kill"
        ? {
            kill: {
              deliveredAtKill,
              rowsAtKill,
              ...(firstAfter ? { killToFirstSendMs: firstAfter.at - killedAt, spawnToFirstSendMs: firstAfter.at - second!.spawnedAt } : {}),
              ...(spawnToStartedMs !== undefined ? { spawnToStartedMs } : {}),
            },
          }
        : {}),
      config: { ratePerSecond: config.ratePerSecond, concurrency: config.concurrency, jobLockMs: config.jobLockMs, progressEveryMs: config.progressEveryMs },
    };
  } catch (error) {
    const tails = workers.map((w, i) => `--- worker ${i + 1} ---\n${w.describe()}`).join("\n");
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tails}`);
  } finally {
    recorder.stop();
    await killAll();
    await rig.close();
    await db.drop();
  }
}

export async function run(): Promise<BenchReport> {
  const n = Number(process.env.BENCH_BROADCAST_RECIPIENTS);
  const recipients = Number.isInteger(n) && n > 0 ? n : 10_000;
  const wanted = (process.env.BENCH_BROADCAST_SCENARIOS ?? "clean,kill").split(",").map((s) => s.trim());
  const load0 = loadavg()[0]!;
  const scenarios: Scenario[] = [];
  for (const name of ["clean", "kill"] as const) if (wanted.includes(name)) scenarios.push(await runScenario(name, recipients));
  const load1 = loadavg()[0]!;

  const cfg = scenarios[0]?.config;
  const rows = scenarios.map((s) => [
    s.name,
    fmt.int(s.recipients),
    `${(s.wallMs / 1000).toFixed(1)} s`,
    s.rate.toFixed(2),
    s.rateWithoutGap.toFixed(2),
    s.peakPerSecond,
    s.audit.duplicates.length,
    s.audit.uncertain,
    `${s.audit.tooManyReceived} (${s.audit.tooManyOnBroadcastSends})`,
    s.audit.failedOn429,
    s.audit.mismatched.length,
  ]);
  const lines = [
    `Fake Telegram enforcing ${TELEGRAM.globalPerSecond} msg/s globally and ${TELEGRAM.perChatPerSecond}/s per chat; the worker role as a child process; Postgres and Redis on this machine (${availableParallelism()} cores, load ${load0.toFixed(1)} → ${load1.toFixed(1)}).`,
    cfg ? `Worker config${Object.keys(workerOverrides()).length ? ` (set: ${Object.keys(workerOverrides()).join(", ")})` : " (defaults)"}: BROADCAST_RATE_PER_SECOND=${cfg.ratePerSecond}, BROADCAST_CONCURRENCY=${cfg.concurrency}, BROADCAST_JOB_LOCK_MS=${cfg.jobLockMs}, BROADCAST_PROGRESS_EVERY_MS=${cfg.progressEveryMs}.` : "",
    "",
    ...table(["scenario", "recipients", "wall", "msg/s", "msg/s w/o gap", "peak/1s", "dupes", "uncertain", "429s (on sends)", "FAILED 429", "row≠fake"], rows),
  ];
  for (const s of scenarios) {
    lines.push(
      "",
      `${s.name}: rows ${JSON.stringify(s.audit.byStatus)}; longest gap between deliveries ${fmt.ms(s.gapMs)} ms.`,
      `  spacing of the requests the fake accepted (sends + progress edits), ms: min ${fmt.ms(s.spacing.min)}, p5 ${fmt.ms(s.spacing.p5)}, p50 ${fmt.ms(s.spacing.p50)}, mean ${fmt.ms(s.spacing.mean)} (pace ${s.config.ratePerSecond}/s = ${fmt.ms(1000 / s.config.ratePerSecond)} ms).`,
      `  accepted in the second before each 429 on a send: ${s.acceptedBefore429.length ? s.acceptedBefore429.join(", ") : "-"} (the fake allows ${TELEGRAM.globalPerSecond}).`,
    );
    if (s.kill) {
      lines.push(
        `  SIGKILL at ${fmt.int(s.kill.deliveredAtKill)} delivered (rows then ${JSON.stringify(s.kill.rowsAtKill)}); uncertain ${s.audit.uncertain} of which the fake had delivered ${s.audit.uncertainDelivered}.`,
        `  kill → first send of the new worker ${s.kill.killToFirstSendMs !== undefined ? fmt.ms(s.kill.killToFirstSendMs) : "-"} ms (spawn → service started ${s.kill.spawnToStartedMs ?? "-"} ms, spawn → first send ${s.kill.spawnToFirstSendMs ?? "-"} ms).`,
      );
    }
  }
  const targets: BenchTarget[] = [];
  for (const s of scenarios) {
    targets.push(target(`${s.name}: sustained rate${s.name === "kill" ? " (restart gap excluded)" : ""}`, Number((s.name === "kill" ? s.rateWithoutGap : s.rate).toFixed(2)), ">=", TARGET_RATE, " msg/s"));
    targets.push(target(`${s.name}: duplicates`, s.audit.duplicates.length, "<", 1));
    targets.push(target(`${s.name}: unhandled 429 (rows FAILED on 429)`, s.audit.failedOn429, "<", 1));
    targets.push(target(`${s.name}: rows disagreeing with Telegram's side`, s.audit.mismatched.length, "<", 1));
  }
  const data = Object.fromEntries(
    scenarios.map((s) => [
      s.name,
      {
        recipients: s.recipients,
        wallMs: s.wallMs,
        rate: s.rate,
        rateWithoutGap: s.rateWithoutGap,
        gapMs: s.gapMs,
        peakPerSecond: s.peakPerSecond,
        spacingMs: s.spacing,
        acceptedBefore429: s.acceptedBefore429,
        duplicates: s.audit.duplicates.length,
        uncertain: s.audit.uncertain,
        uncertainDelivered: s.audit.uncertainDelivered,
        tooManyReceived: s.audit.tooManyReceived,
        tooManyOnBroadcastSends: s.audit.tooManyOnBroadcastSends,
        failedOn429: s.audit.failedOn429,
        mismatched: s.audit.mismatched.length,
        byStatus: s.audit.byStatus,
        config: s.config,
        ...(s.kill ? { kill: s.kill } : {}),
      },
    ]),
  );
  return { name: "broadcast", title: `Broadcast: ${fmt.int(recipients)} recipients at Telegram's limit (${TELEGRAM.globalPerSecond}/s, ${TELEGRAM.perChatPerSecond}/s per chat), clean and through a SIGKILL`, lines, data, targets };
}
