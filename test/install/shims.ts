/**
 * A sandbox for running ops/install.sh without touching the machine: INSTALL_ROOT points every
 * file the script writes into a temporary directory, and a PATH of stand-ins replaces the
 * commands that would change the system (apt-get, dpkg-query, apt-cache, systemctl, ufw,
 * useradd, getent, chown, runuser, psql, npm, node, curl, gpg) or that read it (ip). Each stand-in appends its
 * command line to calls.log and keeps what it "did" in state/ (packages installed, units
 * enabled, firewall rules, the PostgreSQL role), so a second run sees the first run's effects
 * the way the real commands would show them. Everything else (rsync, sed, install, sha256sum…)
 * is the real tool.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

const SHIMS: Record<string, string> = {
  "apt-get": `log "$@"
if [[ "$1" == install ]]; then for a in "$@"; do [[ "$a" == -* || "$a" == install ]] || touch "$STATE/pkg/$a"; done; fi`,
  "dpkg-query": `pkg="\${*: -1}"; [[ -e "$STATE/pkg/$pkg" ]] || exit 1; printf 'install ok installed'`,
  "apt-cache": `log "$@"; printf 'nodejs:\\n  Installed: (none)\\n  Candidate: %s\\n' "\${SHIM_NODEJS_CANDIDATE:-18.19.1+dfsg-6ubuntu5}"`,
  node: `if [[ "$1" == --version ]]; then
  if [[ -e "$STATE/pkg/nodejs" || -z "\${SHIM_NO_NODE:-}" ]]; then echo v20.19.2; else exit 127; fi
else log "$@"; [[ "$*" != *"migrate status"* ]] || exit "\${SHIM_MIGRATE_STATUS_EXIT:-0}"; fi`,
  systemctl: `log "$@"
args=(); for a in "$@"; do [[ "$a" == --* ]] || args+=("$a"); done
case "\${args[0]}" in
  is-enabled|is-active) [[ -e "$STATE/units/\${args[1]}" ]] ;;
  enable) for u in "\${args[@]:1}"; do touch "$STATE/units/$u"; done ;;
  disable) for u in "\${args[@]:1}"; do rm -f "$STATE/units/$u"; done ;;
esac`,
  ufw: `log "$@"
case "$1" in
  show) echo "Added user rules (see 'ufw status' for running firewall):"; cat "$STATE/ufw-rules" 2>/dev/null ;;
  allow) echo "ufw $*" >>"$STATE/ufw-rules" ;;
  status) if [[ -e "$STATE/ufw-on" ]]; then echo "Status: active"; else echo "Status: inactive"; fi ;;
  --force) touch "$STATE/ufw-on" ;;
esac`,
  // The machine's IPv4 addresses (\`ip -4 -o addr show\`): SHIM_ADDRESSES, else loopback and the test network's three hosts.
  ip: `n=1; for a in 127.0.0.1 \${SHIM_ADDRESSES:-10.0.0.11 10.0.0.12 10.0.0.13}; do printf '%s: eth0    inet %s/24 brd 10.0.0.255 scope global eth0\\n' "$n" "$a"; n=$((n + 1)); done`,
  getent: `[[ "$1" == passwd && -e "$STATE/user-$2" ]] && echo "$2:x:999:999::/opt/vps-shop:/usr/sbin/nologin"`,
  useradd: `log "$@"; touch "$STATE/user-\${*: -1}"`,
  chown: `log "$@"`,
  runuser: `while [[ "$1" != -- ]]; do shift; done; shift; exec "$@"`,
  psql: `if [[ "$1" == -tAc ]]; then sql="$2"; else sql="$(cat)"; fi; log "$@" "$sql"
case "$sql" in
  *"FROM pg_roles"*) [[ -e "$STATE/pg-role" ]] && echo 1 ;;
  *"FROM pg_database"*) [[ -e "$STATE/pg-db" ]] && echo 1 ;;
  "CREATE ROLE"*) touch "$STATE/pg-role" ;;
  "CREATE DATABASE"*) touch "$STATE/pg-db" ;;
esac; true`,
  npm: `log "$@"
case "$*" in
  ci*) mkdir -p node_modules ;;
  "run build") mkdir -p dist/ops && touch dist/ops/main.js ;;
  *doctor*) echo "doctor: 0 FAIL" ;;
esac`,
  curl: `log "$@"; echo "-----BEGIN PGP PUBLIC KEY BLOCK-----"`,
  gpg: `log "$@"; out=""; while [[ $# -gt 0 ]]; do [[ "$1" == -o ]] && out="$2"; shift; done; cat >"$out"`,
};

export interface Sandbox {
  dir: string;
  /** The sandbox's "/" (INSTALL_ROOT). */
  root: string;
  /** Where the script runs from (a snapshot of what it installs). */
  src: string;
  /** A file under the sandbox's "/". */
  file(p: string): string;
  read(p: string): string;
  /** Runs ops/install.sh; returns its exit code, output and the commands it ran. */
  run(env: Record<string, string>): { status: number | null; output: string; calls: string[] };
  /** sha256 of every file under the sandbox's "/" (the state of the "machine"). */
  snapshot(): Map<string, string>;
  remove(): void;
}

/** A fresh Debian 12 in a directory: os-release, redis.conf, PostgreSQL's config and Caddy's default Caddyfile as the packages leave them. */
export function createSandbox(): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vpsshop-install-"));
  const root = path.join(dir, "root");
  const bin = path.join(dir, "bin");
  const state = path.join(dir, "state");
  const src = path.join(dir, "src");
  for (const d of [root, bin, state, path.join(state, "pkg"), path.join(state, "units"), src]) mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries(SHIMS)) {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/usr/bin/env bash\nlog() { printf '%s\\n' "${name} $*" >>"$SHIM_LOG"; }\n${body}\n`);
    chmodSync(file, 0o755);
  }
  // The app: the script and the files it installs from (a snapshot, so a tree being edited elsewhere cannot change between runs).
  for (const p of ["ops/install.sh", "ops/systemd", "ops/logrotate", "ops/caddy", "package-lock.json"]) cpSync(path.join(ROOT, p), path.join(src, p), { recursive: true });
  writeFileSync(path.join(src, "package.json"), JSON.stringify({ name: "vps-shop-bot", scripts: { doctor: "tsx ops/cli/doctor.ts" } }, null, 2));
  const put = (p: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), text);
  };
  put("/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
  put("/etc/redis/redis.conf", "bind 127.0.0.1 -::1\nport 6379\n# maxmemory-policy noeviction\nappendonly no\nappendfilename \"appendonly.aof\"\n");
  put("/etc/caddy/Caddyfile", ":80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n");
  put("/etc/postgresql/15/main/pg_hba.conf", "local   all             postgres                                peer\nhost    all             all             127.0.0.1/32            scram-sha-256\n");
  put("/etc/postgresql/15/main/postgresql.conf", "include_dir = 'conf.d'\nport = 5432\n");
  mkdirSync(path.join(root, "/etc/postgresql/15/main/conf.d"), { recursive: true });
  const log = path.join(dir, "calls.log");
  return {
    dir,
    root,
    src,
    file: (p) => path.join(root, p),
    read: (p) => readFileSync(path.join(root, p), "utf8"),
    run(env) {
      writeFileSync(log, "");
      const r = spawnSync("bash", [path.join(src, "ops/install.sh")], {
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, INSTALL_ROOT: root, SHIM_LOG: log, STATE: state, VPSSHOP_NONINTERACTIVE: "1", ...env },
        encoding: "utf8",
        timeout: 60_000,
        stdio: ["ignore", "pipe", "pipe"],
      });
      return { status: r.status, output: `${r.stdout}${r.stderr}`, calls: readFileSync(log, "utf8").split("\n").filter(Boolean) };
    },
    snapshot() {
      const out = new Map<string, string>();
      const walk = (d: string) => {
        for (const name of readdirSync(d)) {
          const p = path.join(d, name);
          if (statSync(p).isDirectory()) walk(p);
          else out.set(path.relative(root, p), createHash("sha256").update(readFileSync(p)).digest("hex") + ` ${statSync(p).mode.toString(8)}`);
        }
      };
      walk(root);
      return out;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
