/**
 * Scale-out on this machine: one process vs two behind the round-robin proxy of
 * test/support/cluster.ts (real `node --import tsx ops/main.ts <roles>` processes, each on a
 * loopback address of its own, 127.0.0.2 and 127.0.0.3), and what the bot inbox's cross-process
 * ordering costs per update.
 *
 *   npm run bench -- scale-out
 *   BENCH_SCALE_REQUESTS=2000   payment callbacks per measured row (default 2000, after 500 warm-up)
 *   BENCH_SCALE_SECONDS=10      seconds per bot scenario (default 10, after 3 s warm-up)
 *
 *   (a) payment webhook: verified Tripay PAID callbacks (each a real PENDING_PAYMENT → PAID
 *       settlement) at 20 keep-alive connections to the proxy → 1 web process, then → 2.
 *       Reference row: the same load straight at one web process (no proxy).
 *   (b) bot in webhook mode, end to end: 32 customers at the fake Telegram, each in a closed loop
 *       (type /help, wait until the bot's answer reached the fake, again). The fake delivers like
 *       Telegram (up to 40 at once, one at a time per chat) to the proxy → 1 `web bot` process
 *       (BOT_MODE=webhook: inbox, lease, handle, DONE), then → 2.
 *   (c) the ordering's cost: one customer, serial, through the inbox (webhook mode, 1 process) vs
 *       the direct path (a `bot` process in polling mode, no inbox: grammY handles each update as
 *       getUpdates returns it); plus, from telegram_updates, received_at → handled_at per update.
 *
 * Everything shares the machine's 2 cores: the proxy and the load run in this process, Postgres
 * and Redis on the same machine. Two processes cannot add cores here; the numbers say how much
 * (or how little) a second process buys when the CPU is already shared.
 */
import { availableParallelism, loadavg } from "node:os";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { killAll } from "../process/helpers.js";
import { freePortOn, selfSignedCertificate, startHost, startRoundRobinProxy, waitHostsStarted, type Host, type RoundRobinProxy } from "../support/cluster.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { testEnv, TEST_TOKEN } from "../support/service.js";
import { createPendingTripayOrders, TRIPAY_CREDS, tripayCallbackBody, tripayHeaders, type PendingOrder } from "../webhooks/payments/harness.js";
import type { TestDatabase } from "../support/db.js";
import { fmt, latencyStats, table, type BenchReport, type LatencyStats } from "./report.js";
import { cpuSnapshot, createBenchDatabase } from "./support.js";

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const REQUESTS = envInt("BENCH_SCALE_REQUESTS", 2000);
/** One and two processes measured in turn, this many times each: a busy shared machine drifts. */
const ROUNDS = 2;
const WARMUP = 500;
const CONNECTIONS = 20;
const BOT_SECONDS = envInt("BENCH_SCALE_SECONDS", 10);
const BOT_WARMUP_SECONDS = 3;
const CHATS = 32;
const SECRET = "bench-scale-webhook-secret-0123456789";
const [A, B] = ["127.0.0.2", "127.0.0.3"] as const;

// ───────────────────────────── (a) load: closed loops over keep-alive sockets ─────────────────────────────

/** CPU seconds used so far by these processes (Linux /proc: utime + stime). */
function processCpuSeconds(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(rest[11]) + Number(rest[12])) / 100;
    } catch {
      // gone
    }
  }
  return total;
}

/** CPU ms per request while `fn` ran: the service processes, this process (proxy + load), Postgres. */
async function withCpu<T extends { count: number }>(pids: number[], fn: () => Promise<T>): Promise<T & { cpuMs: { services: number; bench: number; postgres: number } }> {
  const s0 = processCpuSeconds(pids);
  const c0 = cpuSnapshot();
  const r = await fn();
  const c1 = cpuSnapshot();
  const per = (sec: number) => (sec * 1000) / Math.max(1, r.count);
  return { ...r, cpuMs: { services: per(processCpuSeconds(pids) - s0), bench: per(c1.self - c0.self), postgres: per(c1.postgres - c0.postgres) } };
}

interface HttpLoad {
  count: number;
  cpuMs?: { services: number; bench: number; postgres: number };
  rate: number;
  latency: LatencyStats;
  statuses: Record<string, number>;
  elapsedMs: number;
}

async function httpLoad(origin: string, requests: Array<{ path: string; headers: Record<string, string>; body: string }>): Promise<HttpLoad> {
  const target = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const once = (r: (typeof requests)[number]) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, method: "POST", path: r.path, headers: { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) }, agent },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", () => resolve(0));
        },
      );
      req.on("error", () => resolve(0));
      req.end(r.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        const t0 = performance.now();
        const status = await once(r);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { count: requests.length, rate: (requests.length / elapsedMs) * 1000, latency: latencyStats(latencies), statuses, elapsedMs };
}

const callback = (p: PendingOrder) => {
  const body = tripayCallbackBody(p, { paidAt: 1_795_000_000 });
  return { path: "/webhooks/tripay", headers: tripayHeaders(body), body };
};

// ───────────────────────────── (b)/(c) load: customers at the fake Telegram ─────────────────────────────

interface ChatLoad {
  count: number;
  cpuMs?: { services: number; bench: number; postgres: number };
  handled: number;
  rate: number;
  latency: LatencyStats;
  /** Updates whose answer took over a second (a stall, not work). */
  slow: number;
}

/** `chats` customers, each typing /help and waiting for the answer, for `seconds` (after a warm-up). */
async function chatLoad(fake: FakeTelegram, firstId: number, chats: number, seconds: number, warmupSeconds: number): Promise<ChatLoad> {
  const latencies: number[] = [];
  const warmEnd = performance.now() + warmupSeconds * 1000;
  const end = warmEnd + seconds * 1000;
  let handled = 0;
  await Promise.all(
    Array.from({ length: chats }, async (_, i) => {
      const user = fake.user(firstId + i, { firstName: `Bench ${i + 1}`, languageCode: "id" });
      while (performance.now() < end) {
        const t0 = performance.now();
        await user.sendText("/help");
        await user.waitForMessage(/\/language/, { timeoutMs: 60_000 });
        const t1 = performance.now();
        if (t0 >= warmEnd && t1 <= end) {
          latencies.push(t1 - t0);
          handled++;
        }
      }
    }),
  );
  return { count: handled, handled, rate: handled / seconds, latency: latencyStats(latencies), slow: latencies.filter((ms) => ms > 1_000).length };
}

const cpuCells = (x: { cpuMs?: { services: number; bench: number; postgres: number } }) =>
  // Postgres is summed over its live processes: a backend that exits meanwhile takes its CPU along (then "?").
  x.cpuMs ? [x.cpuMs.services, x.cpuMs.bench].map((v) => v.toFixed(2)).concat(x.cpuMs.postgres >= 0 ? x.cpuMs.postgres.toFixed(2) : "?").join(" ") : "-";

async function setWebhook(fake: FakeTelegram, url: string): Promise<void> {
  const res = await fetch(fake.apiUrl("setWebhook"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url, secret_token: SECRET }) });
  if (!res.ok) throw new Error(`setWebhook: ${res.status} ${await res.text()}`);
}

// ───────────────────────────── the run ─────────────────────────────

export async function run(): Promise<BenchReport> {
  const benchDb = await createBenchDatabase();
  const prisma: PrismaClient = createPrisma(benchDb.url, { max: 4, applicationName: "vps-shop:bench" });
  const prefix = uniquePrefix("bench-scale");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-bench-scale-"));
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    await seedDemoCatalog(prisma);
    const fake = await startFakeTelegram({ token: TEST_TOKEN, allowLocalhostUrls: true });
    cleanups.push(() => fake.stop());
    const pollFake = await startFakeTelegram({ token: TEST_TOKEN, allowLocalhostUrls: true });
    cleanups.push(() => pollFake.stop());
    const ports = { aWeb: await freePortOn(A), bWeb: await freePortOn(B), aBot: await freePortOn(A), bBot: await freePortOn(B) };
    const origin = (host: string, port: number) => `http://${host}:${port}`;
    const tls = selfSignedCertificate();
    const proxies: Record<"web1" | "web2" | "bot1" | "bot2", RoundRobinProxy> = {
      web1: await startRoundRobinProxy({ routes: [{ prefix: "", upstreams: [origin(A, ports.aWeb)] }] }),
      web2: await startRoundRobinProxy({ routes: [{ prefix: "", upstreams: [origin(A, ports.aWeb), origin(B, ports.bWeb)] }] }),
      bot1: await startRoundRobinProxy({ tls, routes: [{ prefix: "", upstreams: [origin(A, ports.aBot)] }] }),
      bot2: await startRoundRobinProxy({ tls, routes: [{ prefix: "", upstreams: [origin(A, ports.aBot), origin(B, ports.bBot)] }] }),
    };
    for (const p of Object.values(proxies)) cleanups.push(() => p.stop());

    const env = testEnv({ url: benchDb.url } as TestDatabase, prefix, 1, fake.url, {
      LOG_LEVEL: "info", // as in production (and the start-up line the bench waits for)
      TRIPAY_API_KEY: TRIPAY_CREDS.apiKey,
      TRIPAY_PRIVATE_KEY: TRIPAY_CREDS.privateKey,
      TRIPAY_MERCHANT_CODE: TRIPAY_CREDS.merchantCode,
      TRIPAY_API_URL: "http://127.0.0.1:9",
      BOT_MODE: "webhook",
      PUBLIC_BASE_URL: proxies.bot1.tlsUrl!,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      BOT_RATE_LIMIT_PER_10S: "100000",
    });
    const hosts: Host[] = [];
    hosts.push(
      await startHost({ name: "A", address: A, env: { ...env, DATA_DIR: path.join(dataDir, "a") }, processes: [{ name: "web", roles: ["web"], port: ports.aWeb }, { name: "bot", roles: ["web", "bot"], port: ports.aBot }] }),
      await startHost({ name: "B", address: B, env: { ...env, DATA_DIR: path.join(dataDir, "b") }, processes: [{ name: "web", roles: ["web"], port: ports.bWeb }, { name: "bot", roles: ["web", "bot"], port: ports.bBot }] }),
      // The direct path for (c): polling, its own fake Telegram (a webhook would refuse getUpdates), its own Redis prefix.
      await startHost({ name: "P", address: A, env: { ...env, BOT_MODE: "polling", TELEGRAM_API_ROOT: pollFake.url, QUEUE_PREFIX: `${prefix}-poll`, DATA_DIR: path.join(dataDir, "p") }, processes: [{ name: "bot", roles: ["bot"] }] }),
    );
    cleanups.push(() => killAll());
    await waitHostsStarted(hosts, 120_000);

    // ── (a) payment webhook
    const orders = await createPendingTripayOrders(prisma, 4 * WARMUP + (1 + 2 * ROUNDS) * REQUESTS);
    let cursor = 0;
    const take = (n: number) => orders.slice(cursor, (cursor += n)).map(callback);
    await httpLoad(origin(A, ports.aWeb), take(WARMUP));
    await httpLoad(origin(B, ports.bWeb), take(WARMUP));
    const webPids = [hosts[0]!, hosts[1]!].map((h) => h.processes.find((p) => p.name.endsWith("/web"))!.child.pid);
    const botPids = [hosts[0]!, hosts[1]!].map((h) => h.processes.find((p) => p.name.endsWith("/bot"))!.child.pid);
    const direct = await withCpu(webPids, () => httpLoad(origin(A, ports.aWeb), take(REQUESTS)));
    await httpLoad(proxies.web1.url, take(WARMUP));
    await httpLoad(proxies.web2.url, take(WARMUP));
    const web1s: HttpLoad[] = [];
    const web2s: HttpLoad[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      web1s.push(await withCpu(webPids, () => httpLoad(proxies.web1.url, take(REQUESTS))));
      web2s.push(await withCpu(webPids, () => httpLoad(proxies.web2.url, take(REQUESTS))));
    }
    for (const [label, r] of [["direct", direct], ...web1s.map((x) => ["1 web", x] as const), ...web2s.map((x) => ["2 web", x] as const)] as const) {
      if (r.statuses["200"] !== REQUESTS) throw new Error(`(a) ${label}: not every callback answered 200: ${JSON.stringify(r.statuses)}`);
    }
    const paid = await prisma.order.count({ where: { status: "PAID" } });
    if (paid !== cursor) throw new Error(`(a): ${paid} orders PAID after ${cursor} callbacks`);
    const web2Split = proxies.web2.stats();

    // ── (b) bot in webhook mode, end to end
    const bot1s: ChatLoad[] = [];
    const bot2s: ChatLoad[] = [];
    let chatBase = 8_800_001;
    for (let round = 0; round < ROUNDS; round++) {
      await setWebhook(fake, `${proxies.bot1.tlsUrl}/telegram/webhook`);
      bot1s.push(await withCpu(botPids, () => chatLoad(fake, chatBase, CHATS, BOT_SECONDS, BOT_WARMUP_SECONDS)));
      await setWebhook(fake, `${proxies.bot2.tlsUrl}/telegram/webhook`);
      bot2s.push(await withCpu(botPids, () => chatLoad(fake, chatBase + 100, CHATS, BOT_SECONDS, BOT_WARMUP_SECONDS)));
      chatBase += 1_000;
    }
    const bot2Split = proxies.bot2.stats();

    // ── (c) one customer, serial: through the inbox vs the direct (polling) path
    await setWebhook(fake, `${proxies.bot1.tlsUrl}/telegram/webhook`);
    const serialInbox = await chatLoad(fake, 8_809_001, 1, BOT_SECONDS, BOT_WARMUP_SECONDS);
    const serialDirect = await chatLoad(pollFake, 8_809_101, 1, BOT_SECONDS, BOT_WARMUP_SECONDS);
    const inboxRows = await prisma.$queryRaw<Array<{ ms: number }>>`
      SELECT EXTRACT(EPOCH FROM (handled_at - received_at)) * 1000 AS ms FROM telegram_updates
      WHERE status = 'DONE' AND chat_key = '8809001'`;
    const inboxWait = latencyStats(inboxRows.map((r) => Number(r.ms)));
    const busyRows = await prisma.$queryRaw<Array<{ ms: number }>>`
      SELECT EXTRACT(EPOCH FROM (handled_at - received_at)) * 1000 AS ms FROM telegram_updates
      WHERE status = 'DONE' AND (chat_key LIKE '88001%' OR chat_key LIKE '88011%')`;
    const inboxWaitBusy = latencyStats(busyRows.map((r) => Number(r.ms)));

    const cores = availableParallelism();
    const lines = [
      `Real processes (node --import tsx ops/main.ts), host A = ${A}, host B = ${B}; the proxy and the load run in this process;`,
      `Postgres and Redis on this machine; ${cores} cores, 1-min load average ${loadavg()[0]!.toFixed(1)} at the end.`,
      "CPU ms per request/update: the service processes measured (both web, or both bot, processes), this process (proxy, load, and in (b) the fake Telegram), all of Postgres.",
      "",
      `(a) payment webhook: ${fmt.int(REQUESTS)} verified Tripay PAID callbacks per row (each settles an order), ${CONNECTIONS} keep-alive connections, after ${WARMUP} warm-up`,
      ...table(
        ["path", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "CPU ms/req: web bench pg"],
        [
          ["straight to 1 web process (no proxy)", direct] as const,
          ...web1s.flatMap((r, i) => [[`proxy → 1 web process (round ${i + 1})`, r] as const, [`proxy → 2 web processes (round ${i + 1})`, web2s[i]!] as const]),
        ].map(([label, x]) => [label, fmt.rate(x.rate), fmt.ms(x.latency.p50), fmt.ms(x.latency.p95), fmt.ms(x.latency.p99), fmt.ms(x.latency.max), cpuCells(x)]),
      ),
      `  2 ÷ 1 processes, by round: ${web1s.map((r, i) => `${(web2s[i]!.rate / r.rate).toFixed(2)}×`).join(", ")} the throughput; split ${Object.values(web2Split).map((s) => s.answered).join(" / ")} requests.`,
      "",
      `(b) bot, webhook mode, end to end (typed /help → the answer at the fake Telegram): ${CHATS} customers in closed loops, ${BOT_SECONDS} s after ${BOT_WARMUP_SECONDS} s warm-up`,
      ...table(
        ["bot processes", "updates/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "CPU ms/update: bot bench pg"],
        bot1s
          .flatMap((r, i) => [[`1 (web bot, inbox), round ${i + 1}`, r] as const, [`2 (web bot ×2, round robin), round ${i + 1}`, bot2s[i]!] as const])
          .map(([label, x]) => [label, fmt.rate(x.rate), fmt.ms(x.latency.p50), fmt.ms(x.latency.p95), fmt.ms(x.latency.p99), fmt.ms(x.latency.max), cpuCells(x)]),
      ),
      `  2 ÷ 1 processes, by round: ${bot1s.map((r, i) => `${(bot2s[i]!.rate / r.rate).toFixed(2)}×`).join(", ")} the throughput; split ${Object.values(bot2Split).map((s) => s.answered).join(" / ")} webhook requests.`,
      "",
      `(c) the cost of cross-process ordering, one customer, serial (${BOT_SECONDS} s each):`,
      ...table(
        ["path", "updates", "p50 ms", "p95 ms", "mean ms", "max ms", "> 1 s"],
        [
          ["webhook → inbox (store, 200, lease, handle, DONE)", serialInbox],
          ["polling, no inbox (grammY handles as received)", serialDirect],
        ].map(([label, r]) => {
          const x = r as ChatLoad;
          return [label as string, fmt.int(x.handled), fmt.ms(x.latency.p50), fmt.ms(x.latency.p95), fmt.ms(x.latency.mean), fmt.ms(x.latency.max), fmt.int(x.slow)];
        }),
      ),
      `  added by the inbox path (p50): ${fmt.ms(serialInbox.latency.p50 - serialDirect.latency.p50)} ms per update.`,
      `  inbox received_at → handled_at: serial p50 ${fmt.ms(inboxWait.p50)} ms, p95 ${fmt.ms(inboxWait.p95)} ms, max ${fmt.ms(inboxWait.max)} ms; under (b)'s 2-process load p50 ${fmt.ms(inboxWaitBusy.p50)} ms, p95 ${fmt.ms(inboxWaitBusy.p95)} ms, max ${fmt.ms(inboxWaitBusy.max)} ms.`,
      `  (the webhook's own 200 comes right after the insert; the handling then runs in the process that took the chat's lease.)`,
    ];
    return {
      name: "scale-out",
      title: "Scale-out: one vs two processes behind a round-robin proxy, and the bot inbox's cost",
      lines,
      data: { cores, requests: REQUESTS, rounds: ROUNDS, connections: CONNECTIONS, chats: CHATS, botSeconds: BOT_SECONDS, direct, web1: web1s, web2: web2s, bot1: bot1s, bot2: bot2s, serialInbox, serialDirect, inboxWait, inboxWaitBusy },
      targets: [],
    };
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await prisma.$disconnect().catch(() => undefined);
    await deleteKeys(prefix).catch(() => undefined);
    await benchDb.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
