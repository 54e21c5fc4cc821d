import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";

/** The one command that installs both servers on Debian/Ubuntu. */
export const INSTALL_HINT = "sudo apt-get update && sudo apt-get install -y postgresql redis-server";

export interface LocalServices {
  databaseUrl: string;
  redisUrl: string;
  /** Human description of where each service came from. */
  origin: { postgres: string; redis: string };
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Finds a binary on PATH or in Debian's versioned PostgreSQL folders. */
export function findBinary(name: string): string | undefined {
  const which = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const pgRoot = "/usr/lib/postgresql";
  const versions = spawnSync("ls", [pgRoot], { encoding: "utf8" }).stdout?.split("\n").filter(Boolean).sort().reverse() ?? [];
  for (const v of versions) {
    const candidate = path.join(pgRoot, v, "bin", name);
    if (spawnSync("test", ["-x", candidate]).status === 0) return candidate;
  }
  return undefined;
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

/**
 * A throwaway PostgreSQL cluster in a new temp folder (initdb done), not running yet:
 * `start()` launches its postmaster on `port` (again after a stop: the chaos runner restarts it).
 */
export interface PrivatePostgres {
  adminUrl: string;
  port: number;
  dir: string;
  start(): ChildProcess;
  /** Deletes the cluster's folder (stop the postmaster first). */
  remove(): void;
}

export async function initPrivatePostgres(): Promise<PrivatePostgres> {
  const initdb = findBinary("initdb");
  const postgres = findBinary("postgres");
  if (!initdb || !postgres) throw new Error(`PostgreSQL is not running and its binaries are missing. Install them with:\n  ${INSTALL_HINT}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-pg-"));
  const port = await freePort();
  // initdb refuses to run as root; the private cluster then runs as the "postgres" OS user.
  const asRoot = process.getuid?.() === 0;
  const runAs = (cmd: string, args: string[]) => (asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] as const : [cmd, args] as const);
  if (asRoot) spawnSync("chown", ["-R", "postgres", dir]);
  const [initCmd, initArgs] = runAs(initdb, ["-D", path.join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  const init = spawnSync(initCmd, [...initArgs], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const [pgCmd, pgArgs] = runAs(postgres, ["-D", path.join(dir, "data"), "-p", String(port), "-k", dir, "-h", "127.0.0.1"]);
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start: () => spawn(pgCmd, [...pgArgs], { stdio: "ignore" }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A throwaway Redis without persistence on a free port: `start()` launches it (empty every time). */
export async function privateRedis(): Promise<{ url: string; port: number; start(): ChildProcess }> {
  const redisServer = findBinary("redis-server");
  if (!redisServer) throw new Error(`Redis is not running and redis-server is missing. Install it with:\n  ${INSTALL_HINT}`);
  const port = await freePort();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: () => spawn(redisServer, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" }),
  };
}

/**
 * Why: `npm run demo` must work on a fresh clone with nothing configured. Uses
 * the given URLs, else servers on localhost, else private throwaway instances
 * started from the machine's own binaries (removed on stop).
 */
export async function ensureLocalServices(env: NodeJS.ProcessEnv, dbName: string): Promise<LocalServices> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const children: ChildProcess[] = [];
  const origin = { postgres: "", redis: "" };

  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl) origin.postgres = "DATABASE_URL";
  else {
    const local = "postgresql://postgres@127.0.0.1:5432/postgres";
    let adminUrl: string | undefined;
    if (await postgresAnswers(local)) {
      adminUrl = local;
      origin.postgres = "PostgreSQL on 127.0.0.1:5432";
    } else {
      const cluster = await initPrivatePostgres();
      children.push(cluster.start());
      cleanups.push(() => cluster.remove());
      adminUrl = cluster.adminUrl;
      const port = cluster.port;
      await waitFor(() => postgresAnswers(adminUrl!), "private PostgreSQL");
      origin.postgres = `private PostgreSQL on port ${port} (removed on exit)`;
    }
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [dbName]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    databaseUrl = adminUrl.replace(/\/postgres$/, `/${dbName}`);
  }

  let redisUrl = env.REDIS_URL;
  if (redisUrl) origin.redis = "REDIS_URL";
  else if (await redisAnswers("redis://127.0.0.1:6379")) {
    redisUrl = "redis://127.0.0.1:6379";
    origin.redis = "Redis on 127.0.0.1:6379";
  } else {
    const redis = await privateRedis();
    children.push(redis.start());
    redisUrl = redis.url;
    const port = redis.port;
    await waitFor(() => redisAnswers(redisUrl!), "private Redis");
    origin.redis = `private Redis on port ${port} (removed on exit)`;
  }

  return {
    databaseUrl,
    redisUrl,
    origin,
    async stop() {
      for (const child of children) child.kill("SIGTERM");
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
      for (const cleanup of cleanups) await cleanup();
    },
  };
}
