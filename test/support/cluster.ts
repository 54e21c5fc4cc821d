/**
 * Several "hosts" of the service on this machine, for the scale-out test and benchmark: each host
 * is a loopback address of its own (Linux routes all of 127.0.0.0/8 to `lo`, so 127.0.0.2,
 * 127.0.0.3, … can be bound without any set-up) whose processes (`node --import tsx ops/main.ts
 * <roles>`) listen only there, each in a process group of its own, so "the host dies" is one
 * SIGKILL per group at the same moment. In front of them a round-robin reverse proxy plays the
 * load balancer (HTTP for the gateways, HTTPS for Telegram, which insists on it), with the
 * retry-on-another-upstream that Caddy (lb_try_duration) and HAProxy (redispatch) do.
 *
 * The outside world (the fake Telegram, Tripay, Midtrans and clouds) runs in the test process.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { expect } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import type { FakeCloudServer } from "../../ops/fakes/clouds/common.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { baseEnv, MAIN_TS, ROOT, spawnTracked, type ServiceProcess } from "../process/helpers.js";
import type { TestDatabase } from "./db.js";
import { OWNER_ID, SELLER_ID, startFakeGateways, TEST_TOKEN, testEnv } from "./service.js";
import { makeTestCerts } from "./tls-certs.js";

// ───────────────────────────── addresses and ports ─────────────────────────────

/** A free TCP port on `address` (the kernel picks one, then it is released for the child to bind). */
export function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, address, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether this machine lets us bind (and reach) a loopback address other than 127.0.0.1. */
export async function loopbackAliasesWork(address = "127.0.0.2"): Promise<boolean> {
  try {
    await freePortOn(address);
    return true;
  } catch {
    return false;
  }
}

/** A certificate for 127.0.0.1 (test/support/tls-certs.ts, the machine's openssl): the proxy's HTTPS side. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const certs = makeTestCerts();
  try {
    return { key: readFileSync(certs.keyFile, "utf8"), cert: readFileSync(certs.certFile, "utf8") };
  } finally {
    certs.remove();
  }
}

// ───────────────────────────── round-robin proxy ─────────────────────────────

export interface ProxyRoute {
  /** Path prefix, e.g. "/telegram/"; the first matching route wins, "" matches everything. */
  prefix: string;
  /** Upstream origins, e.g. "http://127.0.0.2:41000". */
  upstreams: string[];
}

export interface UpstreamStats {
  /** Requests answered by this upstream (any status). */
  answered: number;
  /** Attempts that failed before a response (refused, reset, timed out), each retried elsewhere. */
  failed: number;
  /** Requests sent to it and not answered yet. */
  inFlight: number;
}

export interface RoundRobinProxy {
  /** http://127.0.0.1:port */
  readonly url: string;
  /** https://127.0.0.1:port (self-signed), when started with `tls`. */
  readonly tlsUrl: string | undefined;
  stats(): Record<string, UpstreamStats>;
  /** Requests that no upstream answered (the client got 502). */
  readonly unanswered: number;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

/**
 * A reverse proxy that spreads requests over each route's upstreams in turn. Like a real load
 * balancer with retries (Caddy's `lb_policy round_robin` + `lb_try_duration`, HAProxy's
 * `retry-on all-retryable-errors` + `option redispatch`) a request whose upstream refused or
 * dropped the connection before any response is sent to the next upstream; only when every
 * upstream failed does the client get 502. The body is buffered for that (webhooks are small).
 * An upstream that failed is skipped for `downMs` while another one is left (passive health check).
 */
export async function startRoundRobinProxy(opts: {
  routes: ProxyRoute[];
  host?: string;
  tls?: { key: string; cert: string };
  /** How long one upstream may take to answer (default 30 s). */
  upstreamTimeoutMs?: number;
  downMs?: number;
}): Promise<RoundRobinProxy> {
  const host = opts.host ?? "127.0.0.1";
  const timeoutMs = opts.upstreamTimeoutMs ?? 30_000;
  const downMs = opts.downMs ?? 2_000;
  const stats: Record<string, UpstreamStats> = {};
  const downUntil = new Map<string, number>();
  const cursors = new Map<ProxyRoute, number>();
  for (const r of opts.routes) for (const u of r.upstreams) stats[u] = { answered: 0, failed: 0, inFlight: 0 };
  let unanswered = 0;

  /** The route's upstreams from its next turn on, healthy ones first. */
  const order = (route: ProxyRoute): string[] => {
    const start = cursors.get(route) ?? 0;
    cursors.set(route, start + 1);
    const n = route.upstreams.length;
    const turn = Array.from({ length: n }, (_, i) => route.upstreams[(start + i) % n]!);
    const now = Date.now();
    return [...turn.filter((u) => (downUntil.get(u) ?? 0) <= now), ...turn.filter((u) => (downUntil.get(u) ?? 0) > now)];
  };

  const forward = (upstream: string, req: http.IncomingMessage, body: Buffer, forwardedProto: string) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const target = new URL(upstream);
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      headers.host = target.host;
      headers["content-length"] = String(body.length);
      headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
      headers["x-forwarded-proto"] = forwardedProto;
      // A fresh connection per request (agent: false): a kept-alive socket to a dead host would
      // only fail when written to, and the proxy could not tell that from a failure mid-request.
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false, timeout: timeoutMs });
      up.once("response", resolve);
      up.once("timeout", () => up.destroy(new Error("upstream timed out")));
      up.once("error", reject);
      up.end(body);
    });

  const handler = (forwardedProto: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const route = opts.routes.find((r) => (req.url ?? "/").startsWith(r.prefix));
        if (route === undefined || route.upstreams.length === 0) {
          res.writeHead(404).end();
          return;
        }
        let lastError = "no upstream";
        for (const upstream of order(route)) {
          let upRes: http.IncomingMessage;
          stats[upstream]!.inFlight++;
          try {
            upRes = await forward(upstream, req, body, forwardedProto);
          } catch (err) {
            stats[upstream]!.inFlight--;
            stats[upstream]!.failed++;
            downUntil.set(upstream, Date.now() + downMs);
            lastError = err instanceof Error ? err.message : String(err);
            continue;
          }
          stats[upstream]!.inFlight--;
          stats[upstream]!.answered++;
          const headers: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
          res.writeHead(upRes.statusCode ?? 502, headers);
          upRes.pipe(res);
          upRes.on("error", () => res.destroy());
          return;
        }
        unanswered++;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`bad gateway: ${lastError}`);
      })();
    });
  };

  const listen = (server: http.Server | https.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
    });
  const plain = http.createServer(handler("http"));
  const secure = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler("https")) : undefined;
  const port = await listen(plain);
  const tlsPort = secure ? await listen(secure) : undefined;
  const close = (server: http.Server | https.Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://${host}:${port}`,
    tlsUrl: tlsPort !== undefined ? `https://${host}:${tlsPort}` : undefined,
    stats: () => structuredClone(stats),
    get unanswered() {
      return unanswered;
    },
    async stop() {
      await Promise.all([close(plain), ...(secure ? [close(secure)] : [])]);
    },
  };
}

// ───────────────────────────── hosts ─────────────────────────────

export interface HostProcessSpec {
  /** e.g. "web", "bot", "worker" (unique per host). */
  name: string;
  roles: string[];
  env?: Record<string, string>;
  /** HTTP_PORT of a web process (default: a free one on the host's address). */
  port?: number;
}

export interface HostProcess {
  name: string;
  roles: string[];
  /** The process's HTTP origin (processes with the web role), e.g. http://127.0.0.2:41234. */
  origin?: string;
  child: ServiceProcess;
}

export interface Host {
  name: string;
  address: string;
  processes: HostProcess[];
  /** Whether every process of the host is running. */
  up(): boolean;
  /** The host dies: SIGKILL to every process group at the same moment, then waits for them to go. */
  kill(): Promise<void>;
  /** Every process's output so far, for failure messages and the logs folder. */
  describe(): string;
}

/**
 * Starts one host's processes from `source` (the project root by default) with `env` plus its own
 * HTTP_HOST / HTTP_PORT (web processes) and METRICS_HOST (the others' metrics listeners, on a port
 * the kernel picks), each in its own process group. `netns`: the processes run inside that network
 * namespace (`ip netns exec`, which execs in place: the pid is node's), where `address` lives; its
 * ports are all free, so a process without `port` gets 8080 + its index there.
 */
export async function startHost(opts: { name: string; address: string; env: Record<string, string>; processes: HostProcessSpec[]; source?: string; netns?: string }): Promise<Host> {
  const source = opts.source ?? ROOT;
  const mainTs = path.join(source, path.relative(ROOT, MAIN_TS));
  const processes: HostProcess[] = [];
  for (const [i, spec] of opts.processes.entries()) {
    const web = spec.roles.includes("web");
    // Every process gets a port (the config wants one), only web processes bind it.
    const port = spec.port ?? (opts.netns !== undefined ? 8080 + i : await freePortOn(opts.address));
    const env = {
      ...baseEnv(),
      ...opts.env,
      HTTP_HOST: opts.address,
      HTTP_PORT: String(port),
      METRICS_HOST: opts.address,
      METRICS_PORT_BOT: "0",
      METRICS_PORT_WORKER: "0",
      METRICS_PORT_SCHEDULER: "0",
      ...spec.env,
    };
    const node = [process.execPath, "--import", "tsx", mainTs, ...spec.roles];
    const [command, ...args] = opts.netns !== undefined ? ["ip", "netns", "exec", opts.netns, ...node] : node;
    const child = spawnTracked(command!, args, { env, cwd: source, group: true });
    processes.push({ name: `${opts.name}/${spec.name}`, roles: spec.roles, child, ...(web ? { origin: `http://${opts.address}:${port}` } : {}) });
  }
  return {
    name: opts.name,
    address: opts.address,
    processes,
    up: () => processes.every((p) => p.child.exitInfo() === undefined),
    async kill() {
      for (const p of processes) {
        try {
          process.kill(-p.child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await Promise.all(processes.map((p) => p.child.exited));
    },
    describe: () => processes.map((p) => `═══ ${p.name} (${p.roles.join(" ")}, pid ${p.child.pid}) ═══\n${p.child.describe()}`).join("\n"),
  };
}

/** Waits until every process of the hosts has logged "service started" (in parallel). */
export async function waitHostsStarted(hosts: Host[], timeoutMs: number): Promise<void> {
  await Promise.all(hosts.flatMap((h) => h.processes.map((p) => p.child.waitForLog("service started", timeoutMs))));
}

/** Writes each process's full output under `dir/<host>-<process>.log` (kept after a failed run). */
export function writeHostLogs(hosts: Host[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const h of hosts) {
    for (const p of h.processes) writeFileSync(path.join(dir, `${p.name.replace(/\//g, "-")}.log`), `${p.child.stdout()}\n--- stderr ---\n${p.child.stderr()}`);
  }
}

// ───────────────────────────── what the scale tests share ─────────────────────────────

/** Polls `check` every 200 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ScaleFakes {
  telegram: FakeTelegram;
  gateways: Awaited<ReturnType<typeof startFakeGateways>>;
  clouds: FakeClouds;
  /** The gateways' and clouds' settings for the processes. */
  env: Record<string, string>;
  /** Every server at the three fake clouds. */
  servers(): FakeCloudServer[];
  stop(): Promise<void>;
}

/**
 * The fakes a scale test's hosts talk to. Telegram keeps retrying a chat's failed webhook update
 * (for hours); here 100 tries with a capped backoff. Owner and seller have chats, so alerts and
 * review cards have somewhere to land. Boots take ~6 s, so provisioning polls for a while and a
 * kill or a cut lands while some is running.
 */
export async function startScaleFakes(): Promise<ScaleFakes> {
  const telegram = await startFakeTelegram({ token: TEST_TOKEN, allowLocalhostUrls: true, webhook: { maxAttempts: 100, retryDelayMs: 250, timeoutMs: 30_000 } });
  telegram.user(OWNER_ID, { firstName: "Pemilik" });
  telegram.user(SELLER_ID, { firstName: "Penjual" });
  const gateways = await startFakeGateways();
  const clouds = await startFakeClouds({ bootDelayMs: 6_000, ipDelayMs: 200, actionDelayMs: 100 });
  return {
    telegram,
    gateways,
    clouds,
    env: { ...gateways.env, ...clouds.env },
    servers: () => [clouds.digitalocean, clouds.vultr, clouds.linode].flatMap((c) => c.servers()),
    async stop() {
      await gateways.stop();
      await clouds.stop();
      await telegram.stop();
    },
  };
}

/**
 * The environment every host of a scale test shares: the test database and Redis prefix, the fakes,
 * webhook mode behind the proxy, quick provisioning take-overs, and the order-expiry sweep every
 * `tickSeconds` (every minute in production) so a run spans many scheduler ticks.
 */
export function scaleTestEnv(
  db: TestDatabase,
  prefix: string,
  opts: { fakes: ScaleFakes; publicBaseUrl: string; webhookSecret: string; tickSeconds: number },
): Record<string, string> {
  return testEnv(db, prefix, 1, opts.fakes.telegram.url, {
    ...opts.fakes.env,
    BOT_MODE: "webhook",
    PUBLIC_BASE_URL: opts.publicBaseUrl,
    TELEGRAM_WEBHOOK_SECRET: opts.webhookSecret,
    LOG_LEVEL: "info",
    BOT_RATE_LIMIT_PER_10S: "1000",
    // A lost worker's provisioning job is taken over after 10 s (production: 2 min), its order lease after 5 s.
    PROVISION_JOB_LOCK_MS: "10000",
    PROVISION_POLL_MS: "300",
    SHUTDOWN_TIMEOUT_MS: "5000",
    SCHEDULER_CRON_OVERRIDES: `order-expiry=*/${opts.tickSeconds} * * * * *`,
  });
}

/** Every order ACTIVE, settled once, activated once, with its VPS and one server tagged with it at the clouds. */
export async function expectOrdersActiveOnce(prisma: PrismaClient, references: string[], servers: FakeCloudServer[]): Promise<void> {
  const orders = await prisma.order.findMany({ where: { reference: { in: references } }, include: { payments: true, statusHistory: true, createdInstance: true } });
  expect(orders).toHaveLength(references.length);
  for (const order of orders) {
    expect(order.status, order.reference).toBe("ACTIVE");
    expect(order.payments.filter((p) => p.status === "PAID"), `${order.reference}: one settled payment`).toHaveLength(1);
    expect(order.statusHistory.filter((h) => h.toStatus === "PAID"), `${order.reference}: settled once`).toHaveLength(1);
    expect(order.statusHistory.filter((h) => h.toStatus === "ACTIVE"), `${order.reference}: activated once`).toHaveLength(1);
    expect(order.createdInstance?.status, `${order.reference}: its VPS`).toBe("ACTIVE");
    expect(servers.filter((s) => s.tags.some((t) => t.endsWith(order.reference.toLowerCase()))), `${order.reference}: one server at the cloud`).toHaveLength(1);
  }
}

/** The job id the scheduler gives an order-expiry tick. */
export const tickJob = (tick: string) => `order-expiry-${tick.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
