import { readdirSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, warn, type DoctorCheck, type DoctorResult } from "./types.js";

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;
const PRIVATE = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|fd|fc)/i;

/** Whether an address Postgres listens on (or is reached at) faces the internet. */
function isPublic(address: string): boolean {
  const a = address.trim();
  if (a === "" || LOOPBACK.test(a) || a.startsWith("/")) return false;
  if (a === "*" || a === "0.0.0.0" || a === "::") return true;
  return isIP(a.replace(/^\[|\]$/g, "")) !== 0 ? !PRIVATE.test(a) : true;
}

/** Every committed migration applied (none failed), and Postgres not listening on a public interface. */
export const databaseChecks: DoctorCheck = async ({ prisma, root, config, timeoutMs }) => {
  const out: DoctorResult[] = [];
  try {
    const committed = readdirSync(path.join(root, "db", "migrations"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const rows = await withTimeout(
      prisma.$queryRaw<Array<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>>`SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations`,
      timeoutMs,
    );
    const applied = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
    const failed = rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    const missing = committed.filter((m) => !applied.has(m));
    if (failed.length) out.push(fail("migrations applied", `failed: ${failed.join(", ")}`, "Fix the cause, then `npx prisma migrate resolve` (see ops/RUNBOOK.md) and npm run db:migrate."));
    else if (missing.length) out.push(fail("migrations applied", `${missing.length} not applied: ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}`, "Run: npm run db:migrate"));
    else out.push(pass("migrations applied", `${committed.length} of ${committed.length}`));
  } catch (err) {
    out.push(fail("migrations applied", reason(err), "Check DATABASE_URL, then run: npm run db:migrate"));
  }

  try {
    const [row] = await withTimeout(prisma.$queryRaw<Array<{ listen_addresses: string }>>`SHOW listen_addresses`, timeoutMs);
    const listen = (row?.listen_addresses ?? "").split(",").map((a) => a.trim());
    const dbHost = new URL(config.databaseUrl).hostname || "localhost";
    const exposed = listen.filter(isPublic);
    if (exposed.length) out.push(fail("PostgreSQL not public", `listen_addresses = '${listen.join(",")}'`, "In postgresql.conf: listen_addresses = 'localhost' (and restart PostgreSQL); the shop connects locally."));
    else if (isPublic(dbHost)) out.push(warn("PostgreSQL not public", `listens on '${listen.join(",")}', but DATABASE_URL reaches it at ${dbHost}`, "Keep the database on this machine or a private network; add sslmode=require for a remote one."));
    else out.push(pass("PostgreSQL not public", `listen_addresses = '${listen.join(",")}'`));
  } catch (err) {
    out.push(warn("PostgreSQL not public", `could not read listen_addresses: ${reason(err)}`, "Check postgresql.conf: listen_addresses = 'localhost'."));
  }
  return out;
};
