/**
 * The service's roles as separate OS processes (`node --import tsx ops/main.ts <role>`, from the
 * run's source snapshot), each supervised the way PM2/systemd would: whatever ends a process (our
 * SIGKILL, or a crash of its own) it is started again. Output: .chaos/logs/<name>.<generation>.log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { baseEnv } from "../process/helpers.js";
import { sleep } from "./options.js";

export interface RoleSpec {
  /** Unique name, e.g. "worker-2". */
  name: string;
  roles: string[];
  /** Added to the shared environment. */
  env?: Record<string, string>;
}

/** Workers log at debug level: "job started" lines show every run of a job, the evidence for a duplicate. */
export const CHAOS_ROLES: RoleSpec[] = [
  { name: "web", roles: ["web"] },
  { name: "bot", roles: ["bot"] },
  { name: "worker-1", roles: ["worker"], env: { LOG_LEVEL: "debug" } },
  { name: "worker-2", roles: ["worker"], env: { LOG_LEVEL: "debug" } },
  { name: "scheduler", roles: ["scheduler"] },
];

interface Running {
  spec: RoleSpec;
  child: ChildProcess;
  generation: number;
  logFile: string;
  startedAt: number;
  killedByUs: boolean;
  exited: Promise<void>;
}

/** An exit nobody asked for: a crash the chaos provoked (reported, not hidden). */
export interface Crash {
  role: string;
  generation: number;
  code: number | null;
  signal: string | null;
  logFile: string;
  /** The last log lines before it died. */
  tail: string;
}

export class RoleSupervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;
  readonly crashes: Crash[] = [];
  readonly kills: Array<{ role: string; pid: number | undefined; atMs: number; upMs: number }> = [];
  private readonly t0 = Date.now();

  constructor(
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    /** Where the roles run from (snapshot.ts): its root folder and its ops/main.ts. */
    private readonly source: { root: string; mainTs: string },
  ) {}

  start(): void {
    for (const spec of CHAOS_ROLES) this.launch(spec, 1);
  }

  private launch(spec: RoleSpec, generation: number): void {
    const logFile = path.join(this.logDir, `${spec.name}.${generation}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(process.execPath, ["--import", "tsx", this.source.mainTs, ...spec.roles], {
      cwd: this.source.root,
      env: { ...baseEnv(), ...this.env, ...spec.env },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    const entry: Running = {
      spec,
      child,
      generation,
      logFile,
      startedAt: Date.now(),
      killedByUs: false,
      exited: new Promise((resolve) => child.once("exit", () => resolve())),
    };
    this.running.set(spec.name, entry);
    child.once("exit", (code, signal) => {
      if (this.stopping) return;
      if (!entry.killedByUs) {
        const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
        this.crashes.push({ role: spec.name, generation, code, signal, logFile, tail: text.split("\n").slice(-8).join("\n") });
      }
      // PM2 restarts at once after a kill; a crashing process gets a short pause (restart back-off).
      const pause = entry.killedByUs ? 100 : 1_000;
      setTimeout(() => !this.stopping && this.launch(spec, generation + 1), pause);
    });
  }

  /** Whether the role's current process has logged "service started". */
  isUp(name: string): boolean {
    const entry = this.running.get(name);
    if (!entry || entry.child.exitCode !== null || entry.child.signalCode !== null) return false;
    try {
      return readFileSync(entry.logFile, "utf8").includes('"msg":"service started"');
    } catch {
      return false;
    }
  }

  /** Waits until every role is up (start-up, or after the disruptions end). */
  async waitAllUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!CHAOS_ROLES.every((r) => this.isUp(r.name))) {
      if (Date.now() > deadline) {
        const down = CHAOS_ROLES.filter((r) => !this.isUp(r.name)).map((r) => `${r.name} (${this.running.get(r.name)?.logFile})`);
        throw new Error(`roles not up after ${timeoutMs} ms: ${down.join(", ")}`);
      }
      await sleep(200);
    }
  }

  /** SIGKILLs a random role among those up (so each kill hits a working process); undefined if none is. */
  async killRandom(random: () => number): Promise<{ role: string; pid?: number } | undefined> {
    const up = CHAOS_ROLES.filter((r) => this.isUp(r.name));
    if (up.length === 0) return undefined;
    const spec = up[Math.floor(random() * up.length)]!;
    const entry = this.running.get(spec.name)!;
    entry.killedByUs = true;
    entry.child.kill("SIGKILL");
    this.killedLogs.push({ logFile: entry.logFile, at: Date.now() });
    this.kills.push({ role: spec.name, pid: entry.child.pid, atMs: Date.now() - this.t0, upMs: Date.now() - entry.startedAt });
    await entry.exited;
    return { role: spec.name, ...(entry.child.pid !== undefined ? { pid: entry.child.pid } : {}) };
  }

  /** The processes we SIGKILLed: their log file and when (ms since the epoch). */
  readonly killedLogs: Array<{ logFile: string; at: number }> = [];

  async stop(): Promise<void> {
    this.stopping = true;
    const entries = [...this.running.values()];
    for (const e of entries) e.child.kill("SIGTERM");
    const timer = setTimeout(() => entries.forEach((e) => e.child.kill("SIGKILL")), 15_000);
    await Promise.all(entries.map((e) => e.exited));
    clearTimeout(timer);
  }
}
