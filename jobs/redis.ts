import { readFileSync } from "node:fs";
import { Redis, type RedisOptions } from "ioredis";

/**
 * Why three kinds: BullMQ's production guide wants workers to wait forever for
 * Redis (`maxRetriesPerRequest: null`) while producers and health checks must fail
 * fast so an HTTP request or a chat reply never hangs on a dead Redis. The same holds
 * in Sentinel mode: BullMQ refuses a worker connection without `maxRetriesPerRequest: null`
 * whatever the connector, and a producer that fails fast during a failover loses nothing,
 * since durable jobs are in `job_outbox` first and the recovery sweep pushes them again.
 */
export type RedisKind = "worker" | "producer" | "general";

/**
 * Where Redis is: a single node (`url` only) or a Sentinel group (`sentinels` + `masterName`).
 * In Sentinel mode `url` still carries the data nodes' password, db and TLS (`rediss://`); its
 * host and port are not used: the sentinels say which node is the master.
 */
export interface RedisTarget {
  url: string;
  sentinels?: { host: string; port: number }[];
  /** The master's name in the sentinels' configuration (REDIS_SENTINEL_MASTER). */
  masterName?: string;
  sentinelPassword?: string;
  /** The sentinels themselves speak TLS (REDIS_SENTINEL_TLS). */
  sentinelTls?: boolean;
  /** PEM CA that signed the Redis (and TLS sentinels') certificates, for self-signed setups. */
  tlsCaFile?: string;
}

const retryStrategy = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 10_000);

/**
 * After a failover the old master may come back as a replica while a client is still on it
 * (a network blip rather than a crash): its writes get READONLY. Reconnecting sends the client
 * to the sentinels for the new master, and `2` resends the refused command there.
 */
export const reconnectOnReadonly = (err: Error): 2 | false => (err.message.startsWith("READONLY") ? 2 : false);

/** The ioredis options that say where to connect (everything but the per-kind behaviour). */
export function redisTargetOptions(target: RedisTarget): RedisOptions {
  const tls = target.url.startsWith("rediss://");
  const ca = target.tlsCaFile ? readFileSync(target.tlsCaFile, "utf8") : undefined;
  const tlsOptions = ca ? { ca } : {};
  const options: RedisOptions = tls ? { tls: tlsOptions } : {};
  if (!target.sentinels?.length) return options;
  return {
    ...options,
    sentinels: target.sentinels,
    name: target.masterName ?? "mymaster",
    role: "master",
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // ioredis's names: `enableTLSForSentinelMode` makes the connection to the *data nodes* the
    // sentinels hand out use `tls`; `sentinelTLS` is the TLS of the connection to the sentinels.
    ...(tls ? { enableTLSForSentinelMode: true } : {}),
    ...(target.sentinelTls ? { sentinelTLS: tlsOptions } : {}),
    // A sentinel that does not answer within this is skipped for the next one.
    sentinelCommandTimeout: 3_000,
  };
}

/** Opens an ioredis connection configured for its kind of use. */
export function createRedis(target: string | RedisTarget, kind: RedisKind, extra: RedisOptions = {}): Redis {
  const where: RedisTarget = typeof target === "string" ? { url: target } : target;
  const base: RedisOptions = {
    connectTimeout: 5_000,
    retryStrategy,
    reconnectOnError: reconnectOnReadonly,
    lazyConnect: false,
    connectionName: `vpsbot-${kind}`,
  };
  const byKind: Record<RedisKind, RedisOptions> = {
    worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
    producer: { maxRetriesPerRequest: 2, enableOfflineQueue: false },
    general: { maxRetriesPerRequest: 2, commandTimeout: 3_000 },
  };
  return new Redis(where.url, { ...base, ...redisTargetOptions(where), ...byKind[kind], ...extra });
}

export { reachedNode } from "../shop/platform/redis-node.js";

/** Closes a connection politely, falling back to a hard disconnect. */
export async function closeRedis(conn: Redis): Promise<void> {
  if (conn.status === "end") return;
  try {
    await Promise.race([conn.quit(), new Promise((_, rej) => setTimeout(() => rej(new Error("quit timeout")), 2_000))]);
  } catch {
    conn.disconnect();
  }
}

/**
 * Waits (bounded) for a connection to be ready. Producers fail fast by design,
 * so a role waits for them at start, but carries on if Redis is down: the web
 * role must still come up to report 503 on /health/ready.
 */
export async function waitForRedis(conn: Redis, timeoutMs = 5_000): Promise<boolean> {
  if (conn.status === "ready") return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      conn.off("ready", onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    conn.once("ready", onReady);
  });
}
