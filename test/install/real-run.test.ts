/**
 * ops/install.sh run for real on this machine — only with INSTALL_REAL=1, because it changes the
 * machine: it needs root, no systemd (a container: the service runs under PM2), the npm registry
 * (a real `npm ci`, ~3 min) and PostgreSQL on its local socket. It creates the user `vpsshop`,
 * /opt/vps-shop, a PostgreSQL role `vpsshop` and database `vps_shop_install_check`, and
 * /etc/logrotate.d/vps-shop, and removes them all afterwards. It refuses to start if any exists.
 *
 * What is not real here: Telegram (the fake, its URL put in .env before the install: the script
 * keeps existing values), Redis's settings (VPSSHOP_REDIS_URL: this machine's Redis belongs to
 * everyone's tests, so its config is not edited), the firewall (VPSSHOP_SKIP_FIREWALL=1) and
 * Caddy (no domain). test/install/install.test.ts covers those steps with recording stand-ins.
 *
 *   INSTALL_REAL=1 npx vitest run test/install/real-run.test.ts
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeTelegram } from "../../ops/fakes/telegram/index.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN } from "../support/service.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const APP = "/opt/vps-shop";
const DB = "vps_shop_install_check";

function runInstall(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });

describe.skipIf(process.env.INSTALL_REAL !== "1")("ops/install.sh for real (INSTALL_REAL=1)", () => {
  it("installs the committed tree, the service answers /health under PM2, and a second run changes nothing", { timeout: 900_000 }, async () => {
    expect(process.getuid?.(), "run as root").toBe(0);
    expect(existsSync("/run/systemd/system"), "a machine without systemd (a container)").toBe(false);
    expect(existsSync(APP) || sh("getent", ["passwd", "vpsshop"]).status === 0, `${APP} or user vpsshop already exists: not touching them`).toBe(false);

    const src = mkdtempSync(path.join(os.tmpdir(), "vpsshop-real-src-"));
    const fake = await startFakeTelegram({ token: TEST_TOKEN });
    const prefix = uniquePrefix("install");
    const port = await freePort();
    try {
      // The committed tree, as `git clone` would give it.
      const archive = spawnSync("bash", ["-c", `git -C "${ROOT}" archive HEAD | tar -x -C "${src}"`], { encoding: "utf8" });
      expect(archive.status, archive.stderr).toBe(0);
      mkdirSync(APP);
      writeFileSync(`${APP}/.env`, `TELEGRAM_API_ROOT=${fake.url}\nQUEUE_PREFIX=${prefix}\nHTTP_PORT=${port}\n`);
      const env = {
        VPSSHOP_NONINTERACTIVE: "1",
        VPSSHOP_BOT_TOKEN: TEST_TOKEN,
        VPSSHOP_OWNER_IDS: "4242",
        VPSSHOP_MEMORY_MB: "960",
        VPSSHOP_SKIP_FIREWALL: "1",
        VPSSHOP_REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
        VPSSHOP_DB_NAME: DB,
      };
      const script = path.join(src, "ops/install.sh");

      const first = await runInstall(script, env);
      expect(first.code, first.output.slice(-3000)).toBe(0);
      expect(first.output).toContain("960 MiB → one all-in-one process");
      expect(first.output).toContain("PM2 (no systemd on this machine): one all-in-one process");
      expect(first.output).toMatch(/PASS +migrations applied/);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);

      const second = await runInstall(script, env);
      expect(second.code, second.output.slice(-3000)).toBe(0);
      for (const line of ["exists", `up to date with ${src}`, "kept every existing value", "node_modules up to date", "build up to date", "running, nothing changed"]) {
        expect(second.output).toContain(line);
      }
    } finally {
      if (existsSync(`${APP}/node_modules/.bin/pm2`)) sh("runuser", ["-u", "vpsshop", "--", "env", `HOME=${APP}`, `${APP}/node_modules/.bin/pm2`, "kill"]);
      sh("runuser", ["-u", "postgres", "--", "psql", "-qc", `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`]);
      sh("runuser", ["-u", "postgres", "--", "psql", "-qc", "DROP ROLE IF EXISTS vpsshop"]);
      sh("userdel", ["vpsshop"]);
      for (const p of [APP, "/var/log/vps-shop", "/etc/logrotate.d/vps-shop", src]) rmSync(p, { recursive: true, force: true });
      await fake.stop();
      await deleteKeys(prefix);
    }
  });
});
