/**
 * Applying the checkout's migrations to a restored database, as `npm run db:migrate` does, so
 * a backup taken by an older version comes up on the schema this code expects.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../platform/paths.js";

/** `prisma migrate deploy` against `databaseUrl`; resolves with whether it succeeded and its last output. */
export function migrateDeploy(databaseUrl: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, "db", "prisma-cli.mjs"), "migrate", "deploy"], {
      cwd: projectRoot,
      // db/prisma-cli.mjs prefers DATABASE_DIRECT_URL: the target must win over the service's own.
      env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_DIRECT_URL: databaseUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => resolve({ ok: false, output: err.message }));
    child.on("close", (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

/** Whether this checkout has migration `name` (a backup made by a newer version does not restore onto older code). */
export function hasMigration(name: string): boolean {
  return existsSync(join(projectRoot, "db", "migrations", name, "migration.sql"));
}
