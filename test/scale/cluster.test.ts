/**
 * Scale-out, the issue's first "done when": three hosts on this machine — loopback addresses of
 * their own (127.0.0.2 = host A, 127.0.0.3 = host B, 127.0.0.4 = host C) — run web ×2,
 * bot-in-webhook ×2 (`web bot`, BOT_MODE=webhook), worker ×2 and one scheduler as real processes
 * against one Postgres database and one Redis prefix. A round-robin proxy (test/support/cluster.ts)
 * sits in front: /telegram/* to the two bot processes, the rest (gateway callbacks, /health) to
 * the two web processes; PUBLIC_BASE_URL is the proxy, so the fake Telegram delivers its webhooks
 * through it, up to max_connections at once and one at a time per chat like Telegram does.
 *
 * Concurrent customers order through the real conversations (buttons and typed text, a burst of
 * typed messages in each chat) and pay from the wallet, by QRIS (Tripay) or Midtrans (signed
 * callbacks through the proxy). In the middle — chats mid-conversation, provisioning running —
 * host A dies (SIGKILL to its three processes at once). Then:
 *   (a) per-chat order: in the bot's inbox (`telegram_updates`) every update once, DONE, and per
 *       chat `handled_seq` grows with `update_id`; and what each customer saw came in order;
 *   (b) every paid order is ACTIVE exactly once: one server per order at the fake clouds, one
 *       settlement, one instance, the credentials told once;
 *   (c) the scheduler ticked once per tick.
 *
 * CLUSTER_LOGS=<dir> writes every process's log there. CLUSTER_SOURCE=<dir> runs the processes from
 * another checkout (`git archive <commit> | tar -x -C dir`, then link node_modules and copy
 * db/generated) to compare commits: on the commit before the bot inbox ("Bot inbox:") this test
 * fails, the taps host A was handling when it died are dropped as Redis "duplicates" on host B.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { loadPlans } from "../chaos/journeys.js";
import { killAll, ROOT } from "../process/helpers.js";
import { expectOrdersActiveOnce, freePortOn, loopbackAliasesWork, scaleTestEnv, selfSignedCertificate, startHost, startScaleFakes, startRoundRobinProxy, tickJob, waitFor, waitHostsStarted, writeHostLogs, type Host, type RoundRobinProxy, type ScaleFakes } from "../support/cluster.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { BOT_ERROR, customerJourney, scaleCustomers, seededGatewayDriver } from "../support/scale-journey.js";

const CHATS = 12;
const WEBHOOK_SECRET = "cluster-webhook-secret-0123456789";
/** One step of a conversation may wait out a dead host's chat lease (~30 s) plus a busy machine. */
const STEP_MS = 90_000;
/** Where the processes run from: the project, or (CLUSTER_SOURCE) another checkout, e.g. an older commit to compare. */
const SOURCE = process.env.CLUSTER_SOURCE;

let db: TestDatabase;
let prefix: string;
let fake: FakeTelegram;
let fakes: ScaleFakes | undefined;
let proxy: RoundRobinProxy;
let hosts: Host[] = [];
let dataDir: string;

const log = (msg: string) => console.log(`[cluster ${new Date().toISOString().slice(11, 23)}] ${msg}`);

beforeAll(async () => {
  if (!(await loopbackAliasesWork())) throw new Error("this machine cannot bind 127.0.0.2 (Linux routes 127.0.0.0/8 to lo; a sandbox without it cannot run this test)");
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma);
  prefix = uniquePrefix("cluster");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-cluster-data-"));
}, 60_000);

afterAll(async () => {
  if (hosts.length > 0 && process.env.CLUSTER_LOGS !== undefined) writeHostLogs(hosts, process.env.CLUSTER_LOGS);
  await killAll();
  await proxy?.stop();
  await fakes?.stop();
  if (prefix) await deleteKeys(prefix);
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** Starts the fakes, the proxy and the three hosts; resolves once every process runs and the webhook is set. */
async function startCluster(): Promise<{ hostA: Host; hostB: Host; hostC: Host }> {
  fakes = await startScaleFakes();
  fake = fakes.telegram;
  const [A, B, C] = ["127.0.0.2", "127.0.0.3", "127.0.0.4"] as const;
  // The web origins are needed by the proxy before the processes start: pick the ports first.
  const ports = { aWeb: await freePortOn(A), aBot: await freePortOn(A), bWeb: await freePortOn(B), bBot: await freePortOn(B) };
  proxy = await startRoundRobinProxy({
    tls: selfSignedCertificate(),
    routes: [
      { prefix: "/telegram/", upstreams: [`http://${A}:${ports.aBot}`, `http://${B}:${ports.bBot}`] },
      { prefix: "", upstreams: [`http://${A}:${ports.aWeb}`, `http://${B}:${ports.bWeb}`] },
    ],
  });
  const env = scaleTestEnv(db, prefix, { fakes, publicBaseUrl: proxy.tlsUrl!, webhookSecret: WEBHOOK_SECRET, tickSeconds: TICK_SECONDS });
  const hostEnv = (name: string) => ({ ...env, DATA_DIR: path.join(dataDir, name) });
  const source = SOURCE !== undefined ? { source: SOURCE } : {};
  const hostA = await startHost({
    name: "A", address: A, env: hostEnv("a"), ...source,
    processes: [
      { name: "web", roles: ["web"], port: ports.aWeb },
      { name: "bot", roles: ["web", "bot"], port: ports.aBot },
      { name: "worker", roles: ["worker"] },
    ],
  });
  const hostB = await startHost({
    name: "B", address: B, env: hostEnv("b"), ...source,
    processes: [
      { name: "web", roles: ["web"], port: ports.bWeb },
      { name: "bot", roles: ["web", "bot"], port: ports.bBot },
      { name: "worker", roles: ["worker"] },
    ],
  });
  const hostC = await startHost({ name: "C", address: C, env: hostEnv("c"), ...source, processes: [{ name: "scheduler", roles: ["scheduler"] }] });
  hosts = [hostA, hostB, hostC];
  await waitHostsStarted(hosts, 120_000);
  const hook = `${proxy.tlsUrl}/telegram/webhook`;
  await waitFor(async () => fake.webhookInfo().url === hook, 60_000, "the bot processes to set the webhook to the proxy");
  return { hostA, hostB, hostC };
}

/** Typed without waiting: Telegram queues them; the bot must answer them in order. */
const BURST = ["SALAH1", "SALAH2", "SALAH3"];
/** The order-expiry sweep's period in this run (a six-field cron: seconds first). */
const TICK_SECONDS = 5;

describe("three hosts, one Postgres and one Redis, a round-robin proxy, and host A killed mid-traffic", () => {
  it("keeps per-chat order, activates every paid order exactly once, and ticks the scheduler once per tick", { timeout: 300_000 }, async () => {
    const started = Date.now();
    const { hostA, hostB, hostC } = await startCluster();
    log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: proxy ${proxy.url} / ${proxy.tlsUrl}`);
    const runStart = new Date();

    const chats = await scaleCustomers(db.prisma, fake, { count: CHATS, firstId: 7_700_001, plans: await loadPlans(db.prisma), fundTag: "cluster" });
    const gateway = seededGatewayDriver(fakes!.gateways, proxy.url, 42);

    // Customers arrive a little apart, so at any moment some browse while others already pay.
    const journeys = chats.map(async (chat, i) => {
      await new Promise((r) => setTimeout(r, i * 500));
      try {
        await customerJourney(chat, { prisma: db.prisma, fake, gateway, codes: BURST, stepMs: STEP_MS });
      } catch (err) {
        chat.error = err instanceof Error ? err.message : String(err);
        throw err;
      }
    });
    const all = Promise.allSettled(journeys);

    // Kill host A once chats are mid-conversation and some paid order waits for its VPS (each boot
    // takes ~6 s at the fake cloud, so its provisioning job is running or about to).
    await waitFor(
      () => {
        const browsing = chats.filter((c) => c.stage === "browsing" || c.stage === "ordered").length;
        return chats.some((c) => c.stage === "paid") && browsing >= 3;
      },
      150_000,
      () => `a paid order waiting for its VPS while chats are mid-conversation (stages: ${chats.map((c) => c.stage).join(", ")})`,
    );
    // Then, for a few seconds, aim at a moment when an update is being handled: started in the
    // inbox and not done (about half the time host A's bot has it), or a webhook request open at
    // host A's bot (grammY's webhookCallback, before the inbox, answered only after handling).
    const aBotOrigin = hostA.processes.find((p) => p.roles.includes("bot"))!.origin!;
    const aimUntil = Date.now() + 5_000;
    while (Date.now() < aimUntil) {
      if ((proxy.stats()[aBotOrigin]?.inFlight ?? 0) > 0) break;
      const [busy] = await db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM telegram_updates WHERE status = 'PENDING' AND attempts > 0`;
      if (Number(busy?.n ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const provisioning = await db.prisma.order.count({ where: { status: { in: ["PAID", "PROVISIONING"] } } });
    log(`killing host A (stages: ${chats.map((c) => c.stage).join(", ")}; ${provisioning} order(s) PAID/PROVISIONING)`);
    const killedAt = Date.now();
    await hostA.kill();
    expect(hostA.processes.map((p) => p.child.exitInfo()?.signal)).toEqual(["SIGKILL", "SIGKILL", "SIGKILL"]);

    const outcomes = await all;
    const failed = chats.filter((c) => c.error !== undefined);
    expect(failed.map((c) => `${c.id} (${c.pay}, stage ${c.stage}): ${c.error}`), hostB.describe().slice(-6_000)).toEqual([]);
    expect(outcomes.every((o) => o.status === "fulfilled")).toBe(true);
    log(`every chat done ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    expect(hostB.up() && hostC.up(), "host B and C must survive").toBe(true);

    // ── (a) per-chat order, as the customers saw it
    for (const chat of chats) {
      const errors = chat.user.messages().filter((m) => BOT_ERROR.test(m.text ?? ""));
      expect(errors.map((m) => m.text), `chat ${chat.id}: no error or stale-button notice`).toEqual([]);
      expect(chat.codeAnswers, `chat ${chat.id}: the burst of typed codes answered in order`).toEqual(BURST);
      expect(chat.user.messages().filter((m) => /VPS aktif!/.test(m.text ?? "")), `chat ${chat.id}: the VPS told once`).toHaveLength(1);
    }

    // ── (a) per-chat order, in the bot's inbox
    const delivered = new Map<number, number[]>();
    for (const d of fake.webhookDeliveries.filter((x) => x.ok)) {
      const chatId = Number(d.chat.slice("chat:".length));
      if (!chats.some((c) => c.id === chatId)) continue;
      const list = delivered.get(chatId) ?? [];
      if (!list.includes(d.updateId)) list.push(d.updateId);
      delivered.set(chatId, list);
    }
    if (existsSync(path.join(SOURCE ?? ROOT, "bot/inbox.ts"))) {
      const rows = await db.prisma.$queryRaw<Array<{ update_id: bigint; chat_key: string; status: string; attempts: number; handled_seq: bigint | null; handled_by: string | null }>>`
        SELECT update_id, chat_key, status, attempts, handled_seq, handled_by FROM telegram_updates ORDER BY update_id`;
      for (const chat of chats) {
        const ids = delivered.get(chat.id) ?? [];
        const mine = rows.filter((r) => ids.includes(Number(r.update_id)));
        expect(mine.map((r) => Number(r.update_id)).sort(), `chat ${chat.id}: every delivered update stored once`).toEqual([...ids].sort());
        expect([...new Set(mine.map((r) => r.chat_key))], `chat ${chat.id}: its chat key`).toEqual([String(chat.id)]);
        expect(mine.filter((r) => r.status !== "DONE"), `chat ${chat.id}: every update handled`).toEqual([]);
        const seqs = mine.map((r) => Number(r.handled_seq));
        expect(seqs, `chat ${chat.id}: handled in update_id order`).toEqual([...seqs].sort((x, y) => x - y));
      }
      // Both bot processes did the work (round robin), and host A's did some before it died.
      const aBot = hostA.processes.find((p) => p.roles.includes("bot"))!.child.pid;
      const byProcess = new Map<string, number>();
      for (const r of rows) byProcess.set(r.handled_by ?? "?", (byProcess.get(r.handled_by ?? "?") ?? 0) + 1);
      expect([...byProcess.keys()].some((k) => k.endsWith(`:${aBot}`)), `host A's bot handled updates: ${JSON.stringify([...byProcess])}`).toBe(true);
      expect(byProcess.size, "updates handled by both bot processes").toBeGreaterThanOrEqual(2);
      const again = rows.filter((r) => r.attempts > 1).length;
      log(`inbox: ${rows.length} updates, by process ${JSON.stringify(Object.fromEntries(byProcess))}; ${again} handled again after host A died`);
    }

    // ── (b) every paid order ACTIVE exactly once
    const references = chats.map((c) => c.reference!);
    await expectOrdersActiveOnce(db.prisma, references, fakes!.servers());

    // ── (c) the scheduler ticked once per tick: every slot of the run has its claim, and each
    // claim's job is in the outbox once and ran once (one "job completed" over both workers).
    const claims = async () =>
      (await db.prisma.$queryRaw<Array<{ tick: string }>>`SELECT tick FROM scheduler_ticks WHERE task = 'order-expiry' ORDER BY tick`).map((r) => r.tick);
    await waitFor(async () => (await claims()).length >= 3, 60_000, "three order-expiry ticks");
    const ticks = (await claims()).filter((t) => Date.parse(`${t}Z`) >= runStart.getTime());
    const last = ticks.at(-1)!;
    const outbox = async () =>
      db.prisma.jobOutbox.findMany({ where: { jobId: { in: ticks.map(tickJob) } }, select: { jobId: true, status: true } });
    await waitFor(async () => (await outbox()).filter((j) => j.status === "DONE").length === ticks.length, 60_000, `the jobs of ticks up to ${last} to run`);
    const slots: string[] = [];
    for (let t = Date.parse(`${ticks[0]}Z`); t <= Date.parse(`${last}Z`); t += TICK_SECONDS * 1000) slots.push(new Date(t).toISOString().slice(0, 19));
    expect(ticks, "one claim per tick, none missing, host A's death included").toEqual(slots);
    const jobs = await outbox();
    expect(jobs.map((j) => j.jobId).sort(), "each tick's job recorded once").toEqual(ticks.map(tickJob).sort());
    const completions = () => {
      const counts = new Map<string, number>();
      for (const h of [hostA, hostB]) {
        for (const line of h.processes.find((p) => p.roles.includes("worker"))!.child.logs()) {
          if (line.msg === "job completed" && typeof line.jobId === "string") counts.set(line.jobId, (counts.get(line.jobId) ?? 0) + 1);
        }
      }
      return counts;
    };
    // BullMQ completes (and the worker logs) a job just after its outbox row is marked DONE.
    await waitFor(async () => ticks.every((t) => (completions().get(tickJob(t)) ?? 0) > 0), 60_000, "each tick's job to be logged completed");
    expect(ticks.map((t) => completions().get(tickJob(t)) ?? 0), "each tick's job ran once").toEqual(ticks.map(() => 1));
    log(`scheduler: ${ticks.length} ticks (${ticks[0]} … ${last}) claimed once, each job run once; proxy ${JSON.stringify(proxy.stats())}, unanswered ${proxy.unanswered}`);
  });
});
