import { Redis, type RedisOptions } from "ioredis";

/**
 * Why three kinds: BullMQ's production guide wants workers to wait forever for
 * Redis (`maxRetriesPerRequest: null`) while producers and health checks must fail
 * fast so an HTTP request or a chat reply never hangs on a dead Redis.
 */
export type RedisKind = "worker" | "producer" | "general";

const retryStrategy = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 10_000);

/** Opens an ioredis connection configured for its kind of use. */
export function createRedis(url: string, kind: RedisKind, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    connectTimeout: 5_000,
    retryStrategy,
    lazyConnect: false,
    connectionName: `vpsbot-${kind}`,
  };
  const byKind: Record<RedisKind, RedisOptions> = {
    worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
    producer: { maxRetriesPerRequest: 2, enableOfflineQueue: false },
    general: { maxRetriesPerRequest: 2, commandTimeout: 3_000 },
  };
  return new Redis(url, { ...base, ...byKind[kind], ...extra });
}

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
