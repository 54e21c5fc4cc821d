/**
 * Helpers for tests that run the REAL service as child processes
 * (`node --import tsx ops/main.ts <roles>`), talking to a fake Telegram in the
 * test process over HTTP. Every spawned child is tracked so `killAll()` (call it
 * in afterEach/afterAll) can SIGKILL whatever a failing test left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MAIN_TS = path.join(ROOT, "ops/main.ts");

/** The few variables a child needs from the outside world; nothing else leaks in (no DATABASE_URL etc.). */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  proc: ChildProcess;
  pid: number;
  /** Date.now() right before spawn. */
  spawnedAt: number;
  stdout(): string;
  stderr(): string;
  /** stdout parsed as pino JSON lines (non-JSON lines skipped). */
  logs(): Array<Record<string, unknown>>;
  /** Resolves when the child has exited (never rejects). */
  exited: Promise<ExitInfo>;
  exitInfo(): ExitInfo | undefined;
  /** Resolves with the first log line whose `msg` matches (and Date.now() when it was seen). */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<{ line: Record<string, unknown>; at: number }>;
  /** Resolves with the exit info, or rejects if the child is still running after timeoutMs. */
  waitForExit(timeoutMs?: number): Promise<ExitInfo>;
  /** Describes output so far, for assertion messages. */
  describe(): string;
}

const live = new Set<ChildProcess>();
/** Process groups of children spawned with `group` (`npm run …`): killed whole, even after their leader exited. */
const groups = new Set<number>();

function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // the whole group is gone already
    }
  }
  groups.clear();
}

// If the vitest worker itself goes away, do not leave services behind.
process.once("exit", () => {
  for (const proc of live) proc.kill("SIGKILL");
  killGroups();
});

/**
 * Spawns a command with captured output, tracked for killAll(). `group`: in a process group
 * of its own, so killAll() also reaches what it starts (npm → sh → node would otherwise leave
 * the node process running when only npm is killed).
 */
export function spawnTracked(command: string, args: string[], opts: { env: Record<string, string>; cwd?: string; stdin?: "pipe" | "ignore"; group?: boolean }): ServiceProcess {
  const spawnedAt = Date.now();
  const proc = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env, stdio: [opts.stdin ?? "ignore", "pipe", "pipe"], detached: opts.group ?? false });
  if (proc.pid === undefined) throw new Error(`could not spawn ${command}`);
  live.add(proc);
  if (opts.group) groups.add(proc.pid);
  let out = "";
  let err = "";
  let exit: ExitInfo | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    notify();
  });
  proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    notify();
  });
  // "close" (not "exit") so all output has been read when it resolves.
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once("close", (code, signal) => {
      exit = { code, signal };
      live.delete(proc);
      notify();
      resolve(exit);
    });
  });
  const logs = () =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const describe = () => `exit=${JSON.stringify(exit ?? null)}\n--- stdout (tail) ---\n${out.slice(-3000)}\n--- stderr (tail) ---\n${err.slice(-3000)}`;
  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const tryNow = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error as Error);
          return;
        }
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`));
      }, timeoutMs);
      const listener = () => tryNow();
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      listeners.add(listener);
      tryNow();
    });

  return {
    proc,
    pid: proc.pid,
    spawnedAt,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    exitInfo: () => exit,
    waitForLog(msg, timeoutMs = 20_000) {
      const matches = (m: unknown) => typeof m === "string" && (typeof msg === "string" ? m === msg : msg.test(m));
      return waitUntil(
        () => {
          const line = logs().find((l) => matches(l.msg));
          if (line !== undefined) return { line, at: Date.now() };
          if (exit !== undefined) throw new Error(`process exited before logging ${String(msg)}\n${describe()}`);
          return undefined;
        },
        timeoutMs,
        `log line ${String(msg)}`,
      );
    },
    waitForExit(timeoutMs = 10_000) {
      return waitUntil(() => exit, timeoutMs, "process exit");
    },
    describe,
  };
}

/** `node --import tsx ops/main.ts <roles…>` with exactly `env` (plus PATH/HOME). */
export function spawnService(roles: string[], env: Record<string, string>): ServiceProcess {
  return spawnTracked(process.execPath, ["--import", "tsx", MAIN_TS, ...roles], { env: { ...baseEnv(), ...env } });
}

/** SIGKILLs every child still running (use in afterEach/afterAll) and waits for them to go. */
export async function killAll(): Promise<void> {
  killGroups();
  const procs = [...live];
  await Promise.all(
    procs.map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) {
            live.delete(proc);
            return resolve();
          }
          proc.once("close", () => resolve());
          proc.kill("SIGKILL");
        }),
    ),
  );
}

/** Polls `check` until it returns a value other than undefined, or throws after timeoutMs. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** GET with a short timeout; resolves with status and parsed JSON (or text). */
export async function getJson(url: string, timeoutMs = 3_000, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** Resident set size of a live process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Math.round(Number(kb[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
