/**
 * `runDrill`: restore the latest backup into a scratch database (vps_drill_…), compare counts
 * and checksums with its manifest, drop the scratch database whatever happens, record a DRILL run.
 *
 * Why the drill normally restores the plaintext dump the latest backup left for it, not the
 * encrypted parts: decrypting needs the owner's secret key, and a server holding that key could
 * read every old backup, which is what the encryption is for. So the proof comes in three parts:
 *   1. the drill (here, on the server): the dump the backup encrypted restores, and equals the
 *      manifest's counts and checksums; the plaintext copy is deleted after the drill;
 *   2. the test decrypt at creation (create.ts): the parts on disk decrypt, with that backup's
 *      data key, to exactly the payload that was packed;
 *   3. the owner's `npm run restore -- --verify-only` where the secret key lives: the key opens
 *      the sealed data key (recorded as a VERIFY run when it can reach the database).
 * Only on a host the owner set up for drills, with BACKUP_SECRET_KEY, does the drill restore the
 * encrypted parts themselves (all three at once). See ops/RUNBOOK.md, "Restore drill".
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrismaClient } from "../../db/client.js";
import { LeaseBusyError, withLease } from "../leases.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import { compareSums, renderComparison, type TableComparison } from "./checksums.js";
import { drillDir } from "./create.js";
import { manifestName, readManifest } from "./manifest.js";
import { partName } from "./parts.js";
import { runPgTool, withDatabase } from "./pg-tools.js";
import { restoreBackup } from "./restore.js";
import { listLocalBackups } from "./retention.js";
import { finishRun, startRun, updateRun } from "./runs.js";
import { adminQuery, databaseSums } from "./target.js";

export interface DrillDeps {
  prisma: PrismaClient;
  config: Config;
  logger: Logger;
  trigger?: string;
}

export interface DrillResult {
  ok: boolean;
  runId: number;
  backupId?: string;
  /** "parts": decrypted the encrypted parts (drill host); "dump": restored the latest backup's plaintext dump. */
  mode?: "parts" | "dump";
  durationMs: number;
  tables: TableComparison[];
  /** The comparison table, or why the drill failed. */
  text: string;
  error?: string;
}

export class DrillAlreadyRunningError extends Error {
  constructor() {
    super("a restore drill is already running");
    this.name = "DrillAlreadyRunningError";
  }
}

async function drillFromDump(config: Config, scratchUrl: string): Promise<{ backupId: string; tables: TableComparison[]; text: string }> {
  const dir = drillDir(config.backup.dir);
  const dump = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".dump")).sort().pop();
  if (!dump) throw new Error("no fresh backup to drill: each backup leaves its dump for one drill, and the latest one was drilled already (or no backup ran yet); run a backup first");
  const backupId = dump.slice(0, -".dump".length);
  try {
    const manifest = await readManifest(join(config.backup.dir, manifestName(backupId)));
    await runPgTool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2", join(dir, dump)], scratchUrl);
    const tables = compareSums(manifest.tables, await databaseSums(scratchUrl, Object.keys(manifest.tables)));
    return { backupId, tables, text: renderComparison(tables) };
  } finally {
    await rm(join(dir, dump), { force: true });
  }
}

async function drillFromParts(config: Config, secretKey: Uint8Array, scratchUrl: string): Promise<{ backupId: string; tables: TableComparison[]; text: string }> {
  const latest = (await listLocalBackups(config.backup.dir)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  if (!latest) throw new Error(`no backup in ${config.backup.dir} to drill`);
  const manifest = await readManifest(join(config.backup.dir, manifestName(latest.id)));
  const dataDir = await mkdtemp(join(tmpdir(), "vps-drill-data-"));
  try {
    const files = [join(config.backup.dir, manifestName(latest.id)), ...manifest.parts.map((_, i) => join(config.backup.dir, partName(latest.id, i)))];
    const report = await restoreBackup({ files, secretKey, targetUrl: scratchUrl, dataDir, migrate: false });
    return { backupId: latest.id, tables: report.tables, text: report.text };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runDrill(deps: DrillDeps): Promise<DrillResult> {
  try {
    return await withLease(deps.prisma, "backup-drill", 10 * 60_000, () => drillUnderLease(deps));
  } catch (err) {
    if (err instanceof LeaseBusyError) throw new DrillAlreadyRunningError();
    throw err;
  }
}

async function drillUnderLease(deps: DrillDeps): Promise<DrillResult> {
  const { prisma, config, logger } = deps;
  const started = Date.now();
  const runId = await startRun(prisma, { kind: "DRILL", trigger: deps.trigger ?? "schedule" });
  const scratch = `vps_drill_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const mode = config.backup.secretKey ? "parts" : "dump";
  let outcome: { backupId: string; tables: TableComparison[]; text: string } | undefined;
  let error: string | undefined;
  try {
    // Direct (DATABASE_DIRECT_URL): pg_restore and a database PgBouncer does not know.
    await adminQuery(config.databaseDirectUrl, `CREATE DATABASE "${scratch}"`);
    const scratchUrl = withDatabase(config.databaseDirectUrl, scratch);
    outcome = config.backup.secretKey ? await drillFromParts(config, config.backup.secretKey, scratchUrl) : await drillFromDump(config, scratchUrl);
    if (!outcome.tables.every((t) => t.ok)) error = "restored data differs from the manifest";
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await adminQuery(config.databaseDirectUrl, `DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`).catch((err: unknown) => logger.error({ err, scratch }, "could not drop the drill's scratch database"));
  }
  const durationMs = Date.now() - started;
  const ok = error === undefined;
  if (outcome) await updateRun(prisma, runId, { backupId: outcome.backupId, manifest: { tables: outcome.tables, mode } });
  await finishRun(prisma, runId, ok ? { ok: true } : { ok: false, error: error! });
  logger[ok ? "info" : "error"]({ backupId: outcome?.backupId, durationMs, mode, error }, ok ? "restore drill OK" : "restore drill failed");
  return {
    ok,
    runId,
    ...(outcome ? { backupId: outcome.backupId } : {}),
    mode,
    durationMs,
    tables: outcome?.tables ?? [],
    text: outcome ? `${outcome.text}${error ? `\n${error}` : ""}` : error!,
    ...(error ? { error } : {}),
  };
}
