import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { startFakeTelegram } from "../../ops/fakes/telegram/index.js";
import { projectRoot } from "../../shop/platform/paths.js";
import { deleteKeys, uniquePrefix, TEST_REDIS_URL } from "../support/redis.js";
import { freePort, TEST_TOKEN } from "../support/service.js";
import { fmt, table, type BenchReport } from "./report.js";
import { createBenchDatabase } from "./support.js";

/** RSS of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/**
 * Cold start and idle memory of each process role, as PM2/systemd run them:
 * the compiled `dist/ops/main.js` (built first if missing) against real
 * Postgres and Redis and the fake Telegram. Cold start = spawn → the
 * "service started" log line; idle RSS is read 3 s later.
 */
export async function run(): Promise<BenchReport> {
  if (!existsSync(path.join(projectRoot, "dist/ops/main.js"))) {
    const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: projectRoot, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
  }
  const db = await createBenchDatabase();
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const prefix = uniquePrefix("coldstart");
  const rows: string[][] = [];
  const data: Record<string, { coldStartMs: number; idleRssMiB: number }> = {};
  try {
    for (const role of ["web", "bot", "worker", "scheduler", "all"]) {
      const port = await freePort();
      const env = {
        ...process.env,
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: fake.url,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        HTTP_PORT: String(port),
        DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        LOG_LEVEL: "info",
      };
      const started = performance.now();
      const child = spawn(process.execPath, ["dist/ops/main.js", role], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
      const coldStartMs = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${role}: no "service started" within 30 s`)), 30_000);
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes('"service started"')) {
            clearTimeout(timer);
            resolve(performance.now() - started);
          }
        });
        child.once("exit", (code) => reject(new Error(`${role} exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 3_000));
      const idleRssMiB = rssMiB(child.pid!);
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      data[role] = { coldStartMs, idleRssMiB };
      rows.push([role, fmt.int(coldStartMs), fmt.int(idleRssMiB)]);
    }
  } finally {
    await fake.stop();
    await deleteKeys(prefix);
    await db.drop();
  }
  return {
    name: "coldstart",
    title: "Cold start and idle memory per role (compiled dist/, node " + process.version + ")",
    lines: table(["role", "cold start ms", "idle RSS MiB"], rows),
    data,
    targets: [],
  };
}
