/**
 * What a chaos run does, from the environment. The defaults scale with CHAOS_ORDERS: the full
 * run (200 orders, 24 kills, 3 Redis wipes, 1 PostgreSQL restart) and the short CI run
 * (`CHAOS_ORDERS=30`: 6 kills, 1 wipe, 1 restart, about 2 minutes) share one code path.
 */
export interface ChaosOptions {
  /** New-VPS orders to place (top-ups and renewals come on top). */
  orders: number;
  /** How long the disruptions last; orders are placed during the first ~80 % of it. */
  seconds: number;
  kills: number;
  /** Redis losing everything: FLUSHALL and restarts of an empty Redis, alternating. */
  wipes: number;
  pgRestarts: number;
  /** Overall deadline for the service to settle after the disruptions stop. */
  settleSeconds: number;
  /** Seed of the run's random choices (printed, so a run can be repeated). */
  seed: number;
  /** Orders being placed at once. */
  concurrency: number;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

export function chaosOptions(env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const orders = intEnv(env, "CHAOS_ORDERS", 200, 1);
  const full = orders >= 100;
  return {
    orders,
    seconds: intEnv(env, "CHAOS_SECONDS", full ? 240 : 45, 10),
    kills: intEnv(env, "CHAOS_KILLS", full ? 24 : 6),
    wipes: intEnv(env, "CHAOS_WIPES", full ? 3 : 1),
    pgRestarts: intEnv(env, "CHAOS_PG_RESTARTS", 1),
    settleSeconds: intEnv(env, "CHAOS_SETTLE_SECONDS", full ? 420 : 180, 10),
    seed: intEnv(env, "CHAOS_SEED", Math.floor(Math.random() * 1e9)),
    concurrency: intEnv(env, "CHAOS_CONCURRENCY", full ? 16 : 8, 1),
  };
}

/** A small seeded PRNG (mulberry32), so the schedule of a run can be repeated with CHAOS_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retries `fn` (a step against a service that may be down right now) until it succeeds or `deadline`. */
export async function retrying<T>(what: string, fn: () => Promise<T>, opts: { deadline: number; pauseMs?: number }): Promise<T> {
  let pause = opts.pauseMs ?? 500;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + pause > opts.deadline) throw new Error(`${what}: still failing at the deadline: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(pause);
      pause = Math.min(pause * 2, 5_000);
    }
  }
}
