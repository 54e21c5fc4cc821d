/**
 * After the sale (shop/lifecycle/*): renewal reminders 7/3/1 days before expiry, renewals that
 * extend from the CURRENT expiry exactly once, and the grace → suspend (power off) → delete
 * steps after expiry, each once, against the fake clouds and a real Postgres. `now` is passed
 * in, so days go by instantly.
 *
 * dueReminders/processExpired look at every instance in the database, so after each test
 * the instances it made are marked DELETED (out of both functions' reach).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient, type ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { dueReminders, processExpired } from "../../shop/lifecycle/expiry.js";
import { applyRenewal, createRenewalOrder } from "../../shop/lifecycle/renewal.js";
import { addMonths } from "../../shop/provisioning/provision.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { DAY, fakeCloudClock, fakeOf, fakeProviders, NOW, startFastClouds } from "../provisioning/fixtures.js";
import { at, HOUR, paidRenewal as paidRenewalOf, vpsExpiringAt as vpsExpiring } from "./fixtures.js";

const REMINDER_DAYS = [7, 3, 1];
const LIFECYCLE = { graceDays: 2, deleteAfterDays: 7 };

let db: TestDatabase;
let prisma: PrismaClient;
let racePrisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  racePrisma = createPrisma(db.url, { max: 10, applicationName: "vps-shop:test-race" });
  await seedDemoCatalog(prisma, NOW);
  clouds = await startFastClouds();
  providers = fakeProviders(clouds);
});
afterEach(async () => {
  await prisma.instance.updateMany({ where: { status: { not: "DELETED" } }, data: { status: "DELETED" } });
});
afterAll(async () => {
  await racePrisma?.$disconnect();
  await clouds?.stop();
  await db?.drop();
});

const vpsExpiringAt = (expiresAt: Date, code?: ProviderCode, extra?: Parameters<typeof vpsExpiring>[3]) => vpsExpiring({ prisma, providers }, expiresAt, code, extra);
const paidRenewal = (instanceId: number, userId: number, months = 1) => paidRenewalOf(prisma, instanceId, userId, months);

const reminders = async (now: Date) => (await dueReminders(prisma, REMINDER_DAYS, now)).map((e) => (e.kind === "reminder" ? `${e.instanceId}:${e.days}` : `${e.kind}`));

describe("dueReminders", () => {
  it("sends the 7-, 3- and 1-day reminders exactly once each, however often it runs", async () => {
    const E = at(NOW, 10 * DAY);
    const vps = await vpsExpiringAt(E, "DIGITALOCEAN", { autoRenew: true });
    const id = vps.id;
    const timeline: Array<[string, Date, string[]]> = [
      ["10 days left", NOW, []],
      ["7 days 1 h left", at(E, -7 * DAY - HOUR), []],
      ["6 days 23 h left", at(E, -7 * DAY + HOUR), [`${id}:7`]],
      ["same hour again", at(E, -7 * DAY + 2 * HOUR), []],
      ["5 days left", at(E, -5 * DAY), []],
      ["3 days 1 h left", at(E, -3 * DAY - HOUR), []],
      ["2 days 23 h left", at(E, -3 * DAY + HOUR), [`${id}:3`]],
      ["2 days left", at(E, -2 * DAY), []],
      ["23 h left", at(E, -DAY + HOUR), [`${id}:1`]],
      ["1 h left", at(E, -HOUR), []],
      ["expired", at(E, HOUR), []],
    ];
    for (const [label, now, want] of timeline) {
      expect(await reminders(now), label).toEqual(want);
      expect(await reminders(now), `${label} (run again)`).toEqual([]);
    }
    expect((await prisma.instance.findUniqueOrThrow({ where: { id } })).lastReminderDays).toBe(1);
    const events = await dueReminders(prisma, REMINDER_DAYS, at(E, -7 * DAY + HOUR));
    expect(events).toEqual([]);
  });

  it("concurrent runs send each reminder once; the event carries autoRenew", async () => {
    const E = at(NOW, 10 * DAY);
    const vps = await vpsExpiringAt(E, "VULTR", { autoRenew: true });
    const now = at(E, -6 * DAY);
    const runs = await Promise.all([1, 2, 3, 4].map(() => dueReminders(racePrisma, REMINDER_DAYS, now)));
    expect(runs.flat()).toEqual([{ kind: "reminder", instanceId: vps.id, userId: vps.userId, days: 7, autoRenew: true }]);
  });

  it("a VPS first seen 2 days before expiry gets the 3-day reminder then the 1-day one (no late 7-day one); OFF counts, SUSPENDED does not", async () => {
    const E = at(NOW, 2 * DAY);
    const off = await vpsExpiringAt(E, "LINODE", { status: "OFF" });
    const suspended = await vpsExpiringAt(E, "LINODE", { status: "SUSPENDED" });
    expect(await reminders(NOW)).toEqual([`${off.id}:3`]);
    expect(await reminders(at(E, -12 * HOUR))).toEqual([`${off.id}:1`]);
    expect(await reminders(at(E, -6 * HOUR))).toEqual([]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: suspended.id } })).lastReminderDays).toBeNull();
  });
});

describe("applyRenewal", () => {
  it("extends from the current expiry, not from today: expiring in 5 days + 1 month = that day next month; reminders start over", async () => {
    const E = at(NOW, 5 * DAY);
    const vps = await vpsExpiringAt(E);
    expect(await reminders(at(E, -4 * DAY))).toEqual([`${vps.id}:7`]);
    const renewal = await paidRenewal(vps.id, vps.userId, 1);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: renewal.orderId } });
    expect(order).toMatchObject({ kind: "RENEWAL", status: "PAID", instanceId: vps.id, durationMonths: 1, providerCode: "DIGITALOCEAN" });
    expect(order.snapshot).toMatchObject({ kind: "RENEWAL", expiresAtBefore: E.toISOString() });

    const applied = await applyRenewal(prisma, renewal.orderId);
    expect(applied).toEqual({ applied: true, instanceId: vps.id, expiresAt: addMonths(E, 1), wasSuspended: false });
    expect(addMonths(E, 1)).toEqual(new Date("2026-12-26T03:00:00.000Z"));
    const after = await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } });
    expect(after.expiresAt).toEqual(new Date("2026-12-26T03:00:00.000Z"));
    expect(after.lastReminderDays).toBeNull();
    expect((await prisma.order.findUniqueOrThrow({ where: { id: renewal.orderId } })).status).toBe("ACTIVE");
    // The reminders now count down to the new expiry.
    expect(await reminders(at(after.expiresAt, -6 * DAY))).toEqual([`${vps.id}:7`]);

    // Applying the same paid renewal again (a redelivered job) changes nothing.
    expect(await applyRenewal(prisma, renewal.orderId)).toEqual({ applied: false, why: "order is ACTIVE" });
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).expiresAt).toEqual(addMonths(E, 1));
  });

  it("a late renewal (already expired, in grace) also counts from the old expiry", async () => {
    const E = at(NOW, -DAY);
    const vps = await vpsExpiringAt(E, "VULTR");
    const renewal = await paidRenewal(vps.id, vps.userId, 3);
    expect(await applyRenewal(prisma, renewal.orderId)).toMatchObject({ applied: true, expiresAt: addMonths(E, 3) });
  });

  it("the same renewal applied concurrently extends once; two different renewals both count", async () => {
    const E = at(NOW, 5 * DAY);
    const vps = await vpsExpiringAt(E, "LINODE");
    const renewal = await paidRenewal(vps.id, vps.userId, 1);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => applyRenewal(racePrisma, renewal.orderId)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results.filter((r) => !r.applied)).toHaveLength(4);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).expiresAt).toEqual(addMonths(E, 1));
    const history = await prisma.orderStatusHistory.findMany({ where: { orderId: renewal.orderId, toStatus: "ACTIVE" } });
    expect(history).toHaveLength(1);

    const a = await paidRenewal(vps.id, vps.userId, 1);
    const b = await paidRenewal(vps.id, vps.userId, 3);
    const both = await Promise.all([applyRenewal(racePrisma, a.orderId), applyRenewal(racePrisma, b.orderId)]);
    expect(both.every((r) => r.applied)).toBe(true);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).expiresAt).toEqual(addMonths(addMonths(addMonths(E, 1), 1), 3));
  });

  it("renewing a SUSPENDED VPS reports wasSuspended; unpaid or non-renewal orders are not applied", async () => {
    const E = at(NOW, -3 * DAY);
    const vps = await vpsExpiringAt(E, "DIGITALOCEAN", { status: "SUSPENDED" });
    const unpaid = await createRenewalOrder(prisma, { userId: vps.userId, instanceId: vps.id, months: 1, paymentTtlHours: 24, now: NOW });
    if (!unpaid.ok) throw new Error("refused");
    expect(await applyRenewal(prisma, unpaid.orderId)).toEqual({ applied: false, why: "order is PENDING_PAYMENT" });
    expect(await applyRenewal(prisma, vps.orderId)).toEqual({ applied: false, why: "not a renewal order" });

    const renewal = await paidRenewal(vps.id, vps.userId, 1);
    expect(await applyRenewal(prisma, renewal.orderId)).toEqual({ applied: true, instanceId: vps.id, expiresAt: addMonths(E, 1), wasSuspended: true });
    // Nobody else's VPS, and not a deleted one.
    const other = await createRenewalOrder(prisma, { userId: vps.userId + 10_000, instanceId: vps.id, months: 1, paymentTtlHours: 24, now: NOW });
    expect(other).toEqual({ ok: false, reason: "not_found" });
    await prisma.instance.update({ where: { id: vps.id }, data: { status: "DELETED" } });
    expect(await createRenewalOrder(prisma, { userId: vps.userId, instanceId: vps.id, months: 1, paymentTtlHours: 24, now: NOW })).toEqual({ ok: false, reason: "not_renewable" });
  });
});

describe("processExpired", () => {
  const expired = async (now: Date) => (await processExpired(prisma, providers, { ...LIFECYCLE, now })).events.map((e) => `${e.kind}:${e.instanceId}`);

  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: grace notice, power-off after GRACE_DAYS, delete after DELETE_AFTER_DAYS — each once", async (code) => {
    const E = NOW;
    const vps = await vpsExpiringAt(E, code);
    const id = vps.providerInstanceId!;
    const fake = fakeOf(clouds, code);
    const provider = providers[code]!;

    expect(await expired(at(E, -HOUR))).toEqual([]);

    const grace = await processExpired(prisma, providers, { ...LIFECYCLE, now: at(E, HOUR) });
    expect(grace.events).toEqual([{ kind: "grace", instanceId: vps.id, userId: vps.userId, suspendAt: at(E, 2 * DAY) }]);
    expect(await expired(at(E, 2 * HOUR))).toEqual([]);
    expect(await expired(at(E, DAY))).toEqual([]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
    expect((await provider.getServer(id))!.status).toBe("running");

    const suspendNow = at(E, 2 * DAY + HOUR);
    const suspended = await processExpired(prisma, providers, { ...LIFECYCLE, now: suspendNow });
    expect(suspended.events).toEqual([{ kind: "suspended", instanceId: vps.id, userId: vps.userId, deleteAt: at(E, 7 * DAY) }]);
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).toMatchObject({ status: "SUSPENDED", suspendedAt: suspendNow });
    fakeCloudClock.advance(60); // the fake's power-off is over (its time moves on at once, no sleep)
    expect((await provider.getServer(id))!.status).toBe("off");
    const powerOffs = () => fake.requests().filter((r) => r.method === "POST" && /actions$|halt$|shutdown$/.test(r.path)).length;
    expect(powerOffs()).toBe(1);
    expect(await expired(suspendNow)).toEqual([]);
    expect(await expired(at(E, 5 * DAY))).toEqual([]);
    expect(powerOffs()).toBe(1);

    const deleteNow = at(E, 7 * DAY + HOUR);
    expect(await expired(deleteNow)).toEqual([`deleted:${vps.id}`]);
    expect(fake.servers().find((s) => s.id === id)).toBeUndefined();
    expect(await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).toMatchObject({ status: "DELETED", deletedAt: deleteNow });
    expect(await expired(deleteNow)).toEqual([]);
    expect(await expired(at(E, 30 * DAY))).toEqual([]);
    expect(fake.requests().filter((r) => r.method === "DELETE")).toHaveLength(1);

    const stamp = E.toISOString();
    // The grace notice is marked once per expiry; suspend and delete are claimed on the row itself.
    const marks = await prisma.processedEvent.findMany({ where: { source: "lifecycle", key: { endsWith: `:${vps.id}:${stamp}` } }, orderBy: { id: "asc" } });
    expect(marks.map((m) => m.key)).toEqual([`grace:${vps.id}:${stamp}`]);
  });

  it("a VPS renewed during grace is neither suspended nor deleted", async () => {
    const E = NOW;
    const vps = await vpsExpiringAt(E, "VULTR");
    expect(await expired(at(E, HOUR))).toEqual([`grace:${vps.id}`]);
    const renewal = await paidRenewal(vps.id, vps.userId, 1);
    expect(await applyRenewal(prisma, renewal.orderId)).toMatchObject({ applied: true, expiresAt: addMonths(E, 1) });
    expect(await expired(at(E, 2 * DAY + HOUR))).toEqual([]);
    expect(await expired(at(E, 7 * DAY + HOUR))).toEqual([]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
    expect((await providers.VULTR!.getServer(vps.providerInstanceId!))!.status).toBe("running");
    // The new expiry gets its own grace notice when its time comes.
    expect(await expired(at(addMonths(E, 1), HOUR))).toEqual([`grace:${vps.id}`]);
  });

  it("a suspended VPS renewed before deletion is not deleted (wasSuspended tells the caller to power it on)", async () => {
    const E = NOW;
    const vps = await vpsExpiringAt(E, "LINODE");
    expect(await expired(at(E, 2 * DAY + HOUR))).toEqual([`suspended:${vps.id}`]); // no run during grace: no notice, straight to suspend
    const renewal = await paidRenewal(vps.id, vps.userId, 1);
    expect(await applyRenewal(prisma, renewal.orderId)).toMatchObject({ applied: true, wasSuspended: true });
    expect(await expired(at(E, 7 * DAY + HOUR))).toEqual([]);
    expect(clouds.linode.servers().some((s) => s.id === vps.providerInstanceId)).toBe(true);
  });

  it("a VPS the customer had powered off (OFF) is suspended like any other, and does not block the others", async () => {
    const E = NOW;
    const off = await vpsExpiringAt(E, "DIGITALOCEAN");
    await providers.DIGITALOCEAN!.action(off.providerInstanceId!, "power_off");
    fakeCloudClock.advance(60); // the fake's power-off is over (its time moves on at once, no sleep)
    expect((await providers.DIGITALOCEAN!.getServer(off.providerInstanceId!))!.status).toBe("off");
    await prisma.instance.update({ where: { id: off.id }, data: { status: "OFF" } });
    const active = await vpsExpiringAt(E, "DIGITALOCEAN");

    const events = await expired(at(E, 2 * DAY + HOUR));
    expect(events.sort()).toEqual([`suspended:${active.id}`, `suspended:${off.id}`].sort());
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: off.id } })).status).toBe("SUSPENDED");
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: active.id } })).status).toBe("SUSPENDED");
    expect(await expired(at(E, 2 * DAY + 2 * HOUR))).toEqual([]);
  });

  it("a failed power-off is reported, given back, and retried by the next run (and then happens once)", async () => {
    const E = NOW;
    const vps = await vpsExpiringAt(E, "VULTR");
    const provider = Object.create(providers.VULTR!) as NonNullable<CloudProviders["VULTR"]>;
    let failNext = true;
    provider.action = async (id, action, opts) => {
      if (failNext) {
        failNext = false;
        clouds.vultr.fail(1, { status: 503 });
      }
      return providers.VULTR!.action(id, action, opts);
    };
    const now = at(E, 2 * DAY + HOUR);
    const failed = await processExpired(prisma, { VULTR: provider }, { ...LIFECYCLE, now });
    expect(failed).toEqual({ events: [], failures: [{ instanceId: vps.id, error: expect.stringMatching(/Vultr is having problems \(HTTP 503\)/) }] });
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
    expect((await processExpired(prisma, { VULTR: provider }, { ...LIFECYCLE, now })).events.map((e) => e.kind)).toEqual(["suspended"]);
    expect(await processExpired(prisma, { VULTR: provider }, { ...LIFECYCLE, now })).toEqual({ events: [], failures: [] });
    fakeCloudClock.advance(60); // the fake's power-off is over (its time moves on at once, no sleep)
    expect((await providers.VULTR!.getServer(vps.providerInstanceId!))!.status).toBe("off");
  });

  it("a server already deleted at the provider still ends as DELETED", async () => {
    const E = NOW;
    const vps = await vpsExpiringAt(E, "LINODE");
    await providers.LINODE!.deleteServer(vps.providerInstanceId!);
    expect(await expired(at(E, 7 * DAY + HOUR))).toEqual([`deleted:${vps.id}`]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("DELETED");
  });
});
