/**
 * Expiry notices are recorded with the step they announce (shop/lifecycle/expiry.ts with the
 * lifecycle processor's expiryNotices): the grace claim, the suspension claim and the DELETED
 * mark each write the customer's notice to job_outbox in the same transaction, so a worker killed
 * right after the step (before it queued the notice) loses nothing: the recovery sweep pushes it.
 * A suspension given back (the power-off failed) withdraws its notice, and the run that finally
 * suspends records it again.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { expiryNotices } from "../../jobs/processors/lifecycle.processor.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { CloudError } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { processExpired } from "../../shop/lifecycle/expiry.js";
import { createLogger } from "../../shop/platform/logger.js";
import { DAY, NOW } from "../provisioning/fixtures.js";
import { at, HOUR, lifecycleWorld, vpsExpiringAt } from "../lifecycle/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const LIFECYCLE = { graceDays: 2, deleteAfterDays: 7 };
const logger = createLogger({ role: "test", level: "silent" });
const world = lifecycleWorld();
const prefix = uniquePrefix("expiry-notices");
let prisma: PrismaClient;
let providers: CloudProviders;
let redis: Redis;
let queues: Queues;

beforeAll(() => {
  ({ prisma, providers } = world);
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queues = new Queues(redis, prefix, logger, new JobOutbox(prisma));
});
afterAll(async () => {
  await queues?.close();
  await deleteKeys(prefix);
  redis?.disconnect();
});

/** The step's run, killed right after processExpired returned: nothing queued by the processor. */
const stepThenCrash = (now: Date, over: CloudProviders = providers) => processExpired(prisma, over, { ...LIFECYCLE, now, notices: expiryNotices({ prisma, queues }) });

async function recorded(kind: string, vps: { id: number; expiresAt: Date }) {
  const id = jobId(kind, vps.id, vps.expiresAt.getTime());
  const row = await prisma.jobOutbox.findUnique({ where: { queue_jobId: { queue: QueueName.Notifications, jobId: id } } });
  return row && { id, status: row.status, key: (row.payload as { key?: string }).key, runAt: row.runAt };
}

describe("expiry notices survive a crash right after the step", () => {
  it("grace, suspended and deleted are each on record with their step; the sweep pushes them", async () => {
    const E = NOW;
    const vps = await vpsExpiringAt({ prisma, providers }, E);
    expect((await stepThenCrash(at(E, HOUR))).events.map((e) => e.kind)).toEqual(["grace"]);
    expect(await recorded("grace", vps)).toMatchObject({ status: "PENDING", key: "expiry-grace" });

    expect((await stepThenCrash(at(E, 2 * DAY + HOUR))).events.map((e) => e.kind)).toEqual(["suspended"]);
    const suspended = await recorded("suspended", vps);
    expect(suspended).toMatchObject({ status: "PENDING", key: "expiry-suspended" });
    // Held back a while for the sweep (the processor pushes it at once when it lives on).
    expect(suspended!.runAt.getTime()).toBeGreaterThan(Date.now() + 60_000);

    expect((await stepThenCrash(at(E, 7 * DAY + HOUR))).events.map((e) => e.kind)).toEqual(["deleted"]);
    expect(await recorded("deleted", vps)).toMatchObject({ status: "PENDING", key: "expiry-deleted" });

    // The worker is gone; the sweep finds the notices Redis never got.
    const report = await recoverJobs({ prisma, queues, processors: {}, logger, graceMs: 0 });
    for (const kind of ["grace", "suspended", "deleted"]) expect(report.repushed).toContain(`${QueueName.Notifications}/${jobId(kind, vps.id, vps.expiresAt.getTime())}`);
    // Re-running the steps records and announces nothing twice.
    expect((await stepThenCrash(at(E, 7 * DAY + 2 * HOUR))).events).toEqual([]);
  });

  it("a suspension given back (power-off failed) withdraws its notice; the run that suspends records it again", async () => {
    const E = at(NOW, -30 * DAY);
    const vps = await vpsExpiringAt({ prisma, providers }, E);
    const refusing = Object.create(providers.DIGITALOCEAN!) as NonNullable<CloudProviders["DIGITALOCEAN"]>;
    refusing.action = async () => {
      throw new CloudError("DIGITALOCEAN", "unavailable", "DigitalOcean answered 503", true, 503);
    };
    const failed = await stepThenCrash(at(E, 2 * DAY + HOUR), { DIGITALOCEAN: refusing });
    expect(failed.failures.map((f) => f.instanceId)).toEqual([vps.id]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
    expect(await recorded("suspended", vps)).toBeNull();

    expect((await stepThenCrash(at(E, 2 * DAY + 2 * HOUR))).events.map((e) => e.kind)).toEqual(["suspended"]);
    expect(await recorded("suspended", vps)).toMatchObject({ status: "PENDING", key: "expiry-suspended" });
  });
});
