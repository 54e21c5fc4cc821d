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
 * DATABASE_URL comes from the environment (default: the local development database).
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vps_shop";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

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
    DATABASE_URL: base.DATABASE_URL || DEFAULT_DATABASE_URL,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
}

// Prisma 6.19 bug: `migrate dev --create-only` frees the wasm schema engine twice (an early
// `return await stop()` inside a `try` whose `finally` calls `stop()` again), so after
// writing the migration file it fails with "Error: null pointer passed to rust", exit 1.
// The migration was created; we recognise exactly that case and exit 0.
const CREATE_ONLY_DOUBLE_FREE = "null pointer passed to rust";

function main(args) {
  const require = createRequire(join(root, "package.json"));
  const cli = require.resolve("prisma/build/index.js");
  const createOnly = args.includes("--create-only");
  const child = spawn(process.execPath, [cli, ...args, "--config", join("db", "prisma.config.ts")], {
    cwd: root,
    env: prismaCliEnv(),
    stdio: ["inherit", "inherit", createOnly ? "pipe" : "inherit"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("close", (code, signal) => {
    if (signal) {
      process.kill(process.pid, signal);
      return;
    }
    if (createOnly && code === 1 && /^Error: null pointer passed to rust\s*$/m.test(stderr) && stderr.trimEnd().endsWith(CREATE_ONLY_DOUBLE_FREE)) {
      process.stderr.write("(prisma-cli.mjs: ignoring Prisma's known double-free after --create-only; the migration was written.)\n");
      process.exit(0);
    }
    process.exit(code ?? 1);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
