/**
 * The lifecycle job as the worker runs it (jobs/processors/lifecycle.processor.ts): one domain
 * call per task, rendered as customer messages; failed instances reach the owner in ONE alert
 * per run; auto-renew pays from the wallet and hands the payment to its follow-up, or cancels
 * the renewal order it could not pay (state machine) and sends the reminder with the price.
 * Queues are a recorder; clouds are the fakes; `now` is the real clock.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { createI18n, LocaleCache } from "../../bot/i18n.js";
import { lifecycleProcessor } from "../../jobs/processors/lifecycle.processor.js";
import type { Queues } from "../../jobs/queues.js";
import { CloudError } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { ADJUSTMENTS_ACCOUNT, postLedger, walletAccount, walletBalance } from "../../shop/wallet/ledger.js";
import { DAY } from "../provisioning/fixtures.js";
import { HOUR, lifecycleWorld, vpsExpiringAt } from "./fixtures.js";

const LIFECYCLE = { reminderDays: [7, 3, 1], graceDays: 2, deleteAfterDays: 7 };
const TICK = "2026-12-02T10:00:00.000Z";

const world = lifecycleWorld();
let prisma: PrismaClient;
let providers: CloudProviders;
let jobs: Array<{ queue: string; payload: Record<string, unknown>; jobId?: string }>;
beforeAll(() => {
  ({ prisma, providers } = world);
});

/** `dieAfterQueueing`: the process dies right after a job reached this queue (the enqueue then throws). */
function processor(over: Partial<CloudProviders> = {}, opts: { dieAfterQueueing?: string } = {}) {
  jobs = [];
  const queues = {
    enqueue: async (queue: string, payload: Record<string, unknown>, o: { jobId?: string } = {}) => {
      jobs.push({ queue, payload, jobId: o.jobId });
      if (opts.dieAfterQueueing === queue) throw new Error("killed right after queueing");
    },
  } as unknown as Queues;
  return lifecycleProcessor({ prisma, queues, i18n: createI18n(new LocaleCache()), providers: { ...providers, ...over }, lifecycle: LIFECYCLE, paymentTtlHours: 24 });
}

const ago = (ms: number) => new Date(Date.now() - ms);

describe("instance-expiry", () => {
  it("suspends the others when one fails, tells their owners, and alerts the owner once with the failure", async () => {
    const broken = await vpsExpiringAt({ prisma, providers }, ago(2 * DAY + HOUR));
    const fine = await vpsExpiringAt({ prisma, providers }, ago(2 * DAY + HOUR));
    const flaky = Object.create(providers.DIGITALOCEAN!) as NonNullable<CloudProviders["DIGITALOCEAN"]>;
    flaky.action = async (id, action, opts) => {
      if (id === broken.providerInstanceId) throw new CloudError("DIGITALOCEAN", "unavailable", "DigitalOcean is having problems (HTTP 500)", true, 500);
      return providers.DIGITALOCEAN!.action(id, action, opts);
    };
    const result = await processor({ DIGITALOCEAN: flaky })({ task: "instance-expiry", tick: TICK });
    expect(result).toEqual({ events: [`suspended:${fine.id}`], failed: [`${broken.id}: DigitalOcean is having problems (HTTP 500)`] });
    expect(jobs.filter((j) => j.queue === "notifications").map((j) => j.payload.key)).toEqual(["expiry-suspended"]);
    const alerts = jobs.filter((j) => j.queue === "owner-alerts");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.jobId).toBe("lifecycle-failures-instance-expiry-2026-12-02T10-00-00.000Z");
    expect(alerts[0]!.payload).toMatchObject({ severity: "warning", detail: expect.stringContaining(`instance #${broken.id}: DigitalOcean is having problems (HTTP 500)`) });
  });
});

async function fundWallet(userId: number, amountIdr: number) {
  await prisma.wallet.create({ data: { userId } });
  await prisma.$transaction((tx) =>
    postLedger(tx, {
      kind: "ADJUSTMENT",
      idempotencyKey: `test:fund:${userId}`,
      entries: [{ account: ADJUSTMENTS_ACCOUNT, amountIdr: -amountIdr }, { account: walletAccount(userId), userId, amountIdr }],
    }),
  );
}

describe("renewal-reminders with auto-renew", () => {
  async function autoRenewingVps() {
    const v = await vpsExpiringAt({ prisma, providers }, new Date(Date.now() + 12 * HOUR), "LINODE");
    await prisma.instance.update({ where: { id: v.id }, data: { autoRenew: true, lastReminderDays: 3 } });
    return v;
  }

  it("a funded wallet pays one month and the payment's follow-up is dispatched (no reminder)", async () => {
    const v = await autoRenewingVps();
    await fundWallet(v.userId, 1_000_000);
    expect(await processor()({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 1, failed: 0 });
    const order = await prisma.order.findFirstOrThrow({ where: { instanceId: v.id, kind: "RENEWAL" }, include: { payments: true } });
    expect(order.status).toBe("PAID");
    expect(jobs).toEqual([{ queue: "payment-followups", payload: { kind: "paid", paymentId: order.payments[0]!.id }, jobId: `paid-${order.payments[0]!.id}` }]);
    expect(await walletBalance(prisma, v.userId)).toBe(1_000_000 - order.totalIdr);
  });

  it("an empty wallet: the renewal order is cancelled through the state machine and the reminder shows the price", async () => {
    const v = await autoRenewingVps();
    expect(await processor()({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 1, failed: 0 });
    const order = await prisma.order.findFirstOrThrow({ where: { instanceId: v.id, kind: "RENEWAL" }, include: { statusHistory: { orderBy: { id: "asc" } } } });
    expect(order.status).toBe("CANCELLED");
    expect(order.statusHistory.at(-1)).toMatchObject({ toStatus: "CANCELLED", actorType: "SYSTEM", reason: expect.stringMatching(/insufficient/) });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ queue: "notifications", payload: { key: "renew-reminder-auto", params: { price: expect.stringMatching(/^Rp/) } } });
  });

  it("a run that dies after paying (before marking the reminder) does not pay twice: the next run hands over the same payment", async () => {
    const v = await autoRenewingVps();
    await fundWallet(v.userId, 1_000_000);
    expect(await processor({}, { dieAfterQueueing: "payment-followups" })({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 0, failed: 1 });
    const first = jobs.filter((j) => j.queue === "payment-followups").map((j) => j.jobId);
    expect(first).toHaveLength(1);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).lastReminderDays).toBe(3);
    expect(await processor()({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 1, failed: 0 });
    expect(jobs.map((j) => j.jobId)).toEqual(first);
    const orders = await prisma.order.findMany({ where: { instanceId: v.id, kind: "RENEWAL" } });
    expect(orders.map((o) => o.status)).toEqual(["PAID"]);
    expect(await walletBalance(prisma, v.userId)).toBe(1_000_000 - orders[0]!.totalIdr);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).lastReminderDays).toBe(1);
  });
});

describe("renewal-reminders, killed between queueing and marking", () => {
  it("the reminder is queued again under the same job id by the next run (never lost), then never again", async () => {
    const v = await vpsExpiringAt({ prisma, providers }, new Date(Date.now() + 6 * DAY), "VULTR");
    expect(await processor({}, { dieAfterQueueing: "notifications" })({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 0, failed: 1 });
    const queued = jobs.filter((j) => j.queue === "notifications").map((j) => j.jobId);
    expect(queued).toHaveLength(1);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).lastReminderDays).toBeNull();
    expect(await processor()({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 1, failed: 0 });
    expect(jobs.map((j) => j.jobId)).toEqual(queued);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: v.id } })).lastReminderDays).toBe(7);
    expect(await processor()({ task: "renewal-reminders", tick: TICK })).toEqual({ reminders: 0, failed: 0 });
    expect(jobs).toEqual([]);
  });
});
