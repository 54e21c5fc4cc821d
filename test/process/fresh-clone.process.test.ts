/**
 * Every README command from a fresh clone, as a new user runs them: `git clone` of this
 * checkout's HEAD (the last commit: uncommitted work is not in it) into a temporary directory,
 * then db:migrate, db:seed, typecheck, lint, `npm start` (build + all four roles, /health),
 * each `start:<role>` script, a quick benchmark and the demo, each checked by its exit code.
 *
 * What a fresh clone lacks is what is gitignored: the generated Prisma client (db/generated),
 * dist/, .demo/, .bench/. node_modules is a symlink to this checkout's by default: `.ci/run`
 * has just run `npm ci` from the same package-lock.json on a fresh clone, so a second install
 * would spend 30–60 s proving it again. FRESH_CLONE_NPM_CI=1 runs a real
 * `npm ci --prefer-offline` in the clone instead.
 *
 * Names kept apart from everything else on the machine: its own empty database (migrated by
 * the README's command, not cloned from the test template), its own Redis prefix, and for the
 * demo (whose prefix "vpsdemo" is fixed) its own Redis logical database.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { generateBackupKeyPair } from "../../shop/backup/keys.js";
import { runMonitoringCommands } from "../monitoring/readme-commands.js";
import { databaseUrl, quoteIdent, TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX } from "../support/db-context.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN } from "../support/service.js";
import { baseEnv, getJson, killAll, ROOT, spawnTracked, type ServiceProcess } from "./helpers.js";

const isCheckout = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: ROOT, encoding: "utf8" }).stdout.trim() === "true";
const DEMO_PREFIX = "vpsdemo";
/** A Redis logical database of its own for the demo, so it never meets another demo's queues. */
const DEMO_REDIS_URL = (() => {
  const url = new URL(TEST_REDIS_URL);
  url.pathname = "/7";
  return url.toString();
})();

let dir: string;
let dbName: string;
let dbUrl: string;
let fake: FakeTelegram;
const prefix = uniquePrefix("fresh");
const timings: Array<[string, number]> = [];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

/** What every command gets: the machine's basics, this run's database and Redis, nothing of ours. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const pass: Record<string, string> = {};
  for (const key of ["TEST_DATABASE_ADMIN_URL", "TEST_REDIS_URL", "npm_config_cache"]) if (process.env[key]) pass[key] = process.env[key]!;
  return { ...baseEnv(), ...pass, CI: "1", DATABASE_URL: dbUrl, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, npm_config_update_notifier: "false", ...extra };
}

/** Runs `npm <args>` in the clone to its end; resolves with its exit code and output, timed under `label`. */
async function run(label: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const started = performance.now();
  const child = spawnTracked("npm", args, { cwd: dir, env: env(extra), group: true });
  const exit = await child.waitForExit(240_000);
  timings.push([label, Math.round(performance.now() - started)]);
  return { code: exit.code, output: `npm ${args.join(" ")}\n${child.describe()}` };
}

/** `npm run <script>` for a long-running role, with a port of its own; resolves once it logged "service started". */
async function startRole(script: string, extra: Record<string, string>): Promise<{ child: ServiceProcess; port: number; pid: number }> {
  const port = await freePort();
  const child = spawnTracked("npm", ["run", "--silent", script], { cwd: dir, env: env({ ...extra, HTTP_PORT: String(port), LOG_LEVEL: "info" }), group: true });
  const { line } = await child.waitForLog("service started", 240_000);
  return { child, port, pid: Number(line.pid) };
}

/**
 * SIGTERM to the service itself (its pid is in every log line), as PM2/systemd send it: npm
 * forwards no signal, and a signal to the whole group would end npm by signal, not by code.
 * The service shuts down in order and exits 0, and npm with it.
 */
async function stop(role: { child: ServiceProcess; pid: number }): Promise<void> {
  process.kill(role.pid, "SIGTERM");
  expect(await role.child.waitForExit(30_000), role.child.describe()).toEqual({ code: 0, signal: null });
}

/** Resolves once stdout (from `from` on) matches; rejects with the output so far on timeout or exit. */
async function waitForText(child: ServiceProcess, pattern: RegExp, from: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(child.stdout().slice(from))) {
    if (child.exitInfo() !== undefined) throw new Error(`exited before printing ${pattern}\n${child.describe()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}\n${child.describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `npm start` (build + all four roles in one process): it answers /health and stops cleanly. */
async function startAll(roleEnv: Record<string, string>): Promise<void> {
  const started = performance.now();
  const all = await startRole("start", roleEnv);
  timings.push(["start (build + all roles)", Math.round(performance.now() - started)]);
  expect((await getJson(`http://127.0.0.1:${all.port}/health`)).status).toBe(200);
  await stop(all);
}

/** Each `start:<role>` as PM2/systemd run them (on the build `npm start` made). */
async function startEachRole(roleEnv: Record<string, string>): Promise<void> {
  const started = performance.now();
  const roles = await Promise.all(["start:web", "start:bot", "start:worker", "start:scheduler"].map((script) => startRole(script, roleEnv)));
  timings.push(["start:<role> ×4", Math.round(performance.now() - started)]);
  expect((await getJson(`http://127.0.0.1:${roles[0]!.port}/health`)).status).toBe(200);
  await Promise.all(roles.map(stop));
}

/** The smallest benchmark in its quick mode: 3 orders one at a time, no burst. */
async function quickBench(): Promise<void> {
  const bench = await run("bench provisioning (quick)", ["run", "bench", "--", "provisioning"], { BENCH_PROVISION_ORDERS: "3", BENCH_PROVISION_BURST: "0" });
  expect(bench.code, bench.output).toBe(0);
  const results = JSON.parse(readFileSync(path.join(dir, ".bench", "results.json"), "utf8")) as { results: Array<{ file: string; ok: boolean }> };
  expect(results.results).toEqual([expect.objectContaining({ file: "provisioning-latency.bench.ts", ok: true })]);
}

/** The demo starts, answers /start and quits cleanly (on a Redis database of its own: its prefix is fixed). */
async function demo(): Promise<void> {
  const started = performance.now();
  const child = spawnTracked("npm", ["run", "--silent", "demo"], { cwd: dir, env: env({ REDIS_URL: DEMO_REDIS_URL }), stdin: "pipe", group: true });
  await waitForText(child, /Ketik \/start\./, 0, 240_000);
  const mark = child.stdout().length;
  child.proc.stdin!.write("/start\n");
  await waitForText(child, /bot › Halo, Budi!/, mark, 60_000);
  child.proc.stdin!.write(":quit\n");
  expect(await child.waitForExit(30_000), child.describe()).toEqual({ code: 0, signal: null });
  timings.push(["demo", Math.round(performance.now() - started)]);
}

/** The backup commands: keygen prints the two lines, backup sends its parts to the owner, restore --verify-only decrypts them. */
async function backups(roleEnv: Record<string, string>): Promise<void> {
  const keygen = await run("backup:keygen", ["run", "--silent", "backup:keygen"]);
  expect(keygen.code, keygen.output).toBe(0);
  expect(keygen.output).toMatch(/BACKUP_PUBLIC_KEY=\S{44}\nBACKUP_SECRET_KEY=\S{44}\n/);
  const keys = await generateBackupKeyPair();
  fake.user(9_000_001);
  const backupEnv = { ...roleEnv, OWNER_IDS: "9000001", BACKUP_PUBLIC_KEY: keys.publicKey, BACKUP_DIR: path.join(dir, "backups") };
  const backup = await run("backup", ["run", "backup"], backupEnv);
  expect(backup.code, backup.output).toBe(0);
  const verify = await run("restore --verify-only", ["run", "restore", "--", path.join(dir, "backups"), "--verify-only"], { ...backupEnv, BACKUP_SECRET_KEY: keys.secretKey });
  expect(verify.code, verify.output).toBe(0);
}

beforeAll(async () => {
  if (!isCheckout) return;
  const started = performance.now();
  dir = mkdtempSync(path.join(os.tmpdir(), "vps-fresh-clone-"));
  const clone = spawnSync("git", ["clone", "--quiet", ROOT, dir], { encoding: "utf8" });
  if (clone.status !== 0) throw new Error(`git clone failed: ${clone.stderr}`);
  if (process.env.FRESH_CLONE_NPM_CI === "1") {
    const install = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", env: { ...baseEnv() } });
    if (install.status !== 0) throw new Error(`npm ci failed:\n${install.stdout}\n${install.stderr}`);
  } else {
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  }
  timings.push(["clone", Math.round(performance.now() - started)]);
  dbName = `${TEST_DB_PREFIX}${inject("vpsTestDb").runId}_fresh_${randomBytes(3).toString("hex")}`;
  await admin(`CREATE DATABASE ${quoteIdent(dbName)}`);
  dbUrl = databaseUrl(TEST_DATABASE_ADMIN_URL, dbName);
  fake = await startFakeTelegram({ token: TEST_TOKEN });
});

afterAll(async () => {
  await killAll();
  await fake?.stop();
  await deleteKeys(prefix);
  await deleteKeys(DEMO_PREFIX, DEMO_REDIS_URL);
  if (dbName) await admin(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (timings.length) console.info(`fresh clone: ${timings.map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`).join(" · ")}`);
});

describe.skipIf(!isCheckout)("a fresh clone", () => {
  it("runs every README command: migrate, seed, typecheck, lint, start (all roles and each alone), bench, demo", { timeout: 600_000 }, async () => {
    expect(existsSync(path.join(dir, "db", "generated"))).toBe(false);
    const roleEnv = { TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: fake.url, DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"), DATA_DIR: path.join(dir, "data") };

    // In README order. Each step only needs the ones before it, so the slow independent ones
    // (two full TypeScript compilations and ESLint) run side by side.
    for (const script of ["db:migrate", "db:seed"]) {
      const result = await run(script, ["run", script]);
      expect(result.code, result.output).toBe(0);
    }
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    const plans = await client.query("SELECT count(*)::int AS n FROM plans").finally(() => client.end());
    expect(plans.rows[0].n).toBeGreaterThan(0);
    // A development clone is not ready for launch, and the doctor says why in its table.
    const doctor = await run("doctor", ["run", "doctor"], roleEnv);
    expect(doctor.code, doctor.output).toBe(1);
    expect(doctor.output).toMatch(/^FAIL {2,}\S/m);
    expect(doctor.output).toMatch(/\d+ FAIL, \d+ WARN, \d+ PASS — not ready for launch/);
    runMonitoringCommands(dir);
    await backups(roleEnv);

    const checks = ["typecheck", "lint"].map(async (script) => {
      const result = await run(script, ["run", script]);
      expect(result.code, result.output).toBe(0);
    });
    await Promise.all([...checks, startAll(roleEnv)]);
    await Promise.all([startEachRole(roleEnv), quickBench(), demo()]);
  });
});
