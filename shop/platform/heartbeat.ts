import { createHash, randomUUID } from "node:crypto";
import os from "node:os";
import type { PrismaClient } from "../../db/client.js";
import type { Logger } from "./logger.js";

/** How often each process writes its heartbeat; the watchdog calls a role down after 6 missed beats. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
export const HEARTBEAT_STALE_MS = 90_000;

/**
 * Every process writes a row every ~15 s (roles, pid, start time, RSS), so another process can
 * tell that a role is gone (no fresh row carries it) or restarting in a loop (many start times).
 * One row per process start: the start times are the restart history.
 */
export function startHeartbeat(prisma: PrismaClient, roles: readonly string[], opts: { intervalMs?: number; logger?: Logger } = {}): { instanceId: string; stop(): Promise<void> } {
  const instanceId = randomUUID();
  const startedAt = new Date();
  const host = os.hostname().slice(0, 100);
  const beat = () =>
    prisma.$executeRaw`
      INSERT INTO heartbeats (instance_id, roles, pid, host, started_at, beat_at, rss_bytes)
      VALUES (${instanceId}, ${[...roles]}::text[], ${process.pid}, ${host}, ${startedAt}, now(), ${BigInt(process.memoryUsage.rss())})
      ON CONFLICT (instance_id) DO UPDATE SET beat_at = now(), rss_bytes = EXCLUDED.rss_bytes, stopped_at = NULL`.catch((err: unknown) => {
      opts.logger?.warn({ err }, "heartbeat not written");
    });
  let last = beat();
  const timer = setInterval(() => {
    last = beat();
  }, opts.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    instanceId,
    async stop() {
      clearInterval(timer);
      await last;
      await prisma.$executeRaw`UPDATE heartbeats SET stopped_at = now() WHERE instance_id = ${instanceId}`.catch(() => undefined);
    },
  };
}

/** Error class + the first stack frame in our code: the same bug groups under one fingerprint wherever it strikes. */
export function errorFingerprint(err: unknown): { fingerprint: string; errorClass: string; message: string; topFrame: string } {
  const e = err instanceof Error ? err : new Error(typeof err === "string" ? err : JSON.stringify(err) ?? String(err));
  const frames = (e.stack ?? "").split("\n").slice(1).map((l) => l.trim()).filter((l) => l.startsWith("at "));
  const ours = frames.find((f) => !f.includes("node_modules") && !f.includes("node:")) ?? frames[0] ?? "(no stack)";
  // Line and column only: the path prefix differs between installs, the function and file do not.
  const topFrame = ours.replace(/\(?(?:file:\/\/)?\/[^)]*\/((?:bot|jobs|shop|ops|webhooks|db)\/[^):]+):(\d+):\d+\)?/, "($1:$2)").slice(0, 300);
  const errorClass = (e.name || e.constructor.name || "Error").slice(0, 100);
  const fingerprint = createHash("sha256").update(`${errorClass}|${topFrame}`).digest("hex").slice(0, 16);
  return { fingerprint, errorClass, message: e.message.slice(0, 500), topFrame };
}

/**
 * Records an uncaught error (grouped by fingerprint) for the uncaught-errors alert. `scrub`
 * removes secret values from the message before it is stored (and later sent to the owner).
 */
export async function recordProcessError(prisma: PrismaClient, err: unknown, roles: readonly string[], scrub: (s: string) => string = (s) => s): Promise<void> {
  const f = errorFingerprint(err);
  await prisma.$executeRaw`
    INSERT INTO process_errors (fingerprint, error_class, message, top_frame, roles)
    VALUES (${f.fingerprint}, ${f.errorClass}, ${scrub(f.message)}, ${f.topFrame}, ${[...roles]}::text[])
    ON CONFLICT (fingerprint) DO UPDATE SET count = process_errors.count + 1, last_seen_at = now(), message = EXCLUDED.message,
      roles = ARRAY(SELECT DISTINCT unnest(process_errors.roles || EXCLUDED.roles))`;
}
