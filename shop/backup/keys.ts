/**
 * The owner's backup key pair and the per-backup data key.
 *
 * Why a sealed box: the server holds only the owner's public key, so it can seal each backup's
 * random data key but never open one again. A stolen or compromised server therefore cannot
 * read any backup it made, only the live database it already has. The secret key lives off the
 * server (password manager, printed) and is needed only to restore.
 */
import { createHash } from "node:crypto";
import sodium from "libsodium-wrappers";

/** Bytes of a secretstream data key (32). */
export const DATA_KEY_BYTES = 32;

export interface BackupKeyPair {
  /** base64, goes into the server's .env as BACKUP_PUBLIC_KEY. */
  publicKey: string;
  /** base64, stays off the server; only `npm run restore` needs it. */
  secretKey: string;
}

/** A new crypto_box key pair for `npm run backup:keygen`. */
export async function generateBackupKeyPair(): Promise<BackupKeyPair> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  return { publicKey: Buffer.from(pair.publicKey).toString("base64"), secretKey: Buffer.from(pair.privateKey).toString("base64") };
}

/** Thrown when the given secret key is not the one this backup was sealed to. */
export class WrongBackupKeyError extends Error {
  constructor(expected: string, got: string) {
    super(`the secret key does not open this backup: it was sealed to the key with fingerprint ${expected}, the given secret key belongs to ${got}`);
    this.name = "WrongBackupKeyError";
  }
}

/**
 * Reads a 32-byte key given as base64, or as a whole `NAME=base64` line (a key file copied from
 * the keygen output). Throws naming `what`, never printing the value.
 */
export function parseBackupKey(raw: string | Uint8Array, what: string): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  const line = raw.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#")) ?? "";
  const value = line.includes("=") && /^[A-Z_]+=/.test(line) ? line.slice(line.indexOf("=") + 1).trim() : line;
  const bytes = Buffer.from(value, "base64");
  if (bytes.length !== 32) throw new Error(`${what} is not a 32-byte base64 key (make a pair with npm run backup:keygen)`);
  return new Uint8Array(bytes);
}

/** Short, printable name of a public key: lets the restore say which key a backup needs. */
export function keyFingerprint(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

/** A fresh random data key for one backup. */
export async function newDataKey(): Promise<Uint8Array> {
  await sodium.ready;
  return sodium.randombytes_buf(DATA_KEY_BYTES);
}

/** Seals the data key to the owner's public key (anonymous sender: the server cannot open it). */
export async function sealDataKey(dataKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
  await sodium.ready;
  return sodium.crypto_box_seal(dataKey, publicKey);
}

/** Opens a sealed data key with the owner's secret key; WrongBackupKeyError if it is not theirs. */
export async function openDataKey(sealed: Uint8Array, secretKey: Uint8Array, expectedFingerprint: string): Promise<Uint8Array> {
  await sodium.ready;
  const publicKey = sodium.crypto_scalarmult_base(secretKey);
  const got = keyFingerprint(publicKey);
  if (got !== expectedFingerprint) throw new WrongBackupKeyError(expectedFingerprint, got);
  try {
    return sodium.crypto_box_seal_open(sealed, publicKey, secretKey);
  } catch {
    throw new WrongBackupKeyError(expectedFingerprint, `${got} (the sealed key does not open: the manifest is damaged)`);
  }
}

/** Overwrites a key in memory once it is no longer needed. */
export function wipe(key: Uint8Array): void {
  sodium.memzero(key);
}
