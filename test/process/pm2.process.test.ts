/**
 * The PM2 process file and the systemd unit, exercised for real:
 *
 * - `pm2 start` with a private PM2_HOME (its own daemon, killed afterwards) and the settings in a
 *   temporary env file (the ecosystem reads VPS_ENV_FILE and passes it as `node --env-file=…`).
 * - The ecosystem runs `dist/ops/main.js`. Instead of building (~20 s, and it writes dist/ into
 *   the working tree), the test loads the REAL ecosystem.config.cjs through a small wrapper that
 *   changes only `script` to ops/main.ts and appends `--import tsx` to `node_args`. App names,
 *   args, cwd, env file, restart policy and the webhook switch all come from the real file.
 * - `systemd-analyze verify` on the unit instantiated as vps-shop@web.service.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN, testEnv } from "../support/service.js";
import { baseEnv, getJson, pollUntil, ROOT } from "./helpers.js";

const run = promisify(execFile);
const PM2 = path.join(ROOT, "node_modules/.bin/pm2");

let db: TestDatabase;
let tmp: string;
const prefix = uniquePrefix("proc-pm2");
const fakes: FakeTelegram[] = [];
const pm2Homes: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(os.tmpdir(), "vps-pm2-test-"));
  // A wrapper next to nothing else: PM2 only treats files named like ecosystem*.cjs as process files.
  writeFileSync(
    path.join(tmp, "ecosystem.config.cjs"),
    [
      "// Test wrapper: the real process file, run from the TypeScript sources instead of dist/.",
      `const real = require(${JSON.stringify(path.join(ROOT, "ecosystem.config.cjs"))});`,
      "module.exports = {",
      "  ...real,",
      '  apps: real.apps.map((app) => ({ ...app, script: "ops/main.ts", node_args: [...app.node_args, "--import", "tsx"] })),',
      "};",
      "",
    ].join("\n"),
  );
});

afterEach(async () => {
  // `pm2 kill` stops the apps (SIGINT, then SIGKILL after kill_timeout) and the daemon.
  for (const home of pm2Homes.splice(0)) await killPm2(home);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

afterAll(async () => {
  for (const home of pm2Homes.splice(0)) await killPm2(home);
  await deleteKeys(prefix);
  await db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Pm2App {
  name: string;
  pid: number;
  pm2_env: { status: string; args?: string[]; restart_time: number; pm_cwd: string; node_args: string[]; exec_interpreter: string; pm_exec_path: string };
}

function pm2Env(home: string, extra: Record<string, string>): Record<string, string> {
  return { ...baseEnv(), PM2_HOME: home, ...extra };
}

async function pm2(home: string, args: string[], extra: Record<string, string> = {}, timeout = 30_000): Promise<string> {
  const { stdout } = await run(PM2, args, { cwd: ROOT, env: pm2Env(home, extra), timeout, maxBuffer: 10 * 1024 * 1024 });
  return stdout;
}

async function jlist(home: string): Promise<Pm2App[]> {
  const out = await pm2(home, ["jlist"]);
  // jlist prints the JSON array on one line; skip any banner lines around it.
  const line = out.split("\n").find((l) => l.trim().startsWith("["));
  return line ? (JSON.parse(line) as Pm2App[]) : [];
}

/** True while the process exists and is not a zombie (a zombie's parent has not reaped it yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Stops this test's PM2 daemon and apps; SIGKILLs leftovers if `pm2 kill` fails. */
async function killPm2(home: string): Promise<void> {
  // Any pm2 command would start a new daemon if none runs; only act when this home's daemon lives.
  const daemonPidFile = path.join(home, "pm2.pid");
  const daemonPid = existsSync(daemonPidFile) ? Number(readFileSync(daemonPidFile, "utf8").trim()) : 0;
  if (!(daemonPid > 0 && isAlive(daemonPid))) return;
  let pids: number[] = [daemonPid];
  try {
    pids = [...pids, ...(await jlist(home)).map((a) => a.pid).filter((p) => p > 0)];
  } catch {
    // daemon already gone
  }
  try {
    await pm2(home, ["kill"], {}, 45_000);
  } catch {
    // fall through to the hard kill
  }
  for (const pid of pids) {
    if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
  }
}

function outLog(home: string, app: string): Array<Record<string, unknown>> {
  const file = path.join(home, "logs", `${app}-out.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function logsText(home: string): string {
  const dir = path.join(home, "logs");
  return ["vps-web", "vps-bot", "vps-worker", "vps-scheduler"]
    .flatMap((app) => ["out", "error"].map((kind) => path.join(dir, `${app}-${kind}.log`)))
    .filter((f) => existsSync(f))
    .map((f) => `--- ${path.basename(f)} ---\n${readFileSync(f, "utf8").slice(-2000)}`)
    .join("\n");
}

/** Writes the env file, starts the (wrapped) ecosystem under a fresh PM2_HOME and waits for every app's "service started". */
async function startEcosystem(opts: { webhook: boolean; env: Record<string, string> }): Promise<{ home: string; apps: Pm2App[] }> {
  const home = mkdtempSync(path.join(tmp, "pm2-home-"));
  pm2Homes.push(home);
  const envFile = path.join(tmp, `app-${path.basename(home)}.env`);
  writeFileSync(envFile, Object.entries(opts.env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const extra: Record<string, string> = { VPS_ENV_FILE: envFile };
  if (opts.webhook) extra.VPS_WEBHOOK_MODE = "1";
  await pm2(home, ["start", path.join(tmp, "ecosystem.config.cjs")], extra);
  const expected = opts.webhook ? ["vps-web", "vps-worker", "vps-scheduler"] : ["vps-web", "vps-bot", "vps-worker", "vps-scheduler"];
  await pollUntil(
    async () => (expected.every((app) => outLog(home, app).some((l) => l.msg === "service started")) ? true : undefined),
    30_000,
    `"service started" from ${expected.join(", ")}`,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${logsText(home)}`);
  });
  return { home, apps: await jlist(home) };
}

describe("PM2: ecosystem.config.cjs", () => {
  it("starts four apps that come online, answer /health/ready and /start, and stop gracefully on pm2 kill", { timeout: 90_000 }, async () => {
    const fake = await startFakeTelegram({ token: TEST_TOKEN });
    fakes.push(fake);
    const port = await freePort();
    const { home, apps } = await startEcosystem({
      webhook: false,
      env: testEnv(db, `${prefix}-polling`, port, fake.url, { LOG_LEVEL: "info", METRICS_TOKEN: "pm2-metrics-token-0123456789" }),
    });

    expect(apps.map((a) => a.name).sort()).toEqual(["vps-bot", "vps-scheduler", "vps-web", "vps-worker"]);
    for (const app of apps) {
      expect(app.pm2_env.status, `${app.name}\n${logsText(home)}`).toBe("online");
      expect(app.pm2_env.restart_time, `${app.name} restarted\n${logsText(home)}`).toBe(0);
      expect(app.pm2_env.pm_cwd).toBe(ROOT);
      expect(app.pm2_env.node_args[0]).toMatch(/^--env-file=.*\.env$/);
      expect(isAlive(app.pid), `${app.name} pid ${app.pid} not running`).toBe(true);
    }
    const argsOf = Object.fromEntries(apps.map((a) => [a.name, a.pm2_env.args]));
    expect(argsOf).toEqual({ "vps-web": ["web"], "vps-bot": ["bot"], "vps-worker": ["worker"], "vps-scheduler": ["scheduler"] });
    // Each process runs exactly its role.
    for (const app of apps) {
      const started = outLog(home, app.name).find((l) => l.msg === "service started");
      expect(started, `${app.name} "service started"\n${logsText(home)}`).toMatchObject({ roles: app.pm2_env.args, pid: app.pid });
    }

    // Each check has 1.5 s, which a loaded machine's healthy dependency can miss: wait for "ready".
    const ready = await pollUntil(async () => {
      const r = await getJson(`http://127.0.0.1:${port}/health/ready`, 5_000, { authorization: "Bearer pm2-metrics-token-0123456789" });
      return r.status === 200 ? r : undefined;
    }, 20_000, "/health/ready 200").catch((err: Error) => {
      throw new Error(`${err.message}\n${logsText(home)}`);
    });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", failing: [] });

    const user = fake.user(5_400_001, { firstName: "Wati" });
    await user.sendText("/start");
    await user.waitForMessage(/Halo, Wati!/, { timeoutMs: 15_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${logsText(home)}`);
    });

    // `pm2 stop all` first: the daemon stays up and writes the apps' last log lines to disk
    // (a killed daemon may not flush them); then `pm2 kill` removes the daemon too.
    await pm2(home, ["stop", "all"], {}, 45_000);
    const stopped = await jlist(home);
    expect(stopped.map((a) => [a.name, a.pm2_env.status])).toEqual(apps.map((a) => [a.name, "stopped"]));
    for (const app of apps) expect(isAlive(app.pid), `${app.name} still running after pm2 stop`).toBe(false);
    await pollUntil(
      async () => (apps.every((app) => outLog(home, app.name).some((l) => l.msg === "shutdown complete")) ? true : undefined),
      15_000,
      "every app to log its graceful shutdown",
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${logsText(home)}`);
    });
    const daemonPid = Number(readFileSync(path.join(home, "pm2.pid"), "utf8").trim());
    await pm2(home, ["kill"], {}, 45_000);
    // The daemon exits a moment after `pm2 kill` returns.
    await pollUntil(async () => (isAlive(daemonPid) ? undefined : true), 5_000, "the PM2 daemon to exit");
  });

  it("with VPS_WEBHOOK_MODE=1 runs three apps and the bot inside vps-web (args \"web bot\")", { timeout: 90_000 }, async () => {
    const fake = await startFakeTelegram({ token: TEST_TOKEN });
    fakes.push(fake);
    const port = await freePort();
    const secret = "pm2-webhook-secret-0123456789";
    const { home, apps } = await startEcosystem({
      webhook: true,
      env: testEnv(db, `${prefix}-webhook`, port, fake.url, {
        LOG_LEVEL: "info",
        BOT_MODE: "webhook",
        PUBLIC_BASE_URL: "https://shop.example.test",
        TELEGRAM_WEBHOOK_SECRET: secret,
      }),
    });

    expect(apps.map((a) => a.name).sort()).toEqual(["vps-scheduler", "vps-web", "vps-worker"]);
    for (const app of apps) expect(app.pm2_env.status, app.name).toBe("online");
    const web = apps.find((a) => a.name === "vps-web")!;
    expect(web.pm2_env.args).toEqual(["web", "bot"]);
    expect(outLog(home, "vps-web").find((l) => l.msg === "service started")).toMatchObject({ roles: ["web", "bot"] });
    // The bot role in vps-web registered the webhook with (fake) Telegram.
    expect(fake.webhookInfo().url).toBe("https://shop.example.test/telegram/webhook");

    // Deliver an update the way Telegram would, straight to vps-web's webhook route.
    const user = fake.user(5_400_002, { firstName: "Bayu" });
    const update = {
      update_id: 700_000_001,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: "private", first_name: "Bayu" },
        from: { id: user.id, is_bot: false, first_name: "Bayu" },
        text: "/start",
        entities: [{ type: "bot_command", offset: 0, length: 6 }],
      },
    };
    const res = await fetch(`http://127.0.0.1:${port}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status, logsText(home)).toBe(200);
    await user.waitForMessage(/Halo, Bayu!/, { timeoutMs: 10_000, since: 0 });

    await pm2(home, ["kill"], {}, 45_000);
    for (const app of apps) expect(isAlive(app.pid), `${app.name} still running after pm2 kill`).toBe(false);
  });
});

describe("systemd: ops/systemd/vps-shop@.service", () => {
  it("passes `systemd-analyze verify` as vps-shop@web.service", async (ctx) => {
    const dir = mkdtempSync(path.join(tmp, "systemd-"));
    mkdirSync(dir, { recursive: true });
    const unit = readFileSync(path.join(ROOT, "ops/systemd/vps-shop@.service"), "utf8");
    const verify = async (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      try {
        const { stdout, stderr } = await run("systemd-analyze", ["verify", "--man=no", file], { timeout: 20_000 });
        return { code: 0, output: (stdout + stderr).trim() };
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
        if (e.code === "ENOENT") return { code: -1, output: "systemd-analyze is not installed" };
        return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() };
      }
    };

    // First prove the verifier works in this environment: a unit with a missing binary must fail.
    const broken = await verify("vps-broken@web.service", unit.replace("ExecStart=/usr/bin/env", "ExecStart=/nonexistent/env"));
    if (broken.code === -1) return ctx.skip(broken.output);
    if (broken.code === 0 && broken.output === "") {
      return ctx.skip(`systemd-analyze verify cannot check units here (it accepted a unit with a missing ExecStart binary)`);
    }
    if (/System has not been booted with systemd|Failed to (initialize|connect|create)/i.test(broken.output)) {
      return ctx.skip(`systemd-analyze verify cannot run here: ${broken.output.split("\n")[0]}`);
    }
    expect(broken.output).toMatch(/nonexistent/);

    const result = await verify("vps-shop@web.service", unit);
    expect(result, result.output).toEqual({ code: 0, output: "" });
  });
});
