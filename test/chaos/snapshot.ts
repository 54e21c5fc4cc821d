/**
 * A copy of the service's source taken when the run starts, which every role process (and every
 * restart of one) runs from. Why: a run restarts roles dozens of times over several minutes; in a
 * working tree someone is editing, later restarts would otherwise run other code than the first
 * ones (or fail on a file moved half-way), and the run would measure a mix.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../shop/platform/paths.js";

const SOURCE = ["bot", "webhooks", "jobs", "db", "ops", "shop", "package.json", "tsconfig.json"];

export interface SourceSnapshot {
  root: string;
  /** The entry point the roles run: `<root>/ops/main.ts`. */
  mainTs: string;
  remove(): void;
}

export function snapshotSource(): SourceSnapshot {
  const root = mkdtempSync(path.join(os.tmpdir(), "vpsbot-chaos-src-"));
  for (const entry of SOURCE) {
    const from = path.join(projectRoot, entry);
    if (existsSync(from)) cpSync(from, path.join(root, entry), { recursive: true });
  }
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  return { root, mainTs: path.join(root, "ops", "main.ts"), remove: () => rmSync(root, { recursive: true, force: true }) };
}
