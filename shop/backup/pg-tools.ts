/**
 * Running pg_dump / pg_restore against a postgresql:// URL.
 *
 * The password goes through PGPASSWORD, not the command line (where `ps` would show it), and
 * query parameters libpq does not know (Prisma's `schema`, `connection_limit`, pg's
 * `uselibpqcompat`…) are dropped, since libpq refuses a URL carrying them.
 */
import { spawn } from "node:child_process";

const LIBPQ_PARAMS = new Set(["sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "connect_timeout", "application_name", "options", "target_session_attrs", "host", "port", "user", "dbname", "gssencmode", "channel_binding"]);

/**
 * Values pg accepts that libpq refuses ("invalid sslmode value"), as libpq's nearest equivalent:
 * pg's `no-verify` encrypts without checking the certificate, which is libpq's `require` (libpq
 * still checks it when a CA is given, by sslrootcert or ~/.postgresql/root.crt).
 */
const LIBPQ_VALUES: Record<string, Record<string, string>> = { sslmode: { "no-verify": "require" } };

/** The URL libpq tools accept, and the environment carrying its password. */
export function libpqTarget(databaseUrl: string): { url: string; env: Record<string, string> } {
  const u = new URL(databaseUrl);
  const password = decodeURIComponent(u.password);
  u.password = "";
  // Written out by hand: URLSearchParams would write a space as "+", which libpq reads literally
  // (a CA file under "/etc/our ca/" would not be found); libpq decodes only %XX.
  const kept = [...u.searchParams].filter(([key]) => LIBPQ_PARAMS.has(key));
  u.search = kept.map(([key, value]) => `${key}=${encodeURIComponent(LIBPQ_VALUES[key]?.[value] ?? value)}`).join("&");
  return { url: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** The name of the database a URL points at. */
export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}

/** `databaseUrl` pointed at another database on the same server. */
export function withDatabase(databaseUrl: string, name: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** Runs a PostgreSQL client tool to its end; rejects with its last stderr lines on failure. */
export function runPgTool(tool: "pg_dump" | "pg_restore", args: string[], databaseUrl: string): Promise<void> {
  const target = libpqTarget(databaseUrl);
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...args, `--dbname=${target.url}`], { env: { ...process.env, ...target.env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "ENOENT" ? new Error(`${tool} is not installed: apt-get install -y postgresql-client (version 15 or newer, at least the server's)`) : err);
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-5).join(" | ") || "no output"}`));
    });
  });
}
