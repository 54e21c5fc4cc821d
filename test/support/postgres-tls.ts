/**
 * A throwaway PostgreSQL 15 cluster that accepts only TLS: the machine's own binaries
 * (/usr/lib/postgresql/15/bin), a new data folder in a temp dir, `ssl = on` with the server
 * certificate of makeTestCerts(), and a pg_hba.conf whose only entries are `hostssl … trust`
 * and `hostnossl … reject` on 127.0.0.1. Whatever connects and works went through TLS.
 * Database CLIENT_CERT_DB also wants a client certificate the test CA signed (`clientcert=verify-ca`).
 *
 * Run as root (CI), the cluster runs as the `postgres` OS user: initdb and the postmaster
 * refuse root. `log_connections` is on, so `log()` shows how every session was encrypted.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, postgresAnswers, waitFor } from "../../ops/demo/local-services.js";
import type { TestCerts } from "./tls-certs.js";

/** Connections to this database must present a client certificate signed by the test CA. */
export const CLIENT_CERT_DB = "vps_clientcert";

const BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];

export interface TlsPostgres {
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/<name>?sslmode=verify-full&sslrootcert=<CA>`: what the README tells operators to write. */
  url(name: string, caFile?: string): string;
  /** Server log (stderr of the postmaster): connection lines say `SSL enabled (protocol=…)`. */
  log(): string;
  /** Fast shutdown, then the data folder is removed. Safe to call twice. */
  stop(): Promise<void>;
}

function binary(name: string): string {
  const dir = BIN_DIRS.find((d) => existsSync(path.join(d, name)));
  if (!dir) throw new Error(`${name} not found in ${BIN_DIRS.join(", ")}: apt-get install -y postgresql-15`);
  return path.join(dir, name);
}

/** uid/gid the cluster runs as: the `postgres` OS user when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const [u, g] = [id("-u"), id("-g")];
  if (u.status !== 0 || g.status !== 0) throw new Error("running as root needs the `postgres` OS user for a private cluster (initdb refuses root)");
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export async function startTlsPostgres(certs: TestCerts): Promise<TlsPostgres> {
  const user = serverUser();
  const dir = mkdtempSync(path.join(tmpdir(), "vps-pg-tls-"));
  const data = path.join(dir, "data");
  // cwd: the server's user may not be allowed into the checkout (a root-owned home on CI).
  const as = { cwd: dir, ...(user ? { uid: user.uid, gid: user.gid } : {}) };
  let child: ChildProcess | undefined;
  let stderr = "";
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      // SIGINT is PostgreSQL's fast shutdown (sessions are ended, no waiting for clients); fsync is off.
      child.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const init = spawnSync(binary("initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"], { ...as, encoding: "utf8" });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
    // The server refuses a key readable by others or owned by another user: its own 0600 copy.
    for (const [from, to] of [[certs.certFile, "server.crt"], [certs.keyFile, "server.key"], [certs.caFile, "root.crt"]] as const) {
      const target = path.join(data, to);
      copyFileSync(from, target);
      if (user) chownSync(target, user.uid, user.gid);
    }
    chmodSync(path.join(data, "server.key"), 0o600);
    const port = await freePort();
    appendFileSync(
      path.join(data, "postgresql.conf"),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        "ssl = on",
        "ssl_cert_file = 'server.crt'",
        "ssl_key_file = 'server.key'",
        "ssl_ca_file = 'root.crt'",
        "shared_buffers = 16MB",
        "max_connections = 40",
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "log_connections = on",
        "log_destination = 'stderr'",
        "logging_collector = off",
        "",
      ].join("\n"),
    );
    // Only TLS on TCP; a plain connection is refused by name rather than by a missing entry.
    writeFileSync(
      path.join(data, "pg_hba.conf"),
      [`hostssl ${CLIENT_CERT_DB} all 127.0.0.1/32 trust clientcert=verify-ca`, "hostssl all all 127.0.0.1/32 trust", "hostnossl all all 127.0.0.1/32 reject", ""].join("\n"),
    );
    if (user) for (const f of ["postgresql.conf", "pg_hba.conf"]) chownSync(path.join(data, f), user.uid, user.gid);

    child = spawn(binary("postgres"), ["-D", data], { ...as, stdio: ["ignore", "ignore", "pipe"] });
    const running = child;
    running.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2_000_000)));
    exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    const url = (name: string, caFile = certs.caFile) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
    await waitFor(
      async () => {
        if (running.exitCode !== null || running.signalCode !== null) throw new Error(`postgres exited (${running.exitCode ?? running.signalCode}): ${stderr.slice(-2_000)}`);
        return postgresAnswers(url("postgres"));
      },
      "TLS-only postgres",
      60_000,
    );
    return { port, url, log: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
