/**
 * The manifest: what a backup holds and how to check it before anything is touched.
 *
 * It travels as a small file next to the parts (`<id>.manifest.json`) and stays readable without
 * the key: part names, sizes and SHA-256 (so a missing or altered part is refused up front), the
 * service version and last migration, row counts and checksums (numbers and hashes, no
 * customer data), and the data key sealed to the owner. Everything with customer data is inside
 * the encrypted parts.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { TableSum } from "./checksums.js";
import { hashFile, type PartInfo } from "./parts.js";

export const MANIFEST_FORMAT = "vps-shop-backup/1";
export const MANIFEST_SUFFIX = ".manifest.json";

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  createdAt: string;
  serviceVersion: string;
  lastMigration: string | null;
  tables: Record<string, TableSum>;
  blobs: { count: number; bytes: number };
  encryption: {
    scheme: "libsodium crypto_box_seal + crypto_secretstream_xchacha20poly1305";
    /** Fingerprint of the public key the data key was sealed to (see keys.ts). */
    recipient: string;
    /** The data key, sealed (base64). */
    sealedKey: string;
    chunkBytes: number;
  };
  parts: PartInfo[];
}

export function manifestName(backupId: string): string {
  return `${backupId}${MANIFEST_SUFFIX}`;
}

/** Thrown when the given files cannot be restored as they are; nothing was touched. */
export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupRefusedError";
  }
}

/** Expands folders into the files they hold (not recursive). */
export async function expandFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new BackupRefusedError(`${input}: no such file or folder`);
    if (info.isDirectory()) for (const name of (await readdir(input)).sort()) out.push(join(input, name));
    else out.push(input);
  }
  return out;
}

export async function readManifest(path: string): Promise<BackupManifest> {
  let parsed: BackupManifest;
  try {
    parsed = JSON.parse(await readFile(path, "utf8")) as BackupManifest;
  } catch (err) {
    throw new BackupRefusedError(`${basename(path)} is not a readable backup manifest: ${(err as Error).message}`);
  }
  if (parsed.format !== MANIFEST_FORMAT) throw new BackupRefusedError(`${basename(path)} is not a manifest this version reads (format ${JSON.stringify(parsed.format)}, expected ${MANIFEST_FORMAT})`);
  return parsed;
}

/** The manifest among `files`: the newest one when several backups are given. */
export async function findManifest(files: string[]): Promise<{ manifest: BackupManifest; path: string }> {
  const paths = files.filter((f) => f.endsWith(MANIFEST_SUFFIX));
  if (paths.length === 0) throw new BackupRefusedError(`no backup manifest (*${MANIFEST_SUFFIX}) among the given files: it is sent with the parts, add it`);
  const all = await Promise.all(paths.map(async (path) => ({ path, manifest: await readManifest(path) })));
  return all.sort((a, b) => (a.manifest.createdAt < b.manifest.createdAt ? 1 : -1))[0]!;
}

/**
 * The paths of the manifest's parts, in order, after checking each one's size and SHA-256.
 * Refuses with every problem named (missing, altered) before anything is decrypted.
 */
export async function verifyParts(manifest: BackupManifest, files: string[]): Promise<string[]> {
  const byName = new Map(files.map((f) => [basename(f), f]));
  const problems: string[] = [];
  const paths: string[] = [];
  for (const part of manifest.parts) {
    const path = byName.get(part.name);
    if (!path) {
      problems.push(`part ${part.name} is missing`);
      continue;
    }
    const got = await hashFile(path);
    if (got.bytes !== part.bytes || got.sha256 !== part.sha256) {
      problems.push(`part ${part.name} is altered (${got.bytes} bytes, SHA-256 ${got.sha256.slice(0, 12)}…; the manifest says ${part.bytes} bytes, ${part.sha256.slice(0, 12)}…)`);
      continue;
    }
    paths.push(path);
  }
  if (problems.length > 0) throw new BackupRefusedError(`backup ${manifest.id} cannot be restored: ${problems.join("; ")}. Nothing was changed.`);
  return paths;
}
