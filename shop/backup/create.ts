/**
 * Making one backup on disk: consistent dump → archive with DATA_DIR's blobs → encrypted with
 * a fresh data key sealed to the owner → split into parts → manifest.
 *
 * Before the data key is forgotten the parts are read back and decrypted with it (the "test
 * decrypt at creation"): it proves the files on disk decrypt to exactly what was packed. What it
 * cannot prove is that the owner still holds the matching secret key; `npm run restore --
 * --verify-only` where that key lives proves that half (ops/RUNBOOK.md).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { listFiles, packArchive, unpackArchive, type ArchiveEntry } from "./archive.js";
import { keyFingerprint, newDataKey, sealDataKey, wipe } from "./keys.js";
import { MANIFEST_FORMAT, manifestName, type BackupManifest } from "./manifest.js";
import { PartWriter, readParts } from "./parts.js";
import { CHUNK_BYTES, decryptStream, encryptStream } from "./secretstream.js";
import { dumpConsistent } from "./snapshot.js";

export interface CreateBackupInput {
  databaseUrl: string;
  dataDir: string;
  /** Where the parts and the manifest are written (BACKUP_DIR). */
  outDir: string;
  publicKey: Uint8Array;
  partBytes: number;
  serviceVersion: string;
  /**
   * Keep the plaintext dump as `outDir/.drill/<id>.dump` for runDrill (older ones are removed).
   * It is the live database's copy, no more readable than the database itself, and the drill
   * deletes it once it has restored it.
   */
  keepForDrill?: boolean;
  now?: Date;
}

export interface CreatedBackup {
  manifest: BackupManifest;
  manifestPath: string;
  partPaths: string[];
  bytes: number;
}

/** Name stem of a backup: sortable by time, unique enough across hosts. */
export function newBackupId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `backup-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** The folder holding the plaintext dump of the latest backup, for the drill. */
export function drillDir(outDir: string): string {
  return join(outDir, ".drill");
}

export async function createBackup(input: CreateBackupInput): Promise<CreatedBackup> {
  const now = input.now ?? new Date();
  const id = newBackupId(now);
  const staging = join(input.outDir, ".staging", id);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  const dataKey = await newDataKey();
  try {
    const dumpPath = join(staging, "db.dump");
    const facts = await dumpConsistent(input.databaseUrl, dumpPath);
    const blobs = await listFiles(input.dataDir, "data");
    const sources = [{ name: "db.dump", path: dumpPath, size: (await stat(dumpPath)).size }, ...blobs];

    const packed: ArchiveEntry[] = [];
    const writer = new PartWriter(input.outDir, id, input.partBytes);
    await pipeline(Readable.from(packArchive(sources, packed)), encryptStream(dataKey), writer);
    const partPaths = writer.parts.map((p) => join(input.outDir, p.name));

    const readBack = await unpackArchive(readParts(partPaths).pipe(decryptStream(dataKey)), null);
    if (JSON.stringify(readBack) !== JSON.stringify(packed)) throw new Error("the parts just written do not decrypt to what was packed (disk error?)");

    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      id,
      createdAt: now.toISOString(),
      serviceVersion: input.serviceVersion,
      lastMigration: facts.lastMigration,
      tables: facts.tables,
      blobs: { count: blobs.length, bytes: blobs.reduce((n, b) => n + b.size, 0) },
      encryption: {
        scheme: "libsodium crypto_box_seal + crypto_secretstream_xchacha20poly1305",
        recipient: keyFingerprint(input.publicKey),
        sealedKey: Buffer.from(await sealDataKey(dataKey, input.publicKey)).toString("base64"),
        chunkBytes: CHUNK_BYTES,
      },
      parts: writer.parts,
    };
    const manifestPath = join(input.outDir, manifestName(id));
    await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    await rename(`${manifestPath}.tmp`, manifestPath);

    if (input.keepForDrill) {
      const drill = drillDir(input.outDir);
      await rm(drill, { recursive: true, force: true });
      await mkdir(drill, { recursive: true, mode: 0o700 });
      await rename(dumpPath, join(drill, `${id}.dump`));
    }
    return { manifest, manifestPath, partPaths, bytes: writer.parts.reduce((n, p) => n + p.bytes, 0) };
  } catch (err) {
    await rm(join(input.outDir, manifestName(id)), { force: true });
    for (const name of await readdir(input.outDir).catch(() => [] as string[])) if (name.startsWith(`${id}.part`)) await rm(join(input.outDir, name), { force: true });
    throw err;
  } finally {
    wipe(dataKey);
    await rm(staging, { recursive: true, force: true });
  }
}
