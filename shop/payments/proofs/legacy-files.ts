/**
 * Screenshots stored before issue 14: a sealed file (`nonce ‖ ciphertext`) under
 * `dataDir/proofs`, named by the row's `storage_path`. Nothing writes them any more; they are
 * still read (on the host whose DATA_DIR holds them, or after a restore of an older backup) and
 * deleted by the purge until the last one has passed its retention period.
 */
import { readFile, unlink } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** Sub-directory of `dataDir` that held the sealed screenshots. */
export const PROOFS_DIR = "proofs";

/**
 * Absolute path of a legacy proof, refusing anything that would leave `dataDir/proofs`: a row
 * edited to "../../etc/…" must not make the bot send or delete an arbitrary file.
 */
export function legacyProofPath(dataDir: string, storagePath: string): string {
  const root = resolve(dataDir, PROOFS_DIR);
  const full = resolve(dataDir, storagePath);
  const rel = relative(root, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.includes(sep)) throw new Error(`invalid proof storage path "${storagePath}"`);
  return full;
}

/** The sealed bytes of a legacy proof, or null when this host's DATA_DIR does not hold the file. */
export async function readLegacyProof(dataDir: string, storagePath: string): Promise<Buffer | null> {
  try {
    return await readFile(legacyProofPath(dataDir, storagePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Deletes a legacy proof's file; one already gone (a crash mid-purge, another host) counts as deleted. */
export async function deleteLegacyProof(dataDir: string, storagePath: string): Promise<void> {
  try {
    await unlink(legacyProofPath(dataDir, storagePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
