#!/usr/bin/env node
/**
 * Copies a canonical SQL file of db/sql/ into a migration:
 *
 *   node db/sql/copy-into-migration.mjs db/migrations/<timestamp>_<name> [settle_payment.sql]
 *
 * The copy sits between `-- >>> db/sql/<file>` and `-- <<< db/sql/<file>` in the migration's
 * migration.sql: replaced there when present, appended otherwise. Why a copy: a migration is
 * applied once and checksummed, so it must hold the SQL as it was; the canonical file is where
 * the function is read and edited. test/shop/settle-sql.test.ts checks the two agree.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The migration text with `file`'s current contents between its markers. */
export function withCanonicalCopy(migrationSql, file, contents) {
  const begin = `-- >>> db/sql/${file}`;
  const end = `-- <<< db/sql/${file}`;
  const block = `${begin}\n${contents.trimEnd()}\n${end}\n`;
  const from = migrationSql.indexOf(begin);
  if (from === -1) return `${migrationSql.trimEnd()}${migrationSql.trim() ? "\n\n" : ""}${block}`;
  const to = migrationSql.indexOf(end, from);
  if (to === -1) throw new Error(`"${begin}" without "${end}"`);
  return migrationSql.slice(0, from) + block + migrationSql.slice(to + end.length).replace(/^\n/, "");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, file = "settle_payment.sql"] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node db/sql/copy-into-migration.mjs db/migrations/<timestamp>_<name> [file.sql]");
    process.exit(2);
  }
  const target = join(resolve(dir), "migration.sql");
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  writeFileSync(target, withCanonicalCopy(current, file, readFileSync(join(here, file), "utf8")));
  console.log(`copied db/sql/${file} into ${target}`);
}
