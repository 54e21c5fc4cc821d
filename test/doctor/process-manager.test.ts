/**
 * The doctor's process-manager line from a shell: the running roles are found by their
 * heartbeats on this host, and their own environment (/proc/<pid>/environ) says who started them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostChecks } from "../../shop/doctor/host.check.js";
import type { DoctorContext } from "../../shop/doctor/types.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
const children: ChildProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await db?.drop();
});

/** A stand-in for a running role: a process with this environment and a fresh heartbeat row. */
async function role(env: Record<string, string>, roles: string[]): Promise<number> {
  const child = spawn("sleep", ["60"], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "ignore" });
  children.push(child);
  const now = new Date();
  await db.prisma.heartbeat.create({ data: { instanceId: `test-${child.pid}`, roles, pid: child.pid!, host: hostname(), startedAt: now, beatAt: now, rssBytes: 1n } });
  return child.pid!;
}

const line = async () => {
  const ctx = { config: { dataDir: ".", telegram: { apiRoot: "http://127.0.0.1:9" } }, env: {}, prisma: db.prisma, timeoutMs: 1_000, now: new Date() } as unknown as DoctorContext;
  return (await hostChecks(ctx)).find((r) => r.name === "process manager")!;
};

describe("process manager, seen from a shell", () => {
  it("WARNs when no role of the shop is running here", async () => {
    expect(await line()).toMatchObject({ status: "WARN", detail: expect.stringContaining("no running shop process") });
  });

  it("PASSes when every running role was started by systemd or PM2", async () => {
    const a = await role({ INVOCATION_ID: "abc123" }, ["web", "bot"]);
    const b = await role({ pm_id: "3" }, ["worker"]);
    const r = await line();
    expect(r.status, r.detail).toBe("PASS");
    expect(r.detail).toContain(`pid ${a} (web,bot)`);
    expect(r.detail).toContain(`pid ${b} (worker)`);
    expect(r.detail).toMatch(/systemd.*PM2 \(pm_id 3\)|PM2 \(pm_id 3\).*systemd/);
  });

  it("WARNs naming a role started by hand", async () => {
    const c = await role({}, ["scheduler"]);
    const r = await line();
    expect(r).toMatchObject({ status: "WARN", detail: expect.stringContaining(`pid ${c} (scheduler)`) });
  });
});
