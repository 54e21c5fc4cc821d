/**
 * Local retention in BACKUP_DIR: the newest backup of each of the last N days, weeks and months
 * (default 7 / 4 / 6), and always the newest good one, whatever the counts say.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { MANIFEST_SUFFIX, readManifest } from "./manifest.js";

export interface LocalBackup {
  id: string;
  createdAt: Date;
}

export interface KeepPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7)}`;
}

/** The ids to keep: for each bucket kind, the newest backup of each of the newest N buckets (UTC). */
export function selectKept(backups: LocalBackup[], keep: KeepPolicy, protect: string[] = []): Set<string> {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const kept = new Set(protect);
  const rules: Array<[number, (d: Date) => string]> = [
    [keep.daily, (d) => d.toISOString().slice(0, 10)],
    [keep.weekly, isoWeek],
    [keep.monthly, (d) => d.toISOString().slice(0, 7)],
  ];
  for (const [count, bucketOf] of rules) {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      const bucket = bucketOf(b.createdAt);
      if (seen.has(bucket)) continue;
      if (seen.size >= count) break;
      seen.add(bucket);
      kept.add(b.id);
    }
  }
  return kept;
}

/** Backups in `dir`, read from their manifests. */
export async function listLocalBackups(dir: string): Promise<LocalBackup[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: LocalBackup[] = [];
  for (const name of names.filter((n) => n.endsWith(MANIFEST_SUFFIX))) {
    const m = await readManifest(join(dir, name)).catch(() => undefined);
    if (m) out.push({ id: m.id, createdAt: new Date(m.createdAt) });
  }
  return out;
}

/** Deletes the parts and manifests of backups the policy does not keep; returns the deleted ids. */
export async function applyRetention(dir: string, keep: KeepPolicy, protect: string[]): Promise<string[]> {
  const backups = await listLocalBackups(dir);
  const kept = selectKept(backups, keep, protect);
  const gone = backups.filter((b) => !kept.has(b.id)).map((b) => b.id);
  if (gone.length === 0) return [];
  const names = await readdir(dir);
  for (const id of gone) {
    for (const name of names) if (name === `${id}${MANIFEST_SUFFIX}` || name.startsWith(`${id}.part`)) await rm(join(dir, name), { force: true });
  }
  return gone;
}
