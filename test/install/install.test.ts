/**
 * ops/install.sh: shellcheck-clean, and run for real in a sandbox (test/install/shims.ts):
 * INSTALL_ROOT holds the "machine's" files, stand-ins record what apt-get, systemctl, ufw,
 * psql, npm… were asked to do. What is real: the script, bash, rsync, sed, the files it writes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "./shims.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ANSWERS = { VPSSHOP_BOT_TOKEN: "123456:AAtest_token_abcdefghijklmnopq", VPSSHOP_OWNER_IDS: "4242", VPSSHOP_DOMAIN: "shop.example.com" };

const sandboxes: Sandbox[] = [];
afterEach(() => sandboxes.splice(0).forEach((s) => s.remove()));
function sandbox(): Sandbox {
  const s = createSandbox();
  sandboxes.push(s);
  return s;
}
const envOf = (text: string) => Object.fromEntries(text.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
const matching = (calls: string[], re: RegExp) => calls.filter((c) => re.test(c));

describe("ops/install.sh", () => {
  it("passes shellcheck", () => {
    const r = spawnSync("shellcheck", [path.join(ROOT, "ops/install.sh")], { encoding: "utf8" });
    expect(r.error, "shellcheck is not installed (apt-get install shellcheck)").toBeUndefined();
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });

  it("on a 1 GB machine installs everything once, runs one all-in-one process, and a second run changes nothing", () => {
    const box = sandbox();
    const first = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "960" });
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain("960 MiB → one all-in-one process (vps-shop@all)");

    // Packages, user, database, build, migrations, units, firewall, TLS proxy, doctor.
    expect(matching(first.calls, /^apt-get install .*postgresql.*redis-server/)).toHaveLength(1);
    expect(matching(first.calls, /^useradd --system .* vpsshop$/)).toHaveLength(1);
    expect(matching(first.calls, /^psql .*CREATE ROLE vpsshop LOGIN PASSWORD/)).toHaveLength(1);
    expect(matching(first.calls, /^psql .*CREATE DATABASE vps_shop OWNER vpsshop/)).toHaveLength(1);
    expect(first.calls).toEqual(expect.arrayContaining(["npm ci --no-audit --no-fund", "npm run build", "node --env-file=/opt/vps-shop/.env db/prisma-cli.mjs migrate deploy", "npm run --silent doctor"]));
    expect(matching(first.calls, /^systemctl enable --now vps-shop@/)).toEqual(["systemctl enable --now vps-shop@all"]);
    expect(matching(first.calls, /^ufw allow/)).toEqual(["ufw allow 22/tcp", "ufw allow 80/tcp", "ufw allow 443/tcp"]);
    expect(first.calls).toEqual(expect.arrayContaining(["ufw default deny incoming", "ufw --force enable", "systemctl restart redis-server", "systemctl reload-or-restart caddy"]));

    // Redis: AOF and noeviction, each exactly once, nothing else touched.
    const redis = box.read("/etc/redis/redis.conf");
    expect(redis.match(/^appendonly .*$/gm)).toEqual(["appendonly yes"]);
    expect(redis.match(/^maxmemory-policy .*$/gm)).toEqual(["maxmemory-policy noeviction"]);
    expect(redis).toContain("bind 127.0.0.1 -::1");

    // .env: the answers, strong generated secrets, owner-only.
    const env = envOf(box.read("/opt/vps-shop/.env"));
    expect(env).toMatchObject({ TELEGRAM_BOT_TOKEN: ANSWERS.VPSSHOP_BOT_TOKEN, OWNER_IDS: "4242", PUBLIC_BASE_URL: "https://shop.example.com", BOT_MODE: "webhook", HTTP_HOST: "127.0.0.1" });
    expect(Buffer.from(env.DATA_ENCRYPTION_KEY!, "base64")).toHaveLength(32);
    expect(env.TELEGRAM_WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.METRICS_TOKEN).toMatch(/^[0-9a-f]{48}$/);
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/vpsshop:[0-9a-f]{32}@127\.0\.0\.1:5432\/vps_shop$/);
    expect(env.SECRETS_ROTATED_AT).toMatch(/^DATA_ENCRYPTION_KEY=\d{4}-\d\d-\d\d,TELEGRAM_WEBHOOK_SECRET=\d{4}-\d\d-\d\d,METRICS_TOKEN=\d{4}-\d\d-\d\d$/);
    expect(statSync(box.file("/opt/vps-shop/.env")).mode & 0o777).toBe(0o600);

    // Files from the repository, rendered for this machine.
    expect(box.read("/etc/systemd/system/vps-shop@.service")).toBe(readFileSync(path.join(ROOT, "ops/systemd/vps-shop@.service"), "utf8"));
    expect(existsSync(box.file("/etc/systemd/system/vps-shop@web.service.d/webhook.conf"))).toBe(false);
    expect(box.read("/etc/logrotate.d/vps-shop")).toBe(readFileSync(path.join(ROOT, "ops/logrotate/vps-shop"), "utf8"));
    const caddy = box.read("/etc/caddy/Caddyfile");
    expect(caddy).toContain("shop.example.com {");
    expect(caddy).toContain("reverse_proxy 127.0.0.1:3000");
    expect(caddy).not.toMatch(/__[A-Z]+__/);
    expect(box.read("/etc/caddy/Caddyfile.before-vps-shop")).toContain("file_server");

    // Second run: every step finds its work done, and what the service wrote next to the code stays.
    for (const p of ["/opt/vps-shop/backups/2026-12-01.part001", "/opt/vps-shop/data/proofs/1.jpg.enc"]) {
      mkdirSync(path.dirname(box.file(p)), { recursive: true });
      writeFileSync(box.file(p), "kept");
    }
    const before = box.snapshot();
    const second = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "960" });
    expect(second.status, second.output).toBe(0);
    expect(box.snapshot()).toEqual(before);
    const acting = /^(apt-get|useradd|npm ci|npm run build|ufw (allow|default|--force)|systemctl (enable|disable|restart|reload|daemon-reload))|CREATE /;
    expect(second.calls.filter((c) => acting.test(c))).toEqual([]);
  });

  it("never replaces a value already in .env and fills an empty one once", () => {
    const box = sandbox();
    mkdirSync(box.file("/opt/vps-shop"), { recursive: true });
    writeFileSync(box.file("/opt/vps-shop/.env"), "TELEGRAM_BOT_TOKEN=999:kept_token_abcdefghijklmnopqrst\nDATA_ENCRYPTION_KEY=keptkeptkeptkeptkeptkeptkeptkeptkeptkeptkeo=\nMETRICS_TOKEN=\nSHOP_NAME=Toko Budi\n");
    const r = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "960" });
    expect(r.status, r.output).toBe(0);
    const text = box.read("/opt/vps-shop/.env");
    const env = envOf(text);
    expect(env.TELEGRAM_BOT_TOKEN).toBe("999:kept_token_abcdefghijklmnopqrst");
    expect(env.DATA_ENCRYPTION_KEY).toBe("keptkeptkeptkeptkeptkeptkeptkeptkeptkeptkeo=");
    expect(env.SHOP_NAME).toBe("Toko Budi");
    expect(env.METRICS_TOKEN).toMatch(/^[0-9a-f]{48}$/);
    expect(text.match(/^METRICS_TOKEN=/gm)).toHaveLength(1);
    expect(env.SECRETS_ROTATED_AT).not.toContain("DATA_ENCRYPTION_KEY");
  });

  it("on a 2 GB machine runs one process per role; moving a 1 GB install to 4 GB switches the units", () => {
    const polling = sandbox();
    const r = polling.run({ VPSSHOP_BOT_TOKEN: ANSWERS.VPSSHOP_BOT_TOKEN, VPSSHOP_OWNER_IDS: "4242", VPSSHOP_MEMORY_MB: "1980" });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("1980 MiB → one process per role");
    expect(matching(r.calls, /^systemctl enable --now vps-shop@/)).toEqual(["web", "bot", "worker", "scheduler"].map((u) => `systemctl enable --now vps-shop@${u}`));
    expect(envOf(polling.read("/opt/vps-shop/.env")).BOT_MODE).toBe("polling");
    // No domain: no TLS site (the bot polls Telegram).
    expect(matching(r.calls, /caddy/)).toEqual([]);

    const grown = sandbox();
    expect(grown.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "960" }).status).toBe(0);
    const again = grown.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "3900" });
    expect(again.status, again.output).toBe(0);
    expect(matching(again.calls, /^systemctl (enable|disable) --now/)).toEqual([
      "systemctl disable --now vps-shop@all",
      "systemctl enable --now vps-shop@web",
      "systemctl enable --now vps-shop@worker",
      "systemctl enable --now vps-shop@scheduler",
    ]);
    // Webhook mode with separate roles: the web process runs the bot too.
    expect(grown.read("/etc/systemd/system/vps-shop@web.service.d/webhook.conf")).toContain('Environment="VPS_ROLES=web bot"');
  });

  it("adds NodeSource's Node 20 repository when the distribution's nodejs is older than 20.19", () => {
    const box = sandbox();
    const r = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "960", SHIM_NO_NODE: "1", SHIM_NODEJS_CANDIDATE: "18.19.1+dfsg-6ubuntu5" });
    expect(r.status, r.output).toBe(0);
    expect(box.read("/etc/apt/sources.list.d/nodesource.list")).toBe("deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main\n");
    expect(existsSync(box.file("/etc/apt/keyrings/nodesource.gpg"))).toBe(true);
    expect(matching(r.calls, /^apt-get install .* nodejs$/)).toHaveLength(1);
  });

  it("stops with a clear message when a required answer is missing in non-interactive mode", () => {
    const box = sandbox();
    const r = box.run({ VPSSHOP_OWNER_IDS: "4242", VPSSHOP_MEMORY_MB: "960" });
    expect(r.status).toBe(1);
    expect(r.output).toContain("Bot token from @BotFather is required");
    expect(existsSync(box.file("/etc/systemd/system/vps-shop@.service"))).toBe(false);
  });
});

describe("ops/install.sh on several hosts", () => {
  const FIRST = { VPSSHOP_PRIVATE_ADDRESS: "10.0.0.11", VPSSHOP_APP_HOSTS: "10.0.0.12 10.0.0.13" };
  const acting = /^(apt-get|useradd|npm ci|npm run build|ufw (allow|default|--force)|systemctl (enable|disable|restart|reload|daemon-reload))|CREATE /;

  /** Runs the script again: it says where the host stands, changes no file and acts on nothing. */
  function rerunChangesNothing(box: Sandbox, env: Record<string, string>, says: string): void {
    const snap = box.snapshot();
    const again = box.run(env);
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain(says);
    expect(box.snapshot()).toEqual(snap);
    expect(again.calls.filter((c) => acting.test(c))).toEqual([]);
  }

  /** A first host installed alone, then re-run to let the app hosts in (the upgrade path of ops/TOPOLOGY.md). */
  function firstHost(): Sandbox {
    const box = sandbox();
    const alone = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "1980" });
    expect(alone.status, alone.output).toBe(0);
    const opened = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "1980", ...FIRST });
    expect(opened.status, opened.output).toBe(0);
    return box;
  }

  it("the first host lets the app hosts in: PostgreSQL and Redis on its private address for them only, Redis with a password, Caddy over every host; a re-run changes nothing", () => {
    const box = sandbox();
    expect(box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "1980" }).status).toBe(0);
    const before = envOf(box.read("/opt/vps-shop/.env"));
    const r = box.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "1980", ...FIRST });
    expect(r.status, r.output).toBe(0);

    // .env: this host's address, a Redis password; the secrets stay.
    const env = envOf(box.read("/opt/vps-shop/.env"));
    expect(env).toMatchObject({ HTTP_HOST: "10.0.0.11", TRUSTED_PROXIES: "10.0.0.11", DATABASE_URL: before.DATABASE_URL, DATA_ENCRYPTION_KEY: before.DATA_ENCRYPTION_KEY });
    const password = /^redis:\/\/:([0-9a-f]{48})@127\.0\.0\.1:6379$/.exec(env.REDIS_URL!)?.[1];
    expect(password, env.REDIS_URL).toBeDefined();

    // Redis: the private address too, the same password, each line once.
    const redis = box.read("/etc/redis/redis.conf");
    expect(redis.match(/^bind .*$/gm)).toEqual(["bind 127.0.0.1 -::1 10.0.0.11"]);
    expect(redis.match(/^requirepass .*$/gm)).toEqual([`requirepass ${password}`]);
    expect(redis.match(/^maxmemory-policy .*$/gm)).toEqual(["maxmemory-policy noeviction"]);

    // PostgreSQL: listens on the private address; the shop's role from the two app hosts only, with a password.
    expect(box.read("/etc/postgresql/15/main/conf.d/vps-shop.conf")).toContain("listen_addresses = 'localhost,10.0.0.11'");
    const hba = box.read("/etc/postgresql/15/main/pg_hba.conf");
    expect(hba.match(/^host vps_shop .*$/gm)).toEqual(["host vps_shop vpsshop 10.0.0.12/32 scram-sha-256", "host vps_shop vpsshop 10.0.0.13/32 scram-sha-256"]);
    expect(r.calls).toEqual(expect.arrayContaining(["systemctl restart postgresql", "systemctl restart redis-server"]));

    // Firewall: the database ports from each app host only.
    expect(matching(r.calls, /^ufw allow/)).toEqual([
      "ufw allow from 10.0.0.12 to any port 5432 proto tcp",
      "ufw allow from 10.0.0.12 to any port 6379 proto tcp",
      "ufw allow from 10.0.0.13 to any port 5432 proto tcp",
      "ufw allow from 10.0.0.13 to any port 6379 proto tcp",
    ]);

    // Caddy: the cluster file, round robin over the three hosts for both upstream sets.
    const caddy = box.read("/etc/caddy/Caddyfile");
    expect(caddy.match(/reverse_proxy .* \{$/gm)).toEqual(Array(2).fill("reverse_proxy 10.0.0.11:3000 10.0.0.12:3000 10.0.0.13:3000 {"));
    expect(caddy).toContain("shop.example.com {");
    expect(caddy).toContain("health_uri /health");
    expect(caddy).not.toMatch(/__[A-Z_]+__/);
    // Real Caddy (installed by .ci/run) reads the rendered file.
    const adapt = spawnSync("caddy", ["adapt", "--config", box.file("/etc/caddy/Caddyfile"), "--adapter", "caddyfile"], { encoding: "utf8" });
    expect(adapt.error, "caddy is not installed (apt-get install caddy)").toBeUndefined();
    expect(adapt.status, adapt.stderr).toBe(0);
    // The app restarted with its new address (webhook mode: web runs the bot).
    expect(matching(r.calls, /^systemctl restart vps-shop@/)).toEqual(["web", "worker", "scheduler"].map((u) => `systemctl restart vps-shop@${u}`));

    // Re-run as after a git pull, without the several-hosts answers: the host keeps its place.
    rerunChangesNothing(box, { ...ANSWERS, VPSSHOP_MEMORY_MB: "1980" }, "first host 10.0.0.11; app hosts let in: 10.0.0.12 10.0.0.13");
  });

  it("an app host joins with the first host's .env: its own address, the same secrets, no database, Redis, Caddy or migrations, the app port open to the balancer only; a re-run changes nothing", () => {
    const first = firstHost();
    const a = envOf(first.read("/opt/vps-shop/.env"));
    const box = sandbox();
    const copy = path.join(box.dir, "shop.env");
    writeFileSync(copy, first.read("/opt/vps-shop/.env"), { mode: 0o600 });
    const join = { VPSSHOP_MEMORY_MB: "1980", VPSSHOP_JOIN_ENV: copy, VPSSHOP_PRIVATE_ADDRESS: "10.0.0.12", VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11" };
    const redisConf = box.read("/etc/redis/redis.conf");
    const r = box.run(join);
    expect(r.status, r.output).toBe(0);

    const env = envOf(box.read("/opt/vps-shop/.env"));
    expect(statSync(box.file("/opt/vps-shop/.env")).mode & 0o777).toBe(0o600);
    const { DATABASE_URL, REDIS_URL, HTTP_HOST: _ownAddress, TRUSTED_PROXIES: _ownProxy, ...shared } = a;
    expect(env).toEqual({
      ...shared,
      DATABASE_URL: DATABASE_URL!.replace("@127.0.0.1:", "@10.0.0.11:"),
      REDIS_URL: REDIS_URL!.replace("@127.0.0.1:", "@10.0.0.11:"),
      HTTP_HOST: "10.0.0.12",
      TRUSTED_PROXIES: "10.0.0.11",
      WORKER_QUEUES: "all,-backups,-screenshot-purge",
    });
    expect(env.REDIS_URL).toMatch(/^redis:\/\/:[0-9a-f]{48}@10\.0\.0\.11:6379$/);

    // The app only: no PostgreSQL or Redis package, no role, no migration (a check that the database is at this code's).
    const installs = matching(r.calls, /^apt-get install/);
    expect(installs.join("\n")).not.toMatch(/postgresql|redis-server/);
    expect(matching(r.calls, /^psql/)).toEqual([]);
    expect(r.calls).toContain("node --env-file=/opt/vps-shop/.env db/prisma-cli.mjs migrate status");
    expect(matching(r.calls, /migrate deploy/)).toEqual([]);
    expect(box.read("/etc/redis/redis.conf")).toBe(redisConf);
    // The same roles as the first host (webhook mode: web runs the bot), no Caddy, SSH and the app port from the balancer.
    expect(matching(r.calls, /^systemctl enable --now vps-shop@/)).toEqual(["web", "worker", "scheduler"].map((u) => `systemctl enable --now vps-shop@${u}`));
    expect(box.read("/etc/systemd/system/vps-shop@web.service.d/webhook.conf")).toContain('Environment="VPS_ROLES=web bot"');
    expect(matching(r.calls, /caddy/)).toEqual([]);
    expect(matching(r.calls, /^ufw allow/)).toEqual(["ufw allow 22/tcp", "ufw allow from 10.0.0.11 to any port 3000 proto tcp"]);
    expect(r.output).toContain("curl -fsS http://10.0.0.12:3000/health");

    // Re-run as after a git pull (and the copy deleted): still an app host, nothing changes.
    rerunChangesNothing(box, { VPSSHOP_MEMORY_MB: "1980" }, "app host 10.0.0.12");
  });

  it("an app host stops with the reason, and without a .env or a service, when the database is not at its migrations or the answers are wrong", () => {
    const first = sandbox();
    expect(first.run({ ...ANSWERS, VPSSHOP_MEMORY_MB: "1980" }).status).toBe(0);
    const copy = path.join(first.dir, "shop.env");
    writeFileSync(copy, first.read("/opt/vps-shop/.env"), { mode: 0o600 });
    const cases: Array<[Record<string, string>, string]> = [
      [{ VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11", SHIM_MIGRATE_STATUS_EXIT: "1" }, "the database is not at this code's migrations, or not reachable from here"],
      [{ VPSSHOP_LB_ADDRESS: "10.0.0.11" }, "DATABASE_URL in " + copy + " points at the first host's loopback (127.0.0.1): give that host's private address as VPSSHOP_PRIMARY_ADDRESS"],
      [{}, "VPSSHOP_PRIMARY_ADDRESS (the first host's private address) is required on an app host"],
      [{ VPSSHOP_PRIMARY_ADDRESS: "10.0.0" }, "'10.0.0' is not an IPv4 address"],
      [{ VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11", VPSSHOP_JOIN_ENV: "/nonexistent/shop.env" }, "VPSSHOP_JOIN_ENV=/nonexistent/shop.env: no such file"],
      [{ VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11", VPSSHOP_PRIVATE_ADDRESS: "" }, "VPSSHOP_PRIVATE_ADDRESS is required with several hosts"],
      [{ VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11", SHIM_ADDRESSES: "10.0.0.99" }, "VPSSHOP_PRIVATE_ADDRESS=10.0.0.12 is not an address of this machine"],
    ];
    for (const [extra, message] of cases) {
      const box = sandbox();
      const r = box.run({ VPSSHOP_MEMORY_MB: "1980", VPSSHOP_JOIN_ENV: copy, VPSSHOP_PRIVATE_ADDRESS: "10.0.0.12", ...extra });
      expect(r.status, r.output).toBe(1);
      expect(r.output).toContain(message);
      expect(matching(r.calls, /^systemctl enable/)).toEqual([]);
      if (!extra.SHIM_MIGRATE_STATUS_EXIT) expect(existsSync(box.file("/opt/vps-shop/.env")), message).toBe(false);
    }
    const notEnv = path.join(first.dir, "other.env");
    writeFileSync(notEnv, "TELEGRAM_BOT_TOKEN=1:x\nDATABASE_URL=postgresql://a@10.0.0.11/x\nREDIS_URL=redis://10.0.0.11\n");
    const r = sandbox().run({ VPSSHOP_MEMORY_MB: "1980", VPSSHOP_JOIN_ENV: notEnv, VPSSHOP_PRIVATE_ADDRESS: "10.0.0.12", VPSSHOP_PRIMARY_ADDRESS: "10.0.0.11" });
    expect(r.status).toBe(1);
    expect(r.output).toContain("has no DATA_ENCRYPTION_KEY: it must be the first host's /opt/vps-shop/.env");
  });
});
