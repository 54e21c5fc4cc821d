#!/usr/bin/env node
/**
 * Generates the Prisma client (db/generated/, gitignored) when it is missing or older than
 * db/schema.prisma or package-lock.json (a Prisma upgrade), and does nothing otherwise.
 *
 * Why: a fresh clone has no client, and every script that imports db/client.ts (seed, bench,
 * build, typecheck, demo) failed there with ERR_MODULE_NOT_FOUND db/generated/client.js. Each of
 * those scripts runs this first (`pre<script>` in package.json); the check costs milliseconds,
 * a generation a few seconds. `npm run db:generate` always generates.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runPrisma } from "./prisma-cli.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Whether db/generated is missing or older than what it is generated from. */
export function clientIsStale() {
  const generated = join(root, "db", "generated", "client.ts");
  if (!existsSync(generated)) return true;
  const builtAt = statSync(generated).mtimeMs;
  return [join(root, "db", "schema.prisma"), join(root, "package-lock.json")].some((source) => existsSync(source) && statSync(source).mtimeMs > builtAt);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = clientIsStale() ? (await runPrisma(["generate"])).code : 0;
  process.exit(code);
}
