/**
 * The chaos run's own PostgreSQL and Redis, started from the machine's binaries (the demo's
 * throwaway instances, ops/demo/local-services.ts), so the run may wipe Redis and restart
 * PostgreSQL without touching anybody else's data. Removed when the run ends.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";
import { createPrisma } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { initPrivatePostgres, postgresAnswers, privateRedis, redisAnswers, waitFor, type PrivatePostgres } from "../../ops/demo/local-services.js";
import { sleep } from "./options.js";

export interface ChaosInfra {
  databaseUrl: string;
  redisUrl: string;
  /** Stops PostgreSQL (fast or immediate, i.e. crash-like) and starts it again; resolves once it answers. */
  restartPostgres(mode: "fast" | "immediate"): Promise<{ downMs: number }>;
  /** Redis loses everything: FLUSHALL, or a kill -9 and a restart of the (non-persistent) server. */
  wipeRedis(mode: "flushall" | "restart"): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid (first line of postmaster.pid): the process to signal, whoever launched it. */
function postmasterPid(cluster: PrivatePostgres): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(cluster.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopPostgres(cluster: PrivatePostgres, child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const pid = postmasterPid(cluster);
  if (pid !== undefined && alive(pid)) process.kill(pid, signal);
  else child.kill(signal);
  await exited(child);
  // The launcher (runuser) may go first; the postmaster and its backends must be gone too.
  while (pid !== undefined && alive(pid)) await sleep(50);
}

/** Starts both, creates the database, applies the migrations (of the run's source snapshot) and seeds the demo catalog. */
export async function startChaosInfra(log: (line: string) => void, sourceRoot: string): Promise<ChaosInfra> {
  const cluster = await initPrivatePostgres();
  let pgChild = cluster.start();
  await waitFor(() => postgresAnswers(cluster.adminUrl), "private PostgreSQL", 30_000);
  const redis = await privateRedis();
  let redisChild = redis.start();
  await waitFor(() => redisAnswers(redis.url), "private Redis");

  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE vps_chaos`);
  await admin.end();
  const databaseUrl = cluster.adminUrl.replace(/\/postgres$/, "/vps_chaos");
  const migrate = spawnSync(process.execPath, [path.join(sourceRoot, "db/prisma-cli.mjs"), "migrate", "deploy"], {
    cwd: sourceRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const prisma = createPrisma(databaseUrl, { max: 2 });
  await seedDemoCatalog(prisma);
  await prisma.$disconnect();
  log(`• private PostgreSQL on port ${cluster.port}, Redis on port ${redis.port} (removed at the end)`);

  return {
    databaseUrl,
    redisUrl: redis.url,
    async restartPostgres(mode) {
      const started = Date.now();
      await stopPostgres(cluster, pgChild, mode === "fast" ? "SIGINT" : "SIGQUIT");
      pgChild = cluster.start();
      await waitFor(() => postgresAnswers(cluster.adminUrl), "restarted PostgreSQL", 60_000);
      return { downMs: Date.now() - started };
    },
    async wipeRedis(mode) {
      const started = Date.now();
      if (mode === "flushall") {
        const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
        try {
          await client.flushall();
        } finally {
          client.disconnect();
        }
      } else {
        redisChild.kill("SIGKILL");
        await exited(redisChild);
        redisChild = redis.start();
        await waitFor(() => redisAnswers(redis.url), "restarted Redis");
      }
      return { downMs: Date.now() - started };
    },
    async stop() {
      redisChild.kill("SIGKILL");
      await exited(redisChild);
      await stopPostgres(cluster, pgChild, "SIGINT").catch(() => undefined);
      cluster.remove();
    },
  };
}
