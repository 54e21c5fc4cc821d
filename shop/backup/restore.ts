/**
 * `restoreBackup`: from parts + manifest to a running database and DATA_DIR, proving the result.
 *
 * Order matters: every check that can refuse (parts present and unaltered, the key opens the
 * backup, the target empty or `allowNonEmpty`, the whole payload decrypts and matches its
 * index) runs before the target database or DATA_DIR is touched. The decrypted payload goes to
 * a staging folder next to DATA_DIR and is removed at the end, whatever happens.
 */
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { unpackArchive, type ArchiveEntry } from "./archive.js";
import { compareSums, renderComparison, type TableComparison } from "./checksums.js";
import { openDataKey, parseBackupKey, wipe } from "./keys.js";
import { BackupRefusedError, expandFiles, findManifest, verifyParts, type BackupManifest } from "./manifest.js";
import { hasMigration, migrateDeploy } from "./migrate.js";
import { readParts } from "./parts.js";
import { databaseName, runPgTool } from "./pg-tools.js";
import { decryptStream } from "./secretstream.js";
import { countFiles, databaseSums, forgetOldProcesses, resetPublicSchema, targetContents } from "./target.js";

export interface RestoreOptions {
  /** Parts and manifest, or folders holding them. */
  files: string[];
  /** The owner's secret key (base64, or a key file's text). */
  secretKey: string | Uint8Array;
  targetUrl: string;
  dataDir: string;
  /** Replace a target that already holds data (`--force`). */
  allowNonEmpty?: boolean;
  /** Only verify and decrypt (the owner's test decrypt); touch nothing. */
  verifyOnly?: boolean;
  /** Run the checkout's migrations afterwards (default true). */
  migrate?: boolean;
  log?: (line: string) => void;
}

export interface RestoreReport {
  ok: boolean;
  backupId: string;
  manifest: BackupManifest;
  verifyOnly: boolean;
  tables: TableComparison[];
  blobs: { expected: number; restored: number; ok: boolean };
  migrations?: { ok: boolean; output: string };
  /** The manifest comparison, printable. */
  text: string;
}

/** Moves the unpacked blobs into DATA_DIR, replacing files of the same name. */
async function placeBlobs(stagedData: string, dataDir: string): Promise<number> {
  const entries = await readdir(stagedData, { recursive: true, withFileTypes: true }).catch(() => []);
  let n = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const from = join(entry.parentPath, entry.name);
    const to = join(dataDir, relative(stagedData, from));
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "EXDEV") throw err;
      await copyFile(from, to);
    });
    n++;
  }
  return n;
}

async function refuseNonEmpty(targetUrl: string, dataDir: string): Promise<void> {
  const db = await targetContents(targetUrl);
  const files = await countFiles(dataDir);
  const problems: string[] = [];
  if (db.withRows.length > 0) problems.push(`the database ${databaseName(targetUrl)} already holds data (${db.withRows.slice(0, 5).join(", ")}${db.withRows.length > 5 ? ", …" : ""})`);
  if (files > 0) problems.push(`DATA_DIR ${resolve(dataDir)} already holds ${files} file(s)`);
  if (problems.length > 0) throw new BackupRefusedError(`refusing to restore over existing data: ${problems.join("; ")}. Restore into an empty database and folder, or pass --force to replace them. Nothing was changed.`);
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreReport> {
  const log = opts.log ?? (() => undefined);
  const files = await expandFiles(opts.files);
  const { manifest } = await findManifest(files);
  log(`backup ${manifest.id} of ${manifest.createdAt} (service ${manifest.serviceVersion}, ${manifest.parts.length} part(s))`);
  const partPaths = await verifyParts(manifest, files);
  log(`parts verified: ${manifest.parts.length} of ${manifest.parts.length}, SHA-256 equal to the manifest`);
  const dataKey = await openDataKey(Buffer.from(manifest.encryption.sealedKey, "base64"), parseBackupKey(opts.secretKey, "the secret key"), manifest.encryption.recipient);
  const verifyOnly = opts.verifyOnly === true;
  if (!verifyOnly && opts.migrate !== false && manifest.lastMigration && !hasMigration(manifest.lastMigration)) {
    throw new BackupRefusedError(`backup ${manifest.id} was made by a newer version (service ${manifest.serviceVersion}, migration ${manifest.lastMigration}, which this checkout does not have): restore with that version or newer. Nothing was changed.`);
  }
  if (!verifyOnly && !opts.allowNonEmpty) await refuseNonEmpty(opts.targetUrl, opts.dataDir);

  const staging = verifyOnly ? null : await mkdtemp(join(dirname(resolve(opts.dataDir)), ".restore-"));
  try {
    let index: ArchiveEntry[];
    try {
      index = await unpackArchive(readParts(partPaths).pipe(decryptStream(dataKey)), staging);
    } catch (err) {
      throw new BackupRefusedError(`backup ${manifest.id} does not decrypt: ${(err as Error).message}. Nothing was changed.`);
    } finally {
      wipe(dataKey);
    }
    const blobEntries = index.filter((e) => e.name.startsWith("data/"));
    log(`decrypted: ${index.length} file(s), every one equal to the archive's index`);
    if (verifyOnly) {
      const blobsOk = blobEntries.length === manifest.blobs.count;
      const text = `test decrypt of ${manifest.id}: ${blobsOk ? "OK" : "blob count differs"} (${index.length} files, database dump ${index.find((e) => e.name === "db.dump")?.size ?? 0} bytes)`;
      return { ok: blobsOk, backupId: manifest.id, manifest, verifyOnly, tables: [], blobs: { expected: manifest.blobs.count, restored: blobEntries.length, ok: blobsOk }, text };
    }

    const target = await targetContents(opts.targetUrl);
    if (target.tables.length > 0) {
      log(`clearing the public schema of ${databaseName(opts.targetUrl)} (${target.tables.length} table(s))`);
      await resetPublicSchema(opts.targetUrl);
    }
    log("pg_restore …");
    await runPgTool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", `--jobs=${Math.max(1, Math.min(4, cpus().length))}`, join(staging!, "db.dump")], opts.targetUrl);
    const placed = await placeBlobs(join(staging!, "data"), opts.dataDir);
    log(`blobs restored into ${resolve(opts.dataDir)}: ${placed}`);

    // Sums before migrations: a newer schema may add columns, which changes a row's text.
    const tables = compareSums(manifest.tables, await databaseSums(opts.targetUrl, Object.keys(manifest.tables)));
    const blobs = { expected: manifest.blobs.count, restored: placed, ok: placed === manifest.blobs.count };
    await forgetOldProcesses(opts.targetUrl);
    const migrations = opts.migrate === false ? undefined : await migrateDeploy(opts.targetUrl);
    const ok = tables.every((t) => t.ok) && blobs.ok && (migrations?.ok ?? true);
    const extra = [{ what: "blobs (DATA_DIR)", expected: String(blobs.expected), actual: String(blobs.restored), ok: blobs.ok }];
    const lines = [
      `backup ${manifest.id}, made ${manifest.createdAt} by version ${manifest.serviceVersion}, last migration ${manifest.lastMigration ?? "none"}`,
      renderComparison(tables, extra),
      ...(migrations ? [`migrations: ${migrations.ok ? "applied (npm run db:migrate) ✓" : `FAILED ✗\n${migrations.output}`}`] : []),
      ok ? "RESTORE OK: every count and checksum equals the manifest" : "RESTORE MISMATCH: see the ✗ lines above",
    ];
    return { ok, backupId: manifest.id, manifest, verifyOnly, tables, blobs, ...(migrations ? { migrations } : {}), text: lines.join("\n") };
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

