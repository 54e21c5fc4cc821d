#!/usr/bin/env node
/**
 * Runs the project's local Prisma CLI offline: `node db/prisma-cli.mjs <prisma args…>`.
 * Use it via the npm scripts (`npm run db:generate`, `db:migrate`, `db:migrate:dev`,
 * `db:status`, or `npm run prisma -- <args>`), never `npx prisma` directly.
 *
 * Prisma 6.19 checks that native engine files exist before every command and would try to
 * download them (no internet here). With `engine: "js"` in db/prisma.config.ts the
 * WebAssembly schema engine is used and those files are never executed, so we point
 * PRISMA_QUERY_ENGINE_LIBRARY and PRISMA_SCHEMA_ENGINE_BINARY at empty placeholder files.
 * See /work/shared/notes/offline-toolchain.md.
 *
 * One extra command, `migrate-dev` (what `npm run db:migrate:dev` runs), replaces
 * `prisma migrate dev`, which fails offline whenever the database has pending migrations
 * (a fresh database, or after pulling someone else's migrations) — see migrateDev below:
 *
 *   npm run db:migrate:dev -- --name add_foo [--create-only]
 *
 * DATABASE_DIRECT_URL, else DATABASE_URL, comes from the environment (default: the local
 * development database).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vps_shop";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const migrationsDir = join(here, "migrations");

/** Creates (once) the empty placeholder engine files and returns their paths. */
export function placeholderEngineFiles() {
  const dir = join(tmpdir(), "vps-shop-prisma-placeholders");
  mkdirSync(dir, { recursive: true });
  const files = {
    PRISMA_QUERY_ENGINE_LIBRARY: join(dir, "libquery_engine-placeholder.so.node"),
    PRISMA_SCHEMA_ENGINE_BINARY: join(dir, "schema-engine-placeholder"),
  };
  for (const file of Object.values(files)) {
    if (!existsSync(file)) writeFileSync(file, "");
  }
  return files;
}

/** Environment for a Prisma CLI child process. */
export function prismaCliEnv(base = process.env) {
  return {
    ...base,
    ...placeholderEngineFiles(),
    // Migrations take a session advisory lock, which a transaction-mode PgBouncer cannot keep:
    // DATABASE_DIRECT_URL (a direct connection) wins over DATABASE_URL.
    DATABASE_URL: base.DATABASE_DIRECT_URL || base.DATABASE_URL || DEFAULT_DATABASE_URL,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1", // no telemetry/update check over the (absent) network
  };
}

/**
 * Runs the Prisma CLI with our config. Resolves with the exit code (signals re-raised).
 * @param {string[]} args
 * @param {{ captureStderr?: boolean, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Promise<{ code: number, stderr: string }>}
 */
export function runPrisma(args, opts = {}) {
  const require = createRequire(join(root, "package.json"));
  const cli = require.resolve("prisma/build/index.js");
  const child = spawn(process.execPath, [cli, ...args, "--config", join("db", "prisma.config.ts")], {
    cwd: root,
    env: prismaCliEnv(opts.env ?? process.env),
    stdio: ["inherit", "inherit", opts.captureStderr ? "pipe" : "inherit"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      if (signal) process.kill(process.pid, signal);
      resolvePromise({ code: code ?? 1, stderr });
    });
  });
}

// Prisma 6.19 bug: `migrate dev --create-only` frees the wasm schema engine twice (an early
// `return await stop()` inside a `try` whose `finally` calls `stop()` again), so after
// writing the migration file it fails with "Error: null pointer passed to rust", exit 1.
const DOUBLE_FREE = "null pointer passed to rust";

async function passThrough(args) {
  const createOnly = args.includes("--create-only");
  const { code, stderr } = await runPrisma(args, { captureStderr: createOnly });
  if (createOnly && code === 1 && stderr.trimEnd().endsWith(`Error: ${DOUBLE_FREE}`)) {
    process.stderr.write("(prisma-cli.mjs: ignoring Prisma's known double free after --create-only; the migration was written.)\n");
    return 0;
  }
  return code;
}

function utcTimestamp(date = new Date()) {
  const p = (n) => String(n).padStart(2, "0");
  return (
    `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

function parseMigrateDevArgs(args) {
  const opts = { name: "", createOnly: false, skipGenerate: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--name" || a === "-n") opts.name = args[++i] ?? "";
    else if (a.startsWith("--name=")) opts.name = a.slice("--name=".length);
    else if (a === "--create-only") opts.createOnly = true;
    else if (a === "--skip-generate") opts.skipGenerate = true;
    else throw new Error(`migrate-dev: unknown argument ${a}`);
  }
  const slug = opts.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
  if (!slug) throw new Error("migrate-dev: --name <migration_name> is required (e.g. --name add_invoices)");
  return { ...opts, name: slug };
}

/**
 * Replacement for `prisma migrate dev`. The wasm schema engine accepts the external shadow
 * database factory only once per process; `migrate dev` needs it twice when it first has to
 * apply pending migrations ("PostgreSQL shadow DB must be provided through an external
 * factory", after having applied them). `migrate diff --from-migrations` needs it once. So:
 *   1. diff committed migrations (replayed in a shadow DB) against db/schema.prisma,
 *   2. write db/migrations/<UTC timestamp>_<name>/migration.sql (even if empty with
 *      --create-only, for hand-written SQL; otherwise nothing when in sync),
 *   3. unless --create-only: `migrate deploy` to DATABASE_URL, then `generate`.
 */
async function migrateDev(args) {
  const opts = parseMigrateDevArgs(args);
  const tmp = mkdtempSync(join(tmpdir(), "vps-shop-migrate-"));
  try {
    const out = join(tmp, "migration.sql");
    const diff = await runPrisma([
      "migrate", "diff",
      "--from-migrations", relative(root, migrationsDir),
      "--to-schema-datamodel", join("db", "schema.prisma"),
      "--script", "--exit-code", "--output", out,
    ]);
    if (diff.code !== 0 && diff.code !== 2) return diff.code;
    const empty = diff.code === 0;
    if (empty && !opts.createOnly) {
      process.stdout.write("Schema and migrations are in sync: no new migration.\n");
    } else {
      const dir = join(migrationsDir, `${utcTimestamp()}_${opts.name}`);
      mkdirSync(dir, { recursive: false });
      const sql = existsSync(out) ? readFileSync(out, "utf8") : "";
      writeFileSync(join(dir, "migration.sql"), sql.trim() ? sql : "-- This is an empty migration.\n");
      process.stdout.write(`Created ${relative(root, join(dir, "migration.sql"))}${empty ? " (empty: write your SQL)" : ""}.\n`);
      process.stdout.write("Review it: CHECK constraints, triggers and partial indexes are never generated by Prisma.\n");
    }
    if (opts.createOnly) return 0;
    const deploy = await runPrisma(["migrate", "deploy"]);
    if (deploy.code !== 0 || opts.skipGenerate) return deploy.code;
    return (await runPrisma(["generate"])).code;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(argv) {
  if (argv[0] === "migrate-dev") return migrateDev(argv.slice(1));
  return passThrough(argv);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `npm run db:migrate` after `cp .env.example .env`: the project's .env is read, as `npm start`
  // and the CLIs read it; a variable already in the environment wins.
  if (existsSync(".env")) process.loadEnvFile(".env");
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
