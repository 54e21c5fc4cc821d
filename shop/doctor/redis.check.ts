import { withTimeout } from "../maintenance/timeout.js";
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
  try {
    const [policy, aof] = [await get("maxmemory-policy"), await get("appendonly")];
    return [
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
