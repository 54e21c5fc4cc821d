/**
 * WORKER_QUEUES: a host's worker may leave queues to other hosts (the backups go to the host whose
 * BACKUP_DIR holds them and their drills); an unknown name stops the start instead of leaving a
 * queue with no worker anywhere.
 */
import { afterAll, describe, expect, it } from "vitest";
import { QueueName, selectQueues } from "../../jobs/queues.js";
import { startTestService, type TestService } from "../support/service.js";

let t: TestService | undefined;
afterAll(async () => {
  await t?.stop();
});

describe("WORKER_QUEUES", () => {
  it("all, names, and -name to leave one out, left to right; unknown names refused", () => {
    expect(selectQueues(["all"]).size).toBe(Object.values(QueueName).length);
    const allButBackups = selectQueues(["all", "-backups"]);
    expect(allButBackups.has(QueueName.Backups)).toBe(false);
    expect(allButBackups.has(QueueName.Provisioning)).toBe(true);
    expect([...selectQueues(["backups", "stats-reports"])].sort()).toEqual(["backups", "stats-reports"]);
    expect(() => selectQueues(["all", "-backup"])).toThrow(/WORKER_QUEUES: unknown queue\(s\) backup/);
  });

  it("a worker started with some queues takes only those", { timeout: 60_000 }, async () => {
    t = await startTestService({ roles: ["worker"], env: { WORKER_QUEUES: "all,-owner-alerts" } });
    const { queues } = t.service;
    await queues.enqueue(QueueName.OwnerAlerts, { severity: "info", title: "left for another host" }, { jobId: "alert-left-here" });
    await queues.enqueue(QueueName.Lifecycle, { task: "order-expiry", tick: "2026-12-04T00:00" }, { jobId: "lifecycle-taken-here" });
    const lifecycle = queues.get(QueueName.Lifecycle);
    await expect.poll(async () => (await lifecycle.getJob("lifecycle-taken-here"))?.finishedOn !== undefined || (await lifecycle.getJob("lifecycle-taken-here")) === undefined, { timeout: 30_000 }).toBe(true);
    expect(await queues.get(QueueName.OwnerAlerts).getJobState("alert-left-here")).toBe("waiting");
  });
});
