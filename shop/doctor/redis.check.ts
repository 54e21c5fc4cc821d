import { withTimeout } from "../maintenance/timeout.js";
import { reachedNode } from "../platform/redis-node.js";
import { fail, pass, reason, warn, type DoctorCheck } from "./types.js";

/**
 * Redis must never drop a queued job to make room (`maxmemory-policy noeviction`) and should
 * survive a restart (AOF). Read with CONFIG GET; managed Redis often disables CONFIG: then WARN.
 */
export const redisChecks: DoctorCheck = async ({ redis, timeoutMs }) => {
  const get = async (key: string) => {
    const answer = (await withTimeout(redis.config("GET", key), timeoutMs)) as string[];
    return answer[1];
  };
  const replication = async () => {
    // Sentinel mode: a master with no replica has nowhere to fail over to.
    if (!redis.options.sentinels?.length) return [];
    const info = String(await withTimeout(redis.info("replication"), timeoutMs));
    const role = /^role:(\w+)/m.exec(info)?.[1];
    const replicas = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
    const where = reachedNode(redis) || `master ${redis.options.name ?? "?"}`;
    if (role !== "master") return [fail("Redis Sentinel", `${where} answers as ${role ?? "?"}, not master`, "Check the sentinels (redis-cli -p 26379 SENTINEL masters) and REDIS_SENTINEL_MASTER.")];
    return [
      replicas > 0
        ? pass("Redis Sentinel", `${where}, ${replicas} replica${replicas === 1 ? "" : "s"} connected`)
        : warn("Redis Sentinel", `${where} has no replica connected: a failover has nothing to promote`, "Start the replica (replicaof in its redis.conf) and check it with redis-cli INFO replication on the master."),
    ];
  };
  try {
    const [policy, aof] = [await get("maxmemory-policy"), await get("appendonly")];
    return [
      ...(await replication()),
      policy === "noeviction"
        ? pass("Redis noeviction", "maxmemory-policy noeviction")
        : fail("Redis noeviction", `maxmemory-policy ${policy ?? "?"}: Redis may drop queued jobs when full`, "In redis.conf: maxmemory-policy noeviction (then: redis-cli CONFIG SET maxmemory-policy noeviction)."),
      aof === "yes"
        ? pass("Redis AOF", "appendonly yes")
        : fail("Redis AOF", `appendonly ${aof ?? "?"}: a Redis restart loses the queues' recent writes`, "In redis.conf: appendonly yes and appendfsync everysec (then: redis-cli CONFIG SET appendonly yes)."),
    ];
  } catch (err) {
    const msg = reason(err);
    if (/unknown command|NOPERM|no permissions|disabled/i.test(msg)) {
      const fix = "CONFIG is disabled here: make sure the Redis settings say maxmemory-policy noeviction and appendonly yes (ask the provider for a managed Redis).";
      return [warn("Redis noeviction", `could not read (${msg})`, fix), warn("Redis AOF", `could not read (${msg})`, fix)];
    }
    return [fail("Redis", `not reachable: ${msg}`, "Start Redis and check REDIS_URL.")];
  }
};
