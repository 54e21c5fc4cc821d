/**
 * The disruptions of a chaos run, on a random (seeded) timeline over the chaos window:
 * SIGKILL of a random role (restarted by the supervisor), Redis losing everything (FLUSHALL, or
 * a kill -9 and restart of the non-persistent server), PostgreSQL restarts (immediate, i.e.
 * crash-like, then fast). (Cloud faults are switched by the runner: on until every order is paid.)
 */
import type { ChaosInfra } from "./infra.js";
import type { ChaosOptions } from "./options.js";
import type { RoleSupervisor } from "./roles.js";
import { sleep } from "./options.js";

export interface ChaosEvent {
  atMs: number;
  /** Wall-clock time (UTC, as in the role logs). */
  time?: string;
  /** The process a kill hit (as in the role logs). */
  pid?: number;
  what: "kill" | "redis-flushall" | "redis-restart" | "pg-restart-immediate" | "pg-restart-fast";
  detail: string;
}

type Planned = { atMs: number; run: () => Promise<ChaosEvent | undefined> };

/** Evenly spread positions in (0, 1), each moved by up to ±jitter/2 of a slot. */
function spread(count: number, random: () => number, offset = 0.5, jitter = 0.3): number[] {
  return Array.from({ length: count }, (_, i) => (i + offset + (random() - 0.5) * jitter) / count);
}

export function runMonkey(opts: ChaosOptions, deps: { infra: ChaosInfra; roles: RoleSupervisor; random: () => number }): { done: Promise<ChaosEvent[]> } {
  const { infra, roles, random } = deps;
  const windowMs = opts.seconds * 1000;
  const t0 = Date.now();
  const at = (fraction: number) => Math.round(Math.min(0.97, Math.max(0.03, fraction)) * windowMs);
  const plan: Planned[] = [];

  for (const f of spread(opts.kills, random, 0.5, 0.9)) {
    plan.push({
      atMs: at(f),
      run: async () => {
        // Every role may be restarting right now (e.g. just after a PostgreSQL restart): wait a little for a target.
        for (let i = 0; i < 50; i++) {
          const killed = await roles.killRandom(random);
          if (killed) return { atMs: Date.now() - t0, what: "kill", detail: killed.role, ...(killed.pid !== undefined ? { pid: killed.pid } : {}) };
          await sleep(200);
        }
        return undefined;
      },
    });
  }
  spread(opts.wipes, random, 0.35, 0.2).forEach((f, i) => {
    const mode = i % 2 === 0 ? "flushall" : "restart";
    plan.push({
      atMs: at(f),
      run: async () => {
        const { downMs } = await infra.wipeRedis(mode);
        return { atMs: Date.now() - t0, what: mode === "flushall" ? "redis-flushall" : "redis-restart", detail: `${downMs} ms` };
      },
    });
  });
  spread(opts.pgRestarts, random, 0.6, 0.2).forEach((f, i) => {
    const mode = i % 2 === 0 ? "immediate" : "fast";
    plan.push({
      atMs: at(f),
      run: async () => {
        const { downMs } = await infra.restartPostgres(mode);
        return { atMs: Date.now() - t0, what: mode === "immediate" ? "pg-restart-immediate" : "pg-restart-fast", detail: `down ${downMs} ms` };
      },
    });
  });
  plan.sort((a, b) => a.atMs - b.atMs);

  const done = (async () => {
    const events: ChaosEvent[] = [];
    for (const p of plan) {
      const wait = p.atMs - (Date.now() - t0);
      if (wait > 0) await sleep(wait);
      const event = await p.run().catch((err: unknown): ChaosEvent => ({ atMs: Date.now() - t0, what: "kill", detail: `FAILED: ${String(err)}` }));
      if (event) {
        event.time = new Date().toISOString();
        events.push(event);
        process.stdout.write(`  [${(event.atMs / 1000).toFixed(1).padStart(6)} s] ${event.what} ${event.detail}\n`);
      }
    }
    const rest = windowMs - (Date.now() - t0);
    if (rest > 0) await sleep(rest);
    return events;
  })();
  return { done };
}
