import type { Redis } from "ioredis";
import type { PrismaClient } from "../db/client.js";

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  ok: boolean;
  checks: { postgres: DependencyCheck; redis: DependencyCheck };
}

async function timed(run: () => Promise<unknown>, timeoutMs: number): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message.split("\n")[0]! : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks Postgres and Redis for a trivial answer with a short deadline. Used by
 * `/health/ready` and the owner's /health command, so both tell the same truth.
 */
export async function checkReadiness(deps: { prisma: PrismaClient; redis: Redis }, timeoutMs = 1_500): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([
    timed(() => deps.prisma.$queryRaw`SELECT 1`, timeoutMs),
    timed(async () => {
      if (deps.redis.status !== "ready") throw new Error(`connection ${deps.redis.status}`);
      await deps.redis.ping();
    }, timeoutMs),
  ]);
  return { ok: postgres.ok && redis.ok, checks: { postgres, redis } };
}
