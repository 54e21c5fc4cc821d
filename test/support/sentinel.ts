/**
 * A real Redis Sentinel group on this machine: a master and a replica (redis-server) and three
 * sentinels (Debian's redis-sentinel) with quorum 2, started from the shipped
 * ops/redis/sentinel.conf.example (ports, paths and the master's address replaced; each sentinel
 * gets its own copy, since a sentinel rewrites its file). Random free ports, a temp folder,
 * everything killed by `stop()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { freePort, redisAnswers, waitFor } from "../../ops/demo/local-services.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SENTINEL_CONF_EXAMPLE = path.join(root, "ops/redis/sentinel.conf.example");

export interface SentinelGroup {
  masterName: string;
  masterPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** REDIS_SENTINELS for the app. */
  sentinelsEnv: string;
  /** kill -9 of the data node (or sentinel) listening on `port`. */
  killNode(port: number): void;
  /** The master's address the sentinels agree on now ("127.0.0.1:port"), asked of the first that answers. */
  currentMaster(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** The example with `key value` lines replaced; throws if the example lost one of them. */
function sentinelConf(port: number, dir: string, masterPort: number): string {
  let text = readFileSync(SENTINEL_CONF_EXAMPLE, "utf8");
  const replace = (pattern: RegExp, line: string) => {
    if (!pattern.test(text)) throw new Error(`${SENTINEL_CONF_EXAMPLE} has no line matching ${pattern}: update test/support/sentinel.ts with the example`);
    text = text.replace(pattern, line);
  };
  replace(/^port .*$/m, `port ${port}`);
  replace(/^bind .*$/m, "bind 127.0.0.1");
  replace(/^dir .*$/m, `dir ${dir}`);
  replace(/^logfile .*$/m, `logfile ${path.join(dir, `sentinel-${port}.log`)}`);
  replace(/^pidfile .*$/m, `pidfile ${path.join(dir, `sentinel-${port}.pid`)}`);
  replace(/^sentinel monitor (\S+) \S+ \d+ (\d+)$/m, `sentinel monitor $1 127.0.0.1 ${masterPort} $2`);
  return text;
}

function masterNameOf(): string {
  const m = /^sentinel monitor (\S+) /m.exec(readFileSync(SENTINEL_CONF_EXAMPLE, "utf8"));
  if (!m) throw new Error(`${SENTINEL_CONF_EXAMPLE} has no sentinel monitor line`);
  return m[1]!;
}

const dataNodeArgs = (port: number, dir: string) => ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--dbfilename", `dump-${port}.rdb`];

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(path.join(tmpdir(), "vps-sentinel-"));
  const masterName = masterNameOf();
  const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const children = new Map<number, ChildProcess>();
  const start = (port: number, cmd: string, args: string[]) => children.set(port, spawn(cmd, args, { stdio: "ignore" }));

  const group: SentinelGroup = {
    masterName,
    masterPort: masterPort!,
    replicaPort: replicaPort!,
    sentinelPorts,
    sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(","),
    killNode: (port) => void children.get(port)?.kill("SIGKILL"),
    async currentMaster() {
      for (const port of sentinelPorts) {
        const s = new Redis({ port, host: "127.0.0.1", lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
        s.on("error", () => undefined);
        try {
          await s.connect();
          const addr = (await s.call("SENTINEL", "get-master-addr-by-name", masterName)) as [string, string] | null;
          if (addr) return `${addr[0]}:${addr[1]}`;
        } catch {
          // next sentinel
        } finally {
          s.disconnect();
        }
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
    start(masterPort!, "redis-server", dataNodeArgs(masterPort!, dir));
    start(replicaPort!, "redis-server", [...dataNodeArgs(replicaPort!, dir), "--replicaof", "127.0.0.1", String(masterPort)]);
    await waitFor(() => redisAnswers(`redis://127.0.0.1:${masterPort}`), "redis master", 20_000);
    await waitFor(() => redisAnswers(`redis://127.0.0.1:${replicaPort}`), "redis replica", 20_000);
    // The replica holds the master's data only once its first sync is done (diskless sync waits 5 s for more replicas).
    await waitFor(async () => /master_link_status:up/.test(await infoOf(replicaPort!, "replication")), "the replica's first sync", 60_000);
    for (const port of sentinelPorts) {
      const file = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(file, sentinelConf(port, dir, masterPort!));
      start(port, "redis-sentinel", [file]);
    }
    // Ready when every sentinel knows the replica and the two other sentinels (they find each other through the master).
    await waitFor(
      async () => {
        const states = await Promise.all(sentinelPorts.map((port) => sentinelView(port, masterName)));
        return states.every((s) => s !== undefined && s.replicas >= 1 && s.otherSentinels >= 2);
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

async function infoOf(port: number, section: string): Promise<string> {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return await r.info(section);
  } catch {
    return "";
  } finally {
    r.disconnect();
  }
}

async function sentinelView(port: number, masterName: string): Promise<{ replicas: number; otherSentinels: number } | undefined> {
  const s = new Redis({ port, host: "127.0.0.1", lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  s.on("error", () => undefined);
  try {
    await s.connect();
    const flat = (await s.call("SENTINEL", "master", masterName)) as string[];
    const info: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) info[flat[i]!] = flat[i + 1]!;
    return { replicas: Number(info["num-slaves"] ?? 0), otherSentinels: Number(info["num-other-sentinels"] ?? 0) };
  } catch {
    return undefined;
  } finally {
    s.disconnect();
  }
}
