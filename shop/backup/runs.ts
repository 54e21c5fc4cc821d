/**
 * The `backup_runs` record: every backup, drill and test decrypt, and what the doctor, the
 * metrics and the dead-man's switch read from it.
 */
import type { BackupRunKind, Prisma, PrismaClient } from "../../db/client.js";

export async function startRun(prisma: PrismaClient, input: { kind: BackupRunKind; trigger: string; requestedBy?: number }): Promise<number> {
  const row = await prisma.backupRun.create({
    data: { kind: input.kind, trigger: input.trigger, ...(input.requestedBy !== undefined ? { requestedBy: BigInt(input.requestedBy) } : {}) },
    select: { id: true },
  });
  return row.id;
}

export interface RunUpdate {
  backupId?: string;
  manifest?: unknown;
  parts?: unknown;
  bytes?: number;
  testDecryptOk?: boolean;
}

/** Records progress (the manifest and parts as soon as they exist, so a failed delivery still shows them). */
export async function updateRun(prisma: PrismaClient, id: number, update: RunUpdate): Promise<void> {
  await prisma.backupRun.update({
    where: { id },
    data: {
      ...(update.backupId !== undefined ? { backupId: update.backupId } : {}),
      ...(update.manifest !== undefined ? { manifest: update.manifest as Prisma.InputJsonValue } : {}),
      ...(update.parts !== undefined ? { parts: update.parts as Prisma.InputJsonValue } : {}),
      ...(update.bytes !== undefined ? { bytes: BigInt(update.bytes) } : {}),
      ...(update.testDecryptOk !== undefined ? { testDecryptOk: update.testDecryptOk } : {}),
    },
  });
}

/** Ends a run as OK or FAILED (with the error's message), stamping its duration. */
export async function finishRun(prisma: PrismaClient, id: number, outcome: { ok: true } | { ok: false; error: string }, update: RunUpdate = {}): Promise<void> {
  const run = await prisma.backupRun.findUniqueOrThrow({ where: { id }, select: { startedAt: true } });
  const finishedAt = new Date();
  await updateRun(prisma, id, update);
  await prisma.backupRun.update({
    where: { id },
    data: { status: outcome.ok ? "OK" : "FAILED", finishedAt, durationMs: finishedAt.getTime() - run.startedAt.getTime(), error: outcome.ok ? null : outcome.error.slice(0, 2_000) },
  });
}

export interface BackupStatus {
  lastGoodBackupAt?: Date;
  lastGoodDrillAt?: Date;
  /** Whether the latest test decrypt (at a backup's creation, or the owner's --verify-only) succeeded. */
  lastTestDecryptOk?: boolean;
  lastBackupBytes?: number;
}

/** For the doctor, the metrics and the dead-man's switch. */
export async function backupStatus(prisma: PrismaClient): Promise<BackupStatus> {
  const [backup, drill, decrypt] = await Promise.all([
    prisma.backupRun.findFirst({ where: { kind: "BACKUP", status: "OK" }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true, bytes: true } }),
    prisma.backupRun.findFirst({ where: { kind: "DRILL", status: "OK" }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true } }),
    prisma.backupRun.findFirst({ where: { kind: { in: ["BACKUP", "VERIFY"] }, testDecryptOk: { not: null } }, orderBy: { startedAt: "desc" }, select: { testDecryptOk: true } }),
  ]);
  return {
    ...(backup?.finishedAt ? { lastGoodBackupAt: backup.finishedAt } : {}),
    ...(backup?.bytes != null ? { lastBackupBytes: Number(backup.bytes) } : {}),
    ...(drill?.finishedAt ? { lastGoodDrillAt: drill.finishedAt } : {}),
    ...(decrypt?.testDecryptOk != null ? { lastTestDecryptOk: decrypt.testDecryptOk } : {}),
  };
}
