/**
 * Running the compiled service as production runs it, for the cold-start and memory benchmarks:
 * `dist/ops/main.js <role>` (built first if missing) with the Node flags of the systemd unit
 * (ops/systemd/vps-shop@.service, the same as ecosystem.config.cjs), so what is measured is what
 * a VPS runs. RSS comes from /proc (Linux).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../shop/platform/paths.js";

/** Builds dist/ once if it is missing (`npm run build`). */
export function ensureBuilt(): void {
  if (existsSync(path.join(projectRoot, "dist/ops/main.js"))) return;
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: projectRoot, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
}

/**
 * The V8/Node flags production starts the service with: the `--…` words of the systemd unit's
 * ExecStart, minus `--env-file` (the bench passes its environment directly).
 * BENCH_NODE_ARGS="…" replaces them (e.g. "" for Node's defaults) to compare settings.
 */
export function productionNodeArgs(): string[] {
  if (process.env.BENCH_NODE_ARGS !== undefined) return process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean);
  const unit = readFileSync(path.join(projectRoot, "ops/systemd/vps-shop@.service"), "utf8");
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
  return exec.split(/\s+/).filter((w) => w.startsWith("--") && !w.startsWith("--env-file"));
}

/** Resident memory of a process in MiB: now (VmRSS) and its peak so far (VmHWM). */
export function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux x86-64)
}

export interface RoleProcess {
  role: string;
  child: ChildProcess;
  /** ms from spawn to the "service started" log line. */
  coldStartMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns `node <production flags> dist/ops/main.js <role>` and resolves once it logs "service
 * started". Its output goes to `logFile` when given (else it is drained).
 */
export async function spawnRole(role: string, env: NodeJS.ProcessEnv, opts: { logFile?: string; timeoutMs?: number } = {}): Promise<RoleProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...productionNodeArgs(), "dist/ops/main.js", role], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const log = createWriteStream(opts.logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else child.stderr.resume();
  let tail = "";
  const coldStartMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role}: no "service started" within ${opts.timeoutMs ?? 30_000} ms; last output: ${tail}`)), opts.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-2_000);
      if (tail.includes('"service started"')) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        if (!opts.logFile) child.stdout.resume();
        resolve(performance.now() - started);
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited early with ${code}; last output: ${tail}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    role,
    child,
    coldStartMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
