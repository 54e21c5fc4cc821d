/**
 * `npm run doctor` as an operator runs it (spawned, the environment is all it gets): it FAILs on
 * the test setup with the reasons, and PASSes on a prepared production-like one — gateways in
 * production mode and clouds behind local fakes that check the credentials, a private Redis
 * started with noeviction and AOF, strong distinct secrets, an https URL, backups recorded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary, freePort, redisAnswers, waitFor } from "../../ops/demo/local-services.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeMidtrans, type FakeMidtrans } from "../../ops/fakes/midtrans/server.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { startFakeTripay, type FakeTripay } from "../../ops/fakes/tripay/server.js";
import { baseEnv, spawnTracked } from "../process/helpers.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { OWNER_ID, TEST_TOKEN, startFakeGateways } from "../support/service.js";

let db: TestDatabase;
let telegram: FakeTelegram;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  telegram = await startFakeTelegram({ token: TEST_TOKEN, autoCreateChats: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-doctor-"));
});
afterAll(async () => {
  await telegram?.stop();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `npm run doctor` with exactly this environment; resolves with its exit code and output. */
async function doctor(env: Record<string, string>): Promise<{ code: number | null; out: string; lines: Map<string, string> }> {
  const child = spawnTracked("npm", ["run", "--silent", "doctor"], { env: { ...baseEnv(), ...env }, group: true });
  const exit = await child.waitForExit(120_000);
  const out = child.stdout();
  // "STATUS  CHECK  DETAIL" rows: check name → status.
  const lines = new Map<string, string>();
  for (const m of out.matchAll(/^(PASS|WARN|FAIL) {2,}(.+?) {2,}/gm)) lines.set(m[2]!.trim(), m[1]!);
  return { code: exit.code, out: `${out}\n${child.stderr()}`, lines };
}

const secret = () => randomBytes(24).toString("hex");

describe("npm run doctor on the test setup", () => {
  it("exits 1 with a table naming what is not ready and how to fix it", async () => {
    const gateways = await startFakeGateways();
    try {
      const r = await doctor({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: telegram.url,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        DATA_ENCRYPTION_KEY: "0".repeat(64),
        DATA_DIR: dataDir,
        ...gateways.env,
      });
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^STATUS +CHECK +DETAIL$/m);
      expect(Object.fromEntries(r.lines), r.out).toMatchObject({
        "Tripay production mode": "FAIL",
        "Midtrans production mode": "FAIL",
        "Tripay credentials": "PASS",
        "strong secrets": "FAIL",
        "https public URL": "FAIL",
        "migrations applied": "PASS",
        "backups configured": "FAIL",
        "recent good backup": "FAIL",
        "restore drill": "FAIL",
        "owners reachable": "FAIL",
        "cloud providers": "FAIL",
        "process manager": "WARN",
      });
      expect(r.out).toContain("TRIPAY_MODE=sandbox");
      expect(r.out).toContain("DATA_ENCRYPTION_KEY is too weak");
      expect(r.out).toContain("→ fix: Run npm run backup:keygen");
      expect(r.out).toMatch(/\d+ FAIL, \d+ WARN, \d+ PASS — not ready for launch/);
    } finally {
      await gateways.stop();
    }
  });

  it("names every bad variable when the configuration does not load", async () => {
    const r = await doctor({ DATABASE_URL: db.url });
    expect(r.code, r.out).toBe(1);
    expect(r.lines.get("configuration")).toBe("FAIL");
    expect(r.out).toContain("TELEGRAM_BOT_TOKEN: is required");
  });
});

describe("npm run doctor on a prepared production-like setup", () => {
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  let redisDir: string;
  let tripay: FakeTripay;
  let midtrans: FakeMidtrans;
  let clouds: FakeClouds;
  const tripayCreds = { apiKey: `T-${secret()}`, privateKey: secret(), merchantCode: "T0777" };
  const midtransKey = `Mid-server-${secret()}`;

  beforeAll(async () => {
    // A private Redis configured as production must be: never evict, append-only file on.
    const server = findBinary("redis-server");
    if (!server) throw new Error("redis-server is needed for this test (apt-get install redis-server)");
    const port = await freePort();
    redisDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-doctor-redis-"));
    redisUrl = `redis://127.0.0.1:${port}`;
    redis = spawn(server, ["--port", String(port), "--bind", "127.0.0.1", "--dir", redisDir, "--save", "", "--appendonly", "yes", "--maxmemory-policy", "noeviction"], { stdio: "ignore" });
    await waitFor(() => redisAnswers(redisUrl), "private redis");
    [tripay, midtrans, clouds] = await Promise.all([startFakeTripay(tripayCreds), startFakeMidtrans({ serverKey: midtransKey }), startFakeClouds()]);
    // Backups recorded: a good backup and drill an hour ago, the backup's test decrypt OK.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await db.prisma.backupRun.createMany({
      data: [
        { kind: "BACKUP", status: "OK", trigger: "schedule", bytes: 1_048_576n, testDecryptOk: true, startedAt: hourAgo, finishedAt: hourAgo, durationMs: 2_000 },
        { kind: "DRILL", status: "OK", trigger: "schedule", startedAt: hourAgo, finishedAt: hourAgo, durationMs: 9_000 },
      ],
    });
  });
  afterAll(async () => {
    redis?.kill("SIGKILL");
    await Promise.all([tripay?.stop(), midtrans?.stop(), clouds?.stop()]);
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  });

  it("exits 0 with every check PASS (at most warnings)", async () => {
    const r = await doctor({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: telegram.url,
      BOT_MODE: "webhook",
      PUBLIC_BASE_URL: "https://shop.example.id",
      TELEGRAM_WEBHOOK_SECRET: secret(),
      METRICS_TOKEN: secret(),
      OWNER_IDS: String(OWNER_ID),
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DATA_DIR: dataDir,
      BACKUP_PUBLIC_KEY: randomBytes(32).toString("base64"),
      TRIPAY_API_KEY: tripayCreds.apiKey,
      TRIPAY_PRIVATE_KEY: tripayCreds.privateKey,
      TRIPAY_MERCHANT_CODE: tripayCreds.merchantCode,
      TRIPAY_MODE: "production",
      TRIPAY_API_URL: tripay.url,
      MIDTRANS_SERVER_KEY: midtransKey,
      MIDTRANS_IS_PRODUCTION: "true",
      MIDTRANS_API_URL: midtrans.apiUrl,
      MIDTRANS_SNAP_URL: midtrans.snapUrl,
      ...clouds.env,
      // As systemd starts it.
      INVOCATION_ID: randomBytes(16).toString("hex"),
    });
    expect(r.code, r.out).toBe(0);
    expect([...r.lines].filter(([, s]) => s === "FAIL"), r.out).toEqual([]);
    for (const name of [
      "Tripay production mode",
      "Tripay credentials",
      "Midtrans production mode",
      "Midtrans credentials",
      "strong secrets",
      "distinct secrets",
      "webhook secret",
      "https public URL",
      "Redis noeviction",
      "Redis AOF",
      "migrations applied",
      "backups configured",
      "recent good backup",
      "restore drill",
      "test decrypt",
      `owner ${OWNER_ID} reachable`,
      "DIGITALOCEAN credentials",
      "VULTR credentials",
      "LINODE credentials",
      "process manager",
      "maintenance mode",
    ]) {
      expect(r.lines.get(name), `${name}\n${r.out}`).toBe("PASS");
    }
    expect(r.out).toMatch(/0 FAIL, \d+ WARN, \d+ PASS — ready for launch/);
  });
});
