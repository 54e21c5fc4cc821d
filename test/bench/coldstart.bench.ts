import { randomBytes } from "node:crypto";
import { startFakeTelegram } from "../../ops/fakes/telegram/index.js";
import { deleteKeys, uniquePrefix, TEST_REDIS_URL } from "../support/redis.js";
import { freePort, TEST_TOKEN } from "../support/service.js";
import { ensureBuilt, productionNodeArgs, rss, spawnRole } from "./memory-support.js";
import { fmt, table, type BenchReport } from "./report.js";
import { createBenchDatabase } from "./support.js";

/**
 * Cold start and idle memory of each process role, as systemd/PM2 run them: the compiled
 * `dist/ops/main.js` (built first if missing) with the unit's Node flags, against real Postgres
 * and Redis and the fake Telegram. Cold start = spawn → the "service started" log line; idle
 * RSS is read 3 s later. Memory under load: `npm run bench -- memory`.
 */
export async function run(): Promise<BenchReport> {
  ensureBuilt();
  const db = await createBenchDatabase();
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const prefix = uniquePrefix("coldstart");
  const rows: string[][] = [];
  const data: Record<string, { coldStartMs: number; idleRssMiB: number }> = {};
  try {
    for (const role of ["web", "bot", "worker", "scheduler", "all"]) {
      const env = {
        ...process.env,
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: fake.url,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        HTTP_PORT: String(await freePort()),
        DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        LOG_LEVEL: "info",
      };
      const proc = await spawnRole(role, env);
      await new Promise((r) => setTimeout(r, 3_000));
      const idleRssMiB = rss(proc.child.pid!).now;
      await proc.stop();
      data[role] = { coldStartMs: proc.coldStartMs, idleRssMiB };
      rows.push([role, fmt.int(proc.coldStartMs), fmt.int(idleRssMiB)]);
    }
  } finally {
    await fake.stop();
    await deleteKeys(prefix);
    await db.drop();
  }
  return {
    name: "coldstart",
    title: `Cold start and idle memory per role (compiled dist/, node ${process.version} ${productionNodeArgs().join(" ")})`,
    lines: table(["role", "cold start ms", "idle RSS MiB"], rows),
    data,
    targets: [],
  };
}
