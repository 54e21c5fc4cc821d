/**
 * README "Architecture": imports run one way, ops/ → bot/, webhooks/, jobs/ → shop/ → leaves.
 * The one surface-to-surface import allowed is webhooks/ mounting the bot for webhook mode
 * (webhooks/routes/telegram.ts); the Mini App and the reseller API share what they need with the
 * bot through shop/ or jobs/ (e.g. paymentDecided/orderDecided in jobs/card-edits.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** The top-level folders a file imports from (relative imports only), e.g. "bot", "jobs". */
function importedLayers(file: string): Set<string> {
  const text = readFileSync(join(root, file), "utf8");
  const layers = new Set<string>();
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const target = relative(root, resolve(root, file, "..", m[1]!));
    layers.add(target.split("/")[0]!);
  }
  return layers;
}

function offenders(dir: string, forbidden: readonly string[], allow: readonly string[] = []): string[] {
  return sources(dir)
    .filter((f) => !allow.includes(f))
    .flatMap((f) => [...importedLayers(f)].filter((l) => forbidden.includes(l)).map((l) => `${f} → ${l}/`));
}

describe("import direction", () => {
  it("shop/ imports no surface and not ops/", () => {
    expect(offenders("shop", ["bot", "webhooks", "jobs", "ops"])).toEqual([]);
  });

  it("jobs/ imports neither bot/ nor webhooks/ nor ops/", () => {
    expect(offenders("jobs", ["bot", "webhooks", "ops"])).toEqual([]);
  });

  it("webhooks/ imports bot/ only where it mounts the bot, and never ops/", () => {
    expect(offenders("webhooks", ["bot", "ops"], ["webhooks/routes/telegram.ts"])).toEqual([]);
  });

  it("bot/ imports neither webhooks/ nor ops/", () => {
    expect(offenders("bot", ["webhooks", "ops"])).toEqual([]);
  });
});
