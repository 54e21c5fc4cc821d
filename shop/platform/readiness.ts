import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { reachedNode } from "./redis-node.js";

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
  /** The server that answered, where several could (Redis behind Sentinel: "mymaster at 10.0.0.5:6379"). */
  node?: string;
}

export interface Readiness {
  ok: boolean;
  /** Postgres and Redis, plus each part of this process still starting (e.g. `telegram`). */
  checks: { postgres: DependencyCheck; redis: DependencyCheck } & Record<string, DependencyCheck>;
}

/**
 * Parts of a process that come up after it does: the bot keeps retrying Telegram in the
 * background while the web role already serves payment webhooks. Until a part is up,
 * `/health/ready` names it (with its last error) instead of pretending all is well.
 */
export class StartupComponents {
  private readonly parts = new Map<string, { ok: boolean; since: number; error?: string }>();

  /** `name` is not up yet; `error` says why (the last failed attempt). */
  pending(name: string, error?: string): void {
    const since = this.parts.get(name)?.since ?? performance.now();
    this.parts.set(name, { ok: false, since, ...(error !== undefined ? { error } : {}) });
  }

  ready(name: string): void {
    this.parts.set(name, { ok: true, since: performance.now() });
  }

  isReady(name: string): boolean {
    return this.parts.get(name)?.ok ?? false;
  }

  /** One check per part; a pending part's `latencyMs` is how long it has been waiting. */
  checks(): Record<string, DependencyCheck> {
    return Object.fromEntries(
      [...this.parts].map(([name, part]) => [
        name,
        part.ok ? { ok: true, latencyMs: 0 } : { ok: false, latencyMs: Math.round(performance.now() - part.since), error: part.error ?? "starting" },
      ]),
    );
  }
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
 * Asks Postgres and Redis for a trivial answer with a short deadline, and adds the parts of
 * this process still starting. Used by `/health/ready` and the owner's /health command, so
 * both tell the same truth.
 */
export async function checkReadiness(deps: { prisma: PrismaClient; redis: Redis; components?: StartupComponents }, timeoutMs = 1_500): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([
    timed(() => deps.prisma.$queryRaw`SELECT 1`, timeoutMs),
    timed(async () => {
      if (deps.redis.status !== "ready") throw new Error(`connection ${deps.redis.status}`);
      await deps.redis.ping();
    }, timeoutMs),
  ]);
  // Which Redis answered: after a Sentinel failover, the promoted replica (the one this process follows).
  const node = redis.ok ? reachedNode(deps.redis) : "";
  if (node) redis.node = node;
  const parts = deps.components?.checks() ?? {};
  return { ok: postgres.ok && redis.ok && Object.values(parts).every((p) => p.ok), checks: { ...parts, postgres, redis } };
}
