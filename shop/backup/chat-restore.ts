/**
 * Restore from the chat: the owner forwards the manifest and the parts the bot once sent them;
 * each file is fetched back (getFile, at most 20 MB), checked against the manifest as it
 * arrives, and kept in an inbox folder until every part is there. The restore itself is
 * restoreBackup, the same path as `npm run restore`.
 *
 * The secret key the owner pastes is held only in this process's memory (SecretKeyVault), for
 * minutes, and wiped after use: never in Redis (conversation state), Postgres or a log.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import type { Config } from "../platform/config.js";
import type { UserDirectory } from "../users/directory.js";
import { MANIFEST_SUFFIX, readManifest, type BackupManifest } from "./manifest.js";
import { hashFile } from "./parts.js";

/** The Bot API hands out files of at most 20 MB through getFile. */
export const CHAT_DOWNLOAD_LIMIT = 20 * 1024 * 1024;
/** Inbox folders older than this are leftovers of an abandoned restore. */
const INBOX_MAX_AGE_MS = 24 * 3_600_000;
const PART_NAME = /^[A-Za-z0-9._-]+\.part\d{2,}\.bin$/;
const MANIFEST_NAME = new RegExp(`^[A-Za-z0-9._-]+${MANIFEST_SUFFIX.replace(/\./g, "\\.")}$`);

/** What happened to one forwarded file. */
export type FileVerdict =
  | { kind: "manifest"; name: string; backupId: string }
  | { kind: "part"; name: string }
  | { kind: "unchecked"; name: string }
  | { kind: "altered"; name: string; expected: string; got: string }
  | { kind: "foreign"; name: string; backupId: string }
  | { kind: "not-backup"; name: string }
  | { kind: "too-big"; name: string; bytes: number }
  | { kind: "unavailable"; name: string; reason: string };

/** Where the inbox stands: which parts are in and verified, which are still missing. */
export interface InboxState {
  backupId?: string;
  createdAt?: string;
  /** Part names the manifest lists, in order. */
  expected: string[];
  verified: string[];
  missing: string[];
  /** Parts received before the manifest (checked once it arrives). */
  unchecked: string[];
  complete: boolean;
}

/** A forwarded document as the bot sees it. */
export interface IncomingDocument {
  fileId: string;
  fileName?: string;
  fileSize?: number;
}

function inboxRoot(config: Pick<Config, "backup">): string {
  return join(config.backup.dir, ".chat-restore");
}

/**
 * A fresh inbox folder for one restore in one chat. Leftovers of this chat's earlier attempts
 * and of anyone's abandoned ones (a day old) are removed first.
 */
export async function openInbox(config: Pick<Config, "backup">, chatId: number): Promise<string> {
  const root = inboxRoot(config);
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (const name of await readdir(root)) {
    const path = join(root, name);
    const old = Date.now() - (await stat(path).then((s) => s.mtimeMs, () => 0)) > INBOX_MAX_AGE_MS;
    if (name.startsWith(`${chatId}-`) || old) await rm(path, { recursive: true, force: true });
  }
  const dir = join(root, `${chatId}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** Removes every inbox folder of this chat (its restore flow ended without reaching the end). */
export async function discardInboxes(config: Pick<Config, "backup">, chatId: number): Promise<void> {
  const root = inboxRoot(config);
  for (const name of await readdir(root).catch(() => [] as string[])) if (name.startsWith(`${chatId}-`)) await rm(join(root, name), { recursive: true, force: true });
}

/** Removes an inbox folder (the parts are encrypted, but there is no reason to keep them). */
export async function closeInbox(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

async function inboxManifest(dir: string): Promise<BackupManifest | undefined> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(MANIFEST_SUFFIX));
  return names[0] === undefined ? undefined : readManifest(join(dir, names[0]));
}

/** Checks a part on disk against the manifest; removes it when it does not match. */
async function checkPart(dir: string, manifest: BackupManifest, name: string): Promise<FileVerdict> {
  const expected = manifest.parts.find((p) => p.name === name);
  const path = join(dir, name);
  if (!expected) {
    await rm(path, { force: true });
    return { kind: "foreign", name, backupId: name.replace(/\.part\d+\.bin$/, "") };
  }
  const got = await hashFile(path);
  if (got.bytes === expected.bytes && got.sha256 === expected.sha256) return { kind: "part", name };
  await rm(path, { force: true });
  return { kind: "altered", name, expected: `${expected.bytes} B, SHA-256 ${expected.sha256.slice(0, 12)}…`, got: `${got.bytes} B, SHA-256 ${got.sha256.slice(0, 12)}…` };
}

/** What the inbox holds right now. */
export async function inboxState(dir: string): Promise<InboxState> {
  const manifest = await inboxManifest(dir);
  const parts = (await readdir(dir)).filter((n) => PART_NAME.test(n)).sort();
  if (!manifest) return { expected: [], verified: [], missing: [], unchecked: parts, complete: false };
  const expected = manifest.parts.map((p) => p.name);
  const verified = expected.filter((n) => parts.includes(n));
  const missing = expected.filter((n) => !parts.includes(n));
  return { backupId: manifest.id, createdAt: manifest.createdAt, expected, verified, missing, unchecked: [], complete: missing.length === 0 };
}

/** getFile, then the file itself from the Bot API's file endpoint, into `dest`, bounded in size and time. */
async function download(api: Api, telegram: Config["telegram"], fileId: string, dest: string): Promise<void> {
  const file = await api.getFile(fileId);
  if (!file.file_path) throw new Error("Telegram gave no file_path");
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(`${telegram.apiRoot}/file/bot${telegram.token}/${file.file_path}`, { signal: AbortSignal.timeout(120_000) });
      if (!res.ok || !res.body) throw new Error(`file download answered HTTP ${res.status}`);
      if (Number(res.headers.get("content-length") ?? 0) > CHAT_DOWNLOAD_LIMIT) throw new Error("file is larger than 20 MB");
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(dest, { mode: 0o600 }));
      return;
    } catch (err) {
      lastError = err;
      if (attempt < 3) await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
  // The URL holds the bot token: only say what failed, never where.
  throw new Error(`download failed: ${lastError instanceof Error ? lastError.message.replace(/bot[^/\s]+/g, "bot…") : "unknown error"}`);
}

/**
 * Takes one forwarded document into the inbox: fetches it, checks it against the manifest
 * (or keeps it unchecked until the manifest arrives), and says what it was and what is missing.
 * A part that does not match the manifest, or belongs to another backup, is not kept.
 */
export async function receiveFile(deps: { api: Api; config: Pick<Config, "telegram" | "backup"> }, dir: string, doc: IncomingDocument): Promise<{ verdict: FileVerdict; state: InboxState }> {
  const name = basename(doc.fileName ?? "");
  const isManifest = MANIFEST_NAME.test(name);
  let verdict: FileVerdict;
  if (!isManifest && !PART_NAME.test(name)) verdict = { kind: "not-backup", name: name || "?" };
  else if ((doc.fileSize ?? 0) > CHAT_DOWNLOAD_LIMIT) verdict = { kind: "too-big", name, bytes: doc.fileSize ?? 0 };
  else verdict = await take(deps, dir, doc.fileId, name, isManifest);
  return { verdict, state: await inboxState(dir) };
}

async function take(deps: { api: Api; config: Pick<Config, "telegram" | "backup"> }, dir: string, fileId: string, name: string, isManifest: boolean): Promise<FileVerdict> {
  const incoming = join(dir, `.incoming-${randomBytes(4).toString("hex")}`);
  try {
    await download(deps.api, deps.config.telegram, fileId, incoming);
  } catch (err) {
    await rm(incoming, { force: true });
    return { kind: "unavailable", name, reason: err instanceof Error ? err.message : String(err) };
  }
  const current = await inboxManifest(dir).catch(() => undefined);
  if (isManifest) {
    const manifest = await readManifest(incoming).catch(() => undefined);
    if (!manifest) {
      await rm(incoming, { force: true });
      return { kind: "not-backup", name };
    }
    if (current && current.id !== manifest.id) {
      await rm(incoming, { force: true });
      return { kind: "foreign", name, backupId: manifest.id };
    }
    await rename(incoming, join(dir, name));
    // Parts that came first are checked now; those that do not match are dropped (and reported missing).
    for (const part of (await readdir(dir)).filter((n) => PART_NAME.test(n))) await checkPart(dir, manifest, part);
    return { kind: "manifest", name, backupId: manifest.id };
  }
  await rename(incoming, join(dir, name));
  return current ? checkPart(dir, current, name) : { kind: "unchecked", name };
}

/** Whether `raw` opens this inbox's backup (the data key unseals); the key is not kept. */
export async function checkSecretKey(dir: string, raw: string): Promise<{ ok: true } | { ok: false; reason: "malformed" | "wrong-key"; expected?: string }> {
  const manifest = await inboxManifest(dir);
  if (!manifest) return { ok: false, reason: "wrong-key" };
  // libsodium loads only when a restore gets this far (the bot role idles without it).
  const { openDataKey, parseBackupKey, wipe } = await import("./keys.js");
  let secretKey: Uint8Array;
  try {
    secretKey = parseBackupKey(raw, "the secret key");
  } catch {
    return { ok: false, reason: "malformed" };
  }
  try {
    wipe(await openDataKey(Buffer.from(manifest.encryption.sealedKey, "base64"), secretKey, manifest.encryption.recipient));
    return { ok: true };
  } catch {
    return { ok: false, reason: "wrong-key", expected: manifest.encryption.recipient };
  } finally {
    wipe(secretKey);
  }
}

/** The fingerprint of the public key this inbox's backup was sealed to (to name the key asked for). */
export async function inboxRecipient(dir: string): Promise<string | undefined> {
  return (await inboxManifest(dir))?.encryption.recipient;
}

/**
 * Restores the inbox's backup over the live database (DATABASE_DIRECT_URL, else DATABASE_URL) and DATA_DIR: the chat
 * restore replaces the shop's data by design (after a fresh backup and the typed confirmation).
 *
 * Users who joined after the backup was taken are gone from the restored data, but their cached
 * copies (Redis, 5 min) still carry their old row ids, which the restored sequence hands out
 * again: another customer's id. Their copies are dropped once the restore is done.
 */
export async function restoreFromInbox(
  deps: { config: Pick<Config, "databaseDirectUrl" | "dataDir">; prisma: PrismaClient; users: Pick<UserDirectory, "forget"> },
  dir: string,
  secretKey: string,
): Promise<{ ok: boolean; text: string; backupId: string }> {
  const manifest = await inboxManifest(dir);
  const joinedSince = manifest ? await deps.prisma.user.findMany({ where: { createdAt: { gte: new Date(manifest.createdAt) } }, select: { telegramId: true } }) : [];
  const { restoreBackup } = await import("./restore.js");
  const report = await restoreBackup({ files: [dir], secretKey, targetUrl: deps.config.databaseDirectUrl, dataDir: deps.config.dataDir, allowNonEmpty: true });
  for (const user of joinedSince) await deps.users.forget(Number(user.telegramId));
  return { ok: report.ok, text: report.text, backupId: report.backupId };
}

/**
 * The pasted secret key, in this process's memory only, for a few minutes. The bot deletes the
 * message it came in at once and hands the conversation a placeholder instead of the text, so
 * the key never reaches the conversation's stored state.
 */
export class SecretKeyVault {
  private readonly keys = new Map<number, { key: Buffer; expires: number }>();

  constructor(private readonly ttlMs = 15 * 60_000) {}

  put(chatId: number, raw: string): void {
    this.clear(chatId);
    this.keys.set(chatId, { key: Buffer.from(raw.trim(), "utf8"), expires: Date.now() + this.ttlMs });
  }

  /** The key as text (for restoreBackup), or undefined when none is held or it expired. */
  peek(chatId: number): string | undefined {
    const entry = this.keys.get(chatId);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.clear(chatId);
      return undefined;
    }
    return entry.key.toString("utf8");
  }

  clear(chatId: number): void {
    const entry = this.keys.get(chatId);
    if (entry) entry.key.fill(0);
    this.keys.delete(chatId);
  }
}

/** A backup secret key as `npm run backup:keygen` prints it: the base64 value, or the whole `BACKUP_SECRET_KEY=…` line. */
export function looksLikeSecretKey(text: string): boolean {
  return /^(BACKUP_SECRET_KEY\s*=\s*)?[A-Za-z0-9+/]{43}=$/.test(text.trim());
}
