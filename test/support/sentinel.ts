/**
 * A real Redis Sentinel group on this machine: a master and a replica (redis-server) and three
 * sentinels (Debian's redis-sentinel) with quorum 2, started from the shipped
 * ops/redis/sentinel.conf.example (ports, paths and the master's address replaced; each sentinel
 * gets its own copy, since a sentinel rewrites its file). Random free ports, a temp folder,
 * everything killed by `stop()`.
 *
 * `tls` makes every node and sentinel listen on TLS only (the example's commented TLS lines,
 * switched on with the test's throwaway certificates).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis, type RedisOptions } from "ioredis";
import { freePort, waitFor } from "../../ops/demo/local-services.js";
import type { TestCerts } from "./tls-certs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SENTINEL_CONF_EXAMPLE = path.join(root, "ops/redis/sentinel.conf.example");

export interface SentinelGroup {
  masterName: string;
  masterPort: number;
  /** Undefined when started without a replica. */
  replicaPort?: number;
  sentinelPorts: number[];
  /** REDIS_SENTINELS for the app. */
  sentinelsEnv: string;
  /** kill -9 of the data node (or sentinel) listening on `port`. */
  killNode(port: number): void;
  /** The master's address the sentinels agree on now ("127.0.0.1:port"), asked of the first that answers. */
  currentMaster(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface SentinelGroupOptions {
  /** Default true. */
  replica?: boolean;
  /** How many sentinels (default 3; the example's quorum of 2 needs at least 2). */
  sentinels?: number;
  tls?: TestCerts;
}

/** The example with `key value` lines replaced; throws if the example lost one of them. */
function sentinelConf(port: number, dir: string, masterPort: number, tls: TestCerts | undefined, quorum: number | undefined): string {
  let text = readFileSync(SENTINEL_CONF_EXAMPLE, "utf8");
  const replace = (pattern: RegExp, line: string) => {
    if (!pattern.test(text)) throw new Error(`${SENTINEL_CONF_EXAMPLE} has no line matching ${pattern}: update test/support/sentinel.ts with the example`);
    text = text.replace(pattern, line);
  };
  replace(/^port .*$/m, `port ${tls ? 0 : port}`);
  replace(/^bind .*$/m, "bind 127.0.0.1");
  replace(/^dir .*$/m, `dir ${dir}`);
  replace(/^logfile .*$/m, `logfile ${path.join(dir, `sentinel-${port}.log`)}`);
  replace(/^pidfile .*$/m, `pidfile ${path.join(dir, `sentinel-${port}.pid`)}`);
  replace(/^sentinel monitor (\S+) \S+ \d+ (\d+)$/m, `sentinel monitor $1 127.0.0.1 ${masterPort} ${quorum ?? "$2"}`);
  if (tls) {
    replace(/^# tls-port .*$/m, `tls-port ${port}`);
    replace(/^# tls-cert-file .*$/m, `tls-cert-file ${tls.certFile}`);
    replace(/^# tls-key-file .*$/m, `tls-key-file ${tls.keyFile}`);
    replace(/^# tls-ca-cert-file .*$/m, `tls-ca-cert-file ${tls.caFile}`);
    replace(/^# tls-auth-clients .*$/m, "tls-auth-clients no");
    replace(/^# tls-replication .*$/m, "tls-replication yes");
  }
  return text;
}

function masterNameOf(): string {
  const m = /^sentinel monitor (\S+) /m.exec(readFileSync(SENTINEL_CONF_EXAMPLE, "utf8"));
  if (!m) throw new Error(`${SENTINEL_CONF_EXAMPLE} has no sentinel monitor line`);
  return m[1]!;
}

function dataNodeArgs(port: number, dir: string, tls: TestCerts | undefined): string[] {
  const common = ["--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--dbfilename", `dump-${port}.rdb`];
  if (!tls) return ["--port", String(port), ...common];
  return ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile, "--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no", "--tls-replication", "yes", ...common];
}

export async function startSentinelGroup(opts: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const dir = mkdtempSync(path.join(tmpdir(), "vps-sentinel-"));
  const masterName = masterNameOf();
  const withReplica = opts.replica ?? true;
  const sentinelCount = opts.sentinels ?? 3;
  const masterPort = await freePort();
  const replicaPort = withReplica ? await freePort() : undefined;
  const sentinelPorts = await Promise.all(Array.from({ length: sentinelCount }, () => freePort()));
  const children = new Map<number, ChildProcess>();
  const start = (port: number, cmd: string, args: string[]) => children.set(port, spawn(cmd, args, { stdio: "ignore" }));
  const connect = (port: number) => plainOrTls(port, opts.tls);

  const group: SentinelGroup = {
    masterName,
    masterPort,
    ...(replicaPort ? { replicaPort } : {}),
    sentinelPorts,
    sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(","),
    killNode: (port) => void children.get(port)?.kill("SIGKILL"),
    async currentMaster() {
      for (const port of sentinelPorts) {
        const addr = await ask(connect(port), (s) => s.call("SENTINEL", "get-master-addr-by-name", masterName) as Promise<[string, string] | null>);
        if (addr) return `${addr[0]}:${addr[1]}`;
      }
      return undefined;
    },
    async stop() {
      for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await Promise.all([...children.values()].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    start(masterPort, "redis-server", dataNodeArgs(masterPort, dir, opts.tls));
    if (replicaPort) start(replicaPort, "redis-server", [...dataNodeArgs(replicaPort, dir, opts.tls), "--replicaof", "127.0.0.1", String(masterPort)]);
    for (const port of [masterPort, ...(replicaPort ? [replicaPort] : [])]) {
      await waitFor(async () => (await ask(connect(port), (r) => r.ping())) === "PONG", `redis-server on ${port}`, 20_000);
    }
    // The replica holds the master's data only once its first sync is done (diskless sync waits 5 s for more replicas).
    if (replicaPort) await waitFor(async () => /master_link_status:up/.test((await ask(connect(replicaPort), (r) => r.info("replication"))) ?? ""), "the replica's first sync", 60_000);
    for (const port of sentinelPorts) {
      const file = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(file, sentinelConf(port, dir, masterPort, opts.tls, sentinelCount < 2 ? 1 : undefined));
      start(port, "redis-sentinel", [file]);
    }
    // Ready when every sentinel knows the replica and the other sentinels (they find each other through the master).
    await waitFor(
      async () => {
        const states = await Promise.all(sentinelPorts.map((port) => ask(connect(port), (s) => sentinelView(s, masterName))));
        return states.every((s) => s !== undefined && s.replicas >= (replicaPort ? 1 : 0) && s.otherSentinels >= sentinelCount - 1);
      },
      "sentinels to discover the replica and each other",
      60_000,
    );
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}

function plainOrTls(port: number, tls: TestCerts | undefined): Redis {
  const options: RedisOptions = { port, host: "127.0.0.1", lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const r = new Redis(tls ? { ...options, tls: { ca: readFileSync(tls.caFile, "utf8") } } : options);
  r.on("error", () => undefined);
  return r;
}

/** One question on a short-lived connection; undefined if the node does not answer. */
async function ask<T>(r: Redis, question: (r: Redis) => Promise<T>): Promise<T | undefined> {
  try {
    await r.connect();
    return await question(r);
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

async function sentinelView(s: Redis, masterName: string): Promise<{ replicas: number; otherSentinels: number }> {
  const flat = (await s.call("SENTINEL", "master", masterName)) as string[];
  const info: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) info[flat[i]!] = flat[i + 1]!;
  return { replicas: Number(info["num-slaves"] ?? 0), otherSentinels: Number(info["num-other-sentinels"] ?? 0) };
}
