/** Local retention keeps the newest backup of each of the last 7 days, 4 weeks and 6 months, and always the newest good one. */
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyRetention, selectKept, type LocalBackup } from "../../shop/backup/retention.js";

/** One backup a day at 02:30 UTC for `days` days up to 2026-12-03, newest first. */
function daily(days: number): LocalBackup[] {
  return Array.from({ length: days }, (_, i) => {
    const d = new Date(Date.UTC(2026, 11, 3, 2, 30) - i * 86_400_000);
    return { id: `b-${d.toISOString().slice(0, 10)}`, createdAt: d };
  });
}

describe("selectKept", () => {
  it("keeps 7 daily, 4 weekly and 6 monthly from a year of daily backups", () => {
    const kept = [...selectKept(daily(365), { daily: 7, weekly: 4, monthly: 6 })].sort().reverse();
    expect(kept).toEqual([
      // the last 7 days; Sunday 2026-11-29 ends ISO week 48 (Thursday 12-03 is the newest of week 49), 11-22 ends week 47…
      "b-2026-12-03", "b-2026-12-02", "b-2026-12-01", "b-2026-11-30", "b-2026-11-29", "b-2026-11-28", "b-2026-11-27",
      "b-2026-11-22", "b-2026-11-15",
      // month ends: November's is 11-30 (kept above), then Oct … Jun
      "b-2026-10-31", "b-2026-09-30", "b-2026-08-31", "b-2026-07-31",
    ]);
  });

  it("keeps the newest of two backups on one day, and the protected one whatever its age", () => {
    const two = [
      { id: "morning", createdAt: new Date("2026-12-03T01:00:00Z") },
      { id: "evening", createdAt: new Date("2026-12-03T20:00:00Z") },
      { id: "old-good", createdAt: new Date("2025-01-01T00:00:00Z") },
    ];
    expect([...selectKept(two, { daily: 1, weekly: 0, monthly: 0 }, ["old-good"])].sort()).toEqual(["evening", "old-good"]);
  });
});

describe("applyRetention", () => {
  it("deletes the parts and manifests of the backups it does not keep, and nothing else", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vps-retention-"));
    for (const b of daily(10)) {
      await writeFile(join(dir, `${b.id}.manifest.json`), JSON.stringify({ format: "vps-shop-backup/1", id: b.id, createdAt: b.createdAt.toISOString() }));
      await writeFile(join(dir, `${b.id}.part01.bin`), "x");
    }
    await writeFile(join(dir, "notes.txt"), "mine");
    const removed = await applyRetention(dir, { daily: 3, weekly: 0, monthly: 0 }, ["b-2026-11-24"]);
    expect(removed.sort()).toEqual(["b-2026-11-25", "b-2026-11-26", "b-2026-11-27", "b-2026-11-28", "b-2026-11-29", "b-2026-11-30"]);
    expect((await readdir(dir)).sort()).toEqual([
      "b-2026-11-24.manifest.json", "b-2026-11-24.part01.bin",
      "b-2026-12-01.manifest.json", "b-2026-12-01.part01.bin",
      "b-2026-12-02.manifest.json", "b-2026-12-02.part01.bin",
      "b-2026-12-03.manifest.json", "b-2026-12-03.part01.bin",
      "notes.txt",
    ]);
  });
});
