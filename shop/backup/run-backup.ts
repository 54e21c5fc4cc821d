/**
 * `runBackup`: the one backup path (`npm run backup`, the scheduled job and the owner's /backup).
 *
 * One at a time across processes (Postgres lease "backup"); make the backup on disk; record it;
 * send every part and the manifest to every owner with `alerts.receive`; copy to S3 when
 * configured; apply local retention; record the outcome. Any failure after the files exist
 * leaves the local copy in BACKUP_DIR, records the run FAILED with what was delivered, and
 * throws, so the caller retries and alerts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { LeaseBusyError, withLease } from "../leases.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import { projectRoot } from "../platform/paths.js";
import { configRoster, staffChatIds } from "../users/staff.js";
import { createBackup } from "./create.js";
import { deliverToChats, DeliveryError, type DeliveredCopy, type DeliveryFile } from "./deliver.js";
import { manifestName, type BackupManifest } from "./manifest.js";
import type { PartInfo } from "./parts.js";
import { applyRetention } from "./retention.js";
import { finishRun, startRun, updateRun, type RunUpdate } from "./runs.js";
import { copyToS3 } from "./s3.js";

export type BackupTrigger = "schedule" | "command" | "cli" | "pre-restore";

export interface BackupDeps {
  prisma: PrismaClient;
  config: Config;
  /** The shop bot's API client: the parts arrive from the bot the owner already talks to. */
  api: Api;
  logger: Logger;
  trigger: BackupTrigger;
  requestedBy?: number;
}

/** A part as recorded in backup_runs.parts: with the file_id of each delivered copy. */
export interface PartRecord extends PartInfo {
  telegram: DeliveredCopy[];
}

export interface BackupRunResult {
  runId: number;
  backupId: string;
  manifest: BackupManifest;
  parts: PartRecord[];
  /** The manifest file's delivered copies. */
  manifestCopies: DeliveredCopy[];
  bytes: number;
  durationMs: number;
  /** Local copy: BACKUP_DIR, the manifest and the parts. */
  dir: string;
  manifestPath: string;
  partPaths: string[];
  s3Keys?: string[];
  /** Older local backups removed by retention. */
  removed: string[];
}

export const BACKUP_LEASE = "backup";
const LEASE_TTL_MS = 10 * 60_000;

export class BackupAlreadyRunningError extends Error {
  constructor(readonly retryInMs: number) {
    super(`a backup is already running (in this or another process); try again in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = "BackupAlreadyRunningError";
  }
}

/** The backup cannot run as configured (no public key): nothing was attempted. */
export class BackupConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupConfigError";
  }
}

export function serviceVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
}

export async function runBackup(deps: BackupDeps): Promise<BackupRunResult> {
  if (!deps.config.backup.publicKey) {
    throw new BackupConfigError("BACKUP_PUBLIC_KEY is not set: run npm run backup:keygen, put the public key in .env and keep the secret key off the server");
  }
  try {
    return await withLease(deps.prisma, BACKUP_LEASE, LEASE_TTL_MS, () => backupUnderLease(deps, deps.config.backup.publicKey!));
  } catch (err) {
    if (err instanceof LeaseBusyError) throw new BackupAlreadyRunningError(err.retryInMs);
    throw err;
  }
}

function withCopies(parts: PartInfo[], delivered: Map<string, DeliveredCopy[]>): PartRecord[] {
  return parts.map((p) => ({ ...p, telegram: delivered.get(p.name) ?? [] }));
}

async function backupUnderLease(deps: BackupDeps, publicKey: Uint8Array): Promise<BackupRunResult> {
  const { prisma, config, logger } = deps;
  const started = Date.now();
  const runId = await startRun(prisma, { kind: "BACKUP", trigger: deps.trigger, ...(deps.requestedBy !== undefined ? { requestedBy: deps.requestedBy } : {}) });
  let record: RunUpdate = {};
  try {
    const created = await createBackup({
      databaseUrl: config.databaseDirectUrl, // pg_dump's session settings need a direct connection, not PgBouncer
      dataDir: config.dataDir,
      outDir: config.backup.dir,
      publicKey,
      partBytes: config.backup.partBytes,
      serviceVersion: serviceVersion(),
      keepForDrill: true,
    });
    const { manifest } = created;
    record = { backupId: manifest.id, manifest, parts: withCopies(manifest.parts, new Map()), bytes: created.bytes, testDecryptOk: true };
    await updateRun(prisma, runId, record);
    logger.info({ backupId: manifest.id, parts: manifest.parts.length, bytes: created.bytes }, "backup written");

    const recipients = await staffChatIds(prisma, configRoster(config), "alerts.receive");
    if (recipients.length === 0) throw new Error("no owner to send the backup to: OWNER_IDS is empty (the local copy is kept, but a backup only on this server is lost with it)");
    const n = manifest.parts.length;
    const files: DeliveryFile[] = [
      ...manifest.parts.map((p, i) => ({ path: created.partPaths[i]!, name: p.name, caption: `💾 ${manifest.id} · part ${i + 1}/${n} · ${p.bytes} B · SHA-256 ${p.sha256.slice(0, 16)}…` })),
      { path: created.manifestPath, name: manifestName(manifest.id), caption: `💾 ${manifest.id} · manifest: keep it with the ${n} part(s); restore: npm run restore (ops/RUNBOOK.md)` },
    ];
    let delivered: Map<string, DeliveredCopy[]>;
    try {
      delivered = await deliverToChats(deps.api, recipients, files, logger);
    } catch (err) {
      if (err instanceof DeliveryError) record = { ...record, parts: withCopies(manifest.parts, err.delivered) };
      throw err;
    }
    const parts = withCopies(manifest.parts, delivered);
    record = { ...record, parts };
    const s3Keys = config.backup.s3 ? await copyToS3(config.backup.s3, files) : undefined;
    const removed = await applyRetention(config.backup.dir, config.backup.keep, [manifest.id]);
    await finishRun(prisma, runId, { ok: true }, record);
    const durationMs = Date.now() - started;
    logger.info({ backupId: manifest.id, durationMs, recipients: recipients.length, s3: !!s3Keys, removed: removed.length }, "backup delivered");
    return {
      runId,
      backupId: manifest.id,
      manifest,
      parts,
      manifestCopies: delivered.get(manifestName(manifest.id)) ?? [],
      bytes: created.bytes,
      durationMs,
      dir: config.backup.dir,
      manifestPath: created.manifestPath,
      partPaths: created.partPaths,
      ...(s3Keys ? { s3Keys } : {}),
      removed,
    };
  } catch (err) {
    await finishRun(prisma, runId, { ok: false, error: (err as Error).message }, record).catch((e: unknown) => logger.error({ err: e }, "could not record the failed backup"));
    logger.error({ err, backupId: record.backupId }, "backup failed");
    throw err;
  }
}
