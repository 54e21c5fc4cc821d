import { readFile, statfs } from "node:fs/promises";
import { hostname } from "node:os";
import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, warn, type DoctorCheck, type DoctorContext, type DoctorResult } from "./types.js";

const GiB = 1024 ** 3;

async function diskCheck({ config }: DoctorContext): Promise<DoctorResult> {
  try {
    const s = await statfs(config.dataDir).catch(() => statfs("."));
    const free = s.bavail * s.bsize;
    const pct = Math.round((s.bavail / s.blocks) * 1000) / 10;
    const detail = `${(free / GiB).toFixed(1)} GiB free (${pct} %)`;
    const fix = "Free disk space: old backups (BACKUP_KEEP_*), logs (logrotate), or a bigger disk.";
    if (pct < 5 || free < 0.5 * GiB) return fail("disk free", detail, fix);
    if (pct < 15 || free < 2 * GiB) return warn("disk free", detail, fix);
    return pass("disk free", detail);
  } catch (err) {
    return warn("disk free", `could not read: ${reason(err)}`, "Check with: df -h");
  }
}

/** Runs a command with a timeout; undefined when it is missing or fails. */
async function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  const { execFile } = await import("node:child_process");
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

async function clockCheck({ config, timeoutMs }: DoctorContext): Promise<DoctorResult> {
  const name = "clock in sync";
  const fix = "Turn on time sync: timedatectl set-ntp true (or install chrony).";
  const ntp = await run("timedatectl", ["show", "-p", "NTPSynchronized", "--value"], timeoutMs);
  if (ntp === "yes") return pass(name, "timedatectl: NTP synchronized");
  const chrony = await run("chronyc", ["tracking"], timeoutMs);
  if (chrony && /Leap status\s*:\s*Normal/.test(chrony)) return pass(name, "chronyc: synchronized");
  // No sync daemon to ask: compare with the Date header of a service we reach anyway.
  try {
    const started = Date.now();
    const res = await withTimeout(fetch(config.telegram.apiRoot, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) }), timeoutMs + 500);
    const ended = Date.now();
    const date = Date.parse(res.headers.get("date") ?? "");
    if (Number.isNaN(date)) return warn(name, `no Date header from ${config.telegram.apiRoot}`, fix);
    // The header has whole seconds: its true time lies in [date, date + 1 s).
    const skewMs = (started + ended) / 2 - (date + 500);
    const detail = `${(skewMs / 1000).toFixed(1)} s off ${new URL(config.telegram.apiRoot).host}${ntp === "no" ? "; timedatectl says NTP is not synchronized" : ""}`;
    if (Math.abs(skewMs) > 30_000) return fail(name, detail, fix);
    if (Math.abs(skewMs) > 2_000 || ntp === "no") return warn(name, detail, fix);
    return pass(name, detail);
  } catch (err) {
    return warn(name, `no time source answered (${reason(err)})`, fix);
  }
}

/** Which process manager started a process, from its environment (PM2 sets pm_id, systemd INVOCATION_ID). */
function managerIn(env: Record<string, string | undefined>): string | undefined {
  if (env.pm_id !== undefined) return `PM2 (pm_id ${env.pm_id})`;
  if (env.INVOCATION_ID) return "systemd";
  return undefined;
}

async function environOf(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/environ`, "utf8");
    return Object.fromEntries(raw.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  } catch {
    return undefined;
  }
}

/**
 * The service runs under PM2 or systemd, so a crash or a reboot restarts it. Inside the service
 * (/doctor) its own environment says so; from a shell (`npm run doctor`) the running roles are
 * found by their heartbeats on this host and their environment read from /proc.
 */
async function processManagerCheck({ env, prisma, now }: DoctorContext): Promise<DoctorResult> {
  const name = "process manager";
  const fix = "Run the shop with systemd (ops/systemd) or PM2 (ecosystem.config.cjs) so it restarts after a crash or a reboot.";
  const own = managerIn(env);
  if (own) return pass(name, own);
  const live = await prisma.heartbeat
    .findMany({ where: { host: hostname(), stoppedAt: null, beatAt: { gt: new Date(now.getTime() - 60_000) } }, select: { pid: true, roles: true } })
    .catch(() => []);
  if (live.length === 0) return warn(name, "no running shop process found on this host (no heartbeat in the last minute), and this one runs under neither PM2 nor systemd", fix);
  const seen = await Promise.all(live.map(async (h) => ({ ...h, manager: managerIn((await environOf(h.pid)) ?? {}) })));
  const unmanaged = seen.filter((h) => !h.manager);
  const list = (hs: typeof seen) => hs.map((h) => `pid ${h.pid} (${h.roles.join(",")})`).join(", ");
  if (unmanaged.length) return warn(name, `not under PM2 or systemd (or not readable): ${list(unmanaged)}`, fix);
  return pass(name, [...new Set(seen.map((h) => h.manager))].join(", ") + `: ${list(seen)}`);
}

/** The machine: disk, clock, process manager. */
export const hostChecks: DoctorCheck = async (ctx) => [await diskCheck(ctx), await clockCheck(ctx), await processManagerCheck(ctx)];
