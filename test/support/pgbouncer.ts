/**
 * A real PgBouncer (Debian's /usr/sbin/pgbouncer) started from the shipped
 * ops/pgbouncer/pgbouncer.ini.example: the same pool mode, pool sizes, connect_query and
 * timeouts; only what belongs to this machine is replaced (port, paths, trust auth for the
 * test server's `postgres` user, and optionally client-side TLS with a throwaway CA). A key
 * the file no longer has fails the start, so the example cannot drift from what is tested.
 *
 * `fallback: true` adds PgBouncer's `* =` entry: any database name a client asks for is served
 * from the same server with the same connect_query (each test file's cloned database).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort, waitFor } from "../../ops/demo/local-services.js";
import type { TestCerts } from "./tls-certs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PGBOUNCER_INI_EXAMPLE = path.join(root, "ops/pgbouncer/pgbouncer.ini.example");

export interface RunningPgBouncer {
  port: number;
  /** The app's URL of database `name` through PgBouncer (`?pgbouncer=true`, TLS verify-full when started with certs). */
  url(name: string): string;
  /** One simple-protocol query on the admin console (`SHOW STATS`, `SHOW POOLS`…). */
  admin<T extends pg.QueryResultRow>(sql: string): Promise<T[]>;
  log(): string;
  stop(): Promise<void>;
}

/** Sets `key = value` in `section`, uncommenting `;key = …` if need be; throws if the example has no such key. */
function setKey(lines: string[], section: string, key: string, value: string): void {
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const header = /^\[(.+)\]\s*$/.exec(lines[i]!);
    if (header) current = header[1]!;
    else if (current === section && new RegExp(`^;?${key}\\s*=`).test(lines[i]!)) {
      lines[i] = `${key} = ${value}`;
      return;
    }
  }
  throw new Error(`${PGBOUNCER_INI_EXAMPLE} has no ${key} in [${section}]: update test/support/pgbouncer.ts with the example`);
}

/** The shipped [databases] entry pointed at `host:port`, as `name = …` (name `*` drops dbname: the client's is used). */
function databaseEntry(lines: string[], name: string, host: string, port: number): string {
  const entry = lines.find((l) => /^vps_shop\s*=/.test(l));
  if (!entry) throw new Error(`${PGBOUNCER_INI_EXAMPLE} has no vps_shop entry in [databases]`);
  let connstr = entry.replace(/^vps_shop\s*=\s*/, "").replace(/\bhost=\S+/, `host=${host}`).replace(/\bport=\S+/, `port=${port}`);
  if (name === "*") connstr = connstr.replace(/\bdbname=\S+\s*/, "");
  return `${name} = ${connstr}`;
}

function runAsUser(): string | undefined {
  // PgBouncer refuses to run as root; `-u` makes it drop to an ordinary user.
  if (process.getuid?.() !== 0) return undefined;
  return spawnSync("id", ["-u", "nobody"]).status === 0 ? "nobody" : undefined;
}

export async function startPgBouncer(opts: { serverUrl: string; certs?: TestCerts; fallback?: boolean }): Promise<RunningPgBouncer> {
  const server = new URL(opts.serverUrl);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "vps-pgbouncer-"));
  const user = runAsUser();
  if (user) {
    const uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const lines = readFileSync(PGBOUNCER_INI_EXAMPLE, "utf8").split("\n");
  const set = (key: string, value: string) => setKey(lines, "pgbouncer", key, value);
  set("listen_addr", "127.0.0.1");
  set("listen_port", String(port));
  set("unix_socket_dir", "");
  set("logfile", path.join(dir, "pgbouncer.log"));
  set("pidfile", path.join(dir, "pgbouncer.pid"));
  set("auth_type", "trust");
  set("auth_file", path.join(dir, "userlist.txt"));
  set("admin_users", decodeURIComponent(server.username) || "postgres");
  if (opts.certs) {
    set("client_tls_sslmode", "require");
    set("client_tls_key_file", opts.certs.keyFile);
    set("client_tls_cert_file", opts.certs.certFile);
    set("client_tls_ca_file", opts.certs.caFile);
  }
  const dbIndex = lines.findIndex((l) => /^vps_shop\s*=/.test(l));
  const host = server.hostname || "127.0.0.1";
  const serverPort = Number(server.port || 5432);
  lines[dbIndex] = [databaseEntry(lines, "vps_shop", host, serverPort), ...(opts.fallback ? [databaseEntry(lines, "*", host, serverPort)] : [])].join("\n");
  writeFileSync(path.join(dir, "pgbouncer.ini"), lines.join("\n"), { mode: 0o644 });
  writeFileSync(path.join(dir, "userlist.txt"), `"${decodeURIComponent(server.username) || "postgres"}" ""\n`, { mode: 0o644 });

  const binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].find((b) => existsSync(b)) ?? "pgbouncer";
  const child: ChildProcess = spawn(binary, [...(user ? ["-u", user] : []), path.join(dir, "pgbouncer.ini")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const tls = opts.certs ? `&sslmode=verify-full&sslrootcert=${encodeURIComponent(opts.certs.caFile)}` : "";
  const userPart = server.username ? `${server.username}@` : "postgres@";
  const url = (name: string) => `postgresql://${userPart}127.0.0.1:${port}/${encodeURIComponent(name)}?pgbouncer=true${tls}`;
  const admin = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
    // pg ignores the pgbouncer flag; the admin console speaks only the simple query protocol, which pg uses for a query without values.
    const client = new pg.Client({ connectionString: url("pgbouncer"), connectionTimeoutMillis: 3_000 });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const log = () => {
    try {
      return readFileSync(path.join(dir, "pgbouncer.log"), "utf8");
    } catch {
      return stderr;
    }
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${stderr || log()}`);
        return admin("SHOW VERSION").then(
          () => true,
          () => false,
        );
      },
      "pgbouncer",
      20_000,
    );
  } catch (err) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url,
    admin,
    log,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
