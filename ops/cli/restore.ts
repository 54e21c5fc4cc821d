/**
 * `npm run restore -- <files or folder> [--key-file F] [--target URL] [--force] [--verify-only]`
 *
 * Verifies every part against the manifest, decrypts with the owner's secret key (BACKUP_SECRET_KEY
 * or --key-file), restores into DATABASE_URL (or --target) and DATA_DIR, runs the migrations and
 * prints the manifest comparison. Exit 0 only when everything matches; nothing is touched when a
 * part is missing or altered, the key is wrong, or the target holds data (without --force).
 * --verify-only stops after the full decrypt (the owner's test decrypt; touches nothing).
 */
import { existsSync, readFileSync } from "node:fs";
import { createPrisma } from "../../db/client.js";
import { restoreBackup } from "../../shop/backup/index.js";
import { finishRun, startRun } from "../../shop/backup/runs.js";

const USAGE = "usage: npm run restore -- <backup files or folder> [--key-file FILE] [--target postgresql://…] [--force] [--verify-only]";

if (existsSync(".env")) process.loadEnvFile(".env");

function parseArgs(argv: string[]): { files: string[]; keyFile?: string; target?: string; force: boolean; verifyOnly: boolean } {
  const out = { files: [] as string[], force: false, verifyOnly: false } as ReturnType<typeof parseArgs>;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--key-file") out.keyFile = argv[++i];
    else if (a === "--target") out.target = argv[++i];
    else if (a === "--force") out.force = true;
    else if (a === "--verify-only") out.verifyOnly = true;
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else out.files.push(a);
  }
  return out;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
if (args.files.length === 0) fail(USAGE);
const secretKey = args.keyFile ? readFileSync(args.keyFile, "utf8") : process.env.BACKUP_SECRET_KEY;
if (!secretKey?.trim()) fail("no secret key: pass --key-file <file> or set BACKUP_SECRET_KEY (the key npm run backup:keygen printed, kept off the server)");
// pg_restore and the migrations need a direct connection: DATABASE_DIRECT_URL when DATABASE_URL goes through PgBouncer.
const targetUrl = args.target ?? (process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL);
if (!args.verifyOnly && !targetUrl) fail("no target database: set DATABASE_URL or pass --target postgresql://…");
const dataDir = process.env.DATA_DIR?.trim() || "./data";

try {
  const report = await restoreBackup({
    files: args.files,
    secretKey,
    targetUrl: targetUrl ?? "",
    dataDir,
    allowNonEmpty: args.force,
    verifyOnly: args.verifyOnly,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${report.text}\n`);
  if (args.verifyOnly && targetUrl) await recordVerify(targetUrl, report.backupId, report.ok);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  if (args.verifyOnly && targetUrl) await recordVerify(targetUrl, undefined, false, (err as Error).message);
  fail(`restore refused: ${(err as Error).message}`, 1);
}

/** A test decrypt run where the service's database is reachable is recorded (the doctor reads it). */
async function recordVerify(url: string, backupId: string | undefined, ok: boolean, error?: string): Promise<void> {
  const prisma = createPrisma(url, { max: 1, applicationName: "vps-shop:restore-cli", connectionTimeoutMillis: 3_000 });
  try {
    const id = await startRun(prisma, { kind: "VERIFY", trigger: "cli" });
    await finishRun(prisma, id, ok ? { ok: true } : { ok: false, error: error ?? "test decrypt failed" }, { ...(backupId ? { backupId } : {}), testDecryptOk: ok });
    process.stdout.write("test decrypt recorded in backup_runs\n");
  } catch {
    process.stdout.write("(test decrypt not recorded: the service's database is not reachable from here)\n");
  } finally {
    await prisma.$disconnect().catch(() => undefined);
  }
}
