/**
 * provisionOrder (shop/provisioning/provision.ts) and the seller's retry/refund
 * (shop/provisioning/staff-actions.ts), in-process against the three fake clouds and a real
 * Postgres. Boots take tens of milliseconds; the provisioning clock moves only when the code
 * sleeps, so deadlines are exact and nothing waits for real minutes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import { CloudError } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { addMonths, isTransient, orderTag, ProvisioningError, provisionOrder, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { refundFailedOrder, retryProvisioning } from "../../shop/provisioning/staff-actions.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import {
  beforeCreate,
  encryptionKey,
  fakeCloudClock,
  fakeOf,
  fakeProviders,
  newPaidOrder,
  newUser,
  NOW,
  openPassword,
  provisionWith,
  serversTagged,
  startFastClouds,
  steppingClock,
} from "./fixtures.js";
import { acceptsRootPassword } from "../support/root-password.js";

let db: TestDatabase;
let prisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma, NOW);
  clouds = await startFastClouds();
  providers = fakeProviders(clouds);
});
afterEach(() => {
  fakeCloudClock.release();
  clouds.reset();
});
afterAll(async () => {
  await clouds?.stop();
  await db?.drop();
});

const base = () => ({ prisma, providers });

async function loadOrder(orderId: number) {
  return prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { createdInstance: true, provisioningTask: true, statusHistory: { orderBy: { id: "asc" } } } });
}

describe("provisionOrder: happy path per provider", () => {
  const cases: Array<[ProviderCode, number]> = [
    ["DIGITALOCEAN", 1],
    ["VULTR", 3],
    ["LINODE", 12],
  ];

  it.each(cases)("%s: PAID → PROVISIONING → ACTIVE with IPv4, password only sealed, expiry = activation + %i month(s)", async (code, months) => {
    const order = await newPaidOrder(prisma, { provider: code, months });
    // The server boots while provisioning polls (the clouds' clock moves only with its sleeps),
    // not while a busy machine happens to be slow to ask.
    fakeCloudClock.hold();
    const clock = steppingClock(NOW, { fake: fakeCloudClock });
    const result = await provisionOrder({ prisma, providers, encryptionKey, deadlineMs: 60_000, pollIntervalMs: 20, sleep: clock.sleep, now: clock.now }, order.id);
    expect(result).toMatchObject({ status: "active", orderId: order.id, alreadyDone: false });
    if (result.status !== "active") throw new Error("unreachable");
    expect(result.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const row = await loadOrder(order.id);
    expect(row.status).toBe("ACTIVE");
    expect(row.statusHistory.map((h) => h.toStatus)).toEqual(["PENDING_PAYMENT", "PAID", "PROVISIONING", "ACTIVE"]);
    expect(row.provisioningTask).toMatchObject({ status: "DONE", attempts: 1, errorCode: null });
    const instance = row.createdInstance!;
    expect(instance).toMatchObject({ id: result.instanceId, status: "ACTIVE", ipv4: result.ipv4, providerCode: code, userId: order.userId });
    expect(row.provisioningTask!.providerInstanceId).toBe(instance.providerInstanceId);
    // The clock advanced only while polling; activation is its last reading.
    expect(instance.expiresAt).toEqual(addMonths(clock.current, months));
    expect(clock.current.getTime()).toBeGreaterThan(NOW.getTime());

    // Exactly one server at the provider, tagged with the order, running, same IPv4.
    const fake = fakeOf(clouds, code);
    const tagged = serversTagged(fake, orderTag(order.reference));
    expect(tagged).toHaveLength(1);
    expect(tagged[0]).toMatchObject({ id: instance.providerInstanceId, ipv4: result.ipv4 });

    // The password: what the provider was given, stored only sealed.
    const password = await openPassword(instance.rootPasswordEnc);
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(acceptsRootPassword(tagged[0], password)).toBe(true);
    const bytes = Buffer.from(instance.rootPasswordEnc!);
    expect(bytes.includes(Buffer.from(password, "utf8"))).toBe(false);
    expect(bytes.toString("latin1")).not.toContain(password);
    expect(bytes.length).toBe(24 + Buffer.byteLength(password) + 16);
  });

  it("a second run is a no-op: alreadyDone, no second server, no second create", async () => {
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN" });
    const first = await provisionWith(base(), order.id);
    expect(first).toMatchObject({ status: "active", alreadyDone: false });
    const posts = () => clouds.digitalocean.requests().filter((r) => r.method === "POST").length;
    const postsAfterFirst = posts();
    const second = await provisionWith(base(), order.id);
    expect(second).toMatchObject({ status: "active", alreadyDone: true, instanceId: (first as { instanceId: number }).instanceId, ipv4: (first as { ipv4: string }).ipv4 });
    expect(posts()).toBe(postsAfterFirst);
    expect(serversTagged(clouds.digitalocean, orderTag(order.reference))).toHaveLength(1);
    expect((await loadOrder(order.id)).provisioningTask!.attempts).toBe(1);
  });

  it("skips orders that are not paid new-VPS orders", async () => {
    const order = await newPaidOrder(prisma, { provider: "VULTR" });
    await prisma.order.update({ where: { id: order.id }, data: { status: "CANCELLED" } });
    expect(await provisionWith(base(), order.id)).toEqual({ status: "skipped", why: "order is CANCELLED" });
    expect(await provisionWith(base(), 987_654)).toMatchObject({ status: "skipped" });
    expect(clouds.vultr.requests()).toEqual([]);
  });
});

describe("exactly one server per order across crashes", () => {
  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: killed after the provider accepted the create → the next run adopts that server, same password", async (code) => {
    const order = await newPaidOrder(prisma, { provider: code });
    const tag = orderTag(order.reference);
    const fake = fakeOf(clouds, code);
    let created: string | undefined;
    const crashed = await provisionWith(base(), order.id, {
      afterCreate: (server) => {
        created = server.id;
        throw new Error("simulated kill -9 after the provider accepted the create");
      },
    }).catch((e: unknown) => e);
    expect((crashed as Error).message).toMatch(/simulated kill/);
    expect(created).toBeDefined();

    // The crash window: the provider has the server, our row has no id for it yet.
    const mid = await loadOrder(order.id);
    expect(mid.status).toBe("PROVISIONING");
    expect(mid.createdInstance).toMatchObject({ status: "PROVISIONING", providerInstanceId: null });
    expect(mid.provisioningTask).toMatchObject({ status: "CREATING", attempts: 1 });
    const sealedBefore = Buffer.from(mid.createdInstance!.rootPasswordEnc!);
    const password = await openPassword(sealedBefore);
    expect(serversTagged(fake, tag).map((s) => acceptsRootPassword(s, password))).toEqual([true]);

    const resumed = await provisionWith(base(), order.id);
    expect(resumed).toMatchObject({ status: "active", alreadyDone: false });
    const servers = serversTagged(fake, tag);
    expect(servers.map((s) => s.id)).toEqual([created]);
    expect(fake.requests().filter((r) => r.method === "POST" && /instances$|droplets$/.test(r.path))).toHaveLength(1);
    const after = await loadOrder(order.id);
    expect(after.status).toBe("ACTIVE");
    expect(after.createdInstance).toMatchObject({ status: "ACTIVE", providerInstanceId: created });
    expect(after.provisioningTask).toMatchObject({ status: "DONE", attempts: 2 });
    // Same sealed bytes, same password, and it is the one the server got.
    expect(Buffer.from(after.createdInstance!.rootPasswordEnc!).equals(sealedBefore)).toBe(true);
    expect(acceptsRootPassword(servers[0], password)).toBe(true);
  });

  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: the create's answer is lost (timeout) → transient failure, the next attempt finds the server by tag", async (code) => {
    const fake = fakeOf(clouds, code);
    const shortTimeout = fakeProviders(clouds, 400);
    const provider = beforeCreate(shortTimeout[code]!, () => fake.timeout(1)); // the POST is processed, its answer never comes
    const order = await newPaidOrder(prisma, { provider: code });
    const tag = orderTag(order.reference);

    const err = await provisionWith({ prisma, providers: { [code]: provider } }, order.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ code: "timeout", retryable: true });
    expect(isTransient(err)).toBe(true);
    expect(await recordProvisioningFailure(prisma, order.id, err, false)).toBe(false);
    const mid = await loadOrder(order.id);
    expect(mid).toMatchObject({ status: "PROVISIONING" });
    expect(mid.provisioningTask).toMatchObject({ errorCode: "cloud_timeout", status: "CREATING" });
    expect(serversTagged(fake, tag)).toHaveLength(1); // the provider did create it

    const retried = await provisionWith({ prisma, providers }, order.id);
    expect(retried).toMatchObject({ status: "active" });
    expect(serversTagged(fake, tag)).toHaveLength(1);
    expect(fake.requests().filter((r) => r.method === "POST")).toHaveLength(1);
    const done = await loadOrder(order.id);
    expect(done.status).toBe("ACTIVE");
    expect(done.provisioningTask).toMatchObject({ status: "DONE", attempts: 2, errorCode: null });
    expect(acceptsRootPassword(serversTagged(fake, tag)[0], await openPassword(done.createdInstance!.rootPasswordEnc))).toBe(true);
  });
});

describe("provider trouble", () => {
  it("a server that does not come up within the deadline → ProvisioningError deadline (not retryable)", async () => {
    clouds.linode.setBootDelay(3_600_000);
    const order = await newPaidOrder(prisma, { provider: "LINODE" });
    const clock = steppingClock();
    const progress: number[] = [];
    const err = await provisionOrder(
      { prisma, providers, encryptionKey, deadlineMs: 30_000, pollIntervalMs: 5_000, sleep: clock.sleep, now: clock.now, onProgress: async (s) => void progress.push(s) },
      order.id,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisioningError);
    expect(err).toMatchObject({ code: "deadline", retryable: false });
    expect((err as Error).message).toMatch(/within 30 s/);
    expect(isTransient(err)).toBe(false);
    expect(progress).toEqual([0, 5, 10, 15, 20, 25, 30]);
    const row = await loadOrder(order.id);
    expect(row.status).toBe("PROVISIONING");
    expect(row.provisioningTask).toMatchObject({ status: "WAITING" });
    expect(serversTagged(clouds.linode, orderTag(order.reference))).toHaveLength(1);
  });

  it("5xx on the look-ups are retried by the adapter; a 5xx on the create fails the attempt and the next attempt creates exactly one server", async () => {
    const order = await newPaidOrder(prisma, { provider: "DIGITALOCEAN" });
    const tag = orderTag(order.reference);
    clouds.digitalocean.fail(2, { status: 500 }); // the tag look-up fails twice, then passes
    const provider = beforeCreate(providers.DIGITALOCEAN!, () => clouds.digitalocean.fail(1, { status: 503 }));
    const err = await provisionWith({ prisma, providers: { DIGITALOCEAN: provider } }, order.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "CloudError", code: "unavailable", retryable: true });
    expect(serversTagged(clouds.digitalocean, tag)).toHaveLength(0); // refused before acting
    await recordProvisioningFailure(prisma, order.id, err, false);

    clouds.digitalocean.fail(3, { status: 502 });
    const ok = await provisionWith(base(), order.id);
    expect(ok).toMatchObject({ status: "active" });
    expect(serversTagged(clouds.digitalocean, tag)).toHaveLength(1);
    const statuses = clouds.digitalocean.requests().map((r) => `${r.method} ${r.status}`);
    expect(statuses.filter((s) => s === "POST 503")).toHaveLength(1);
    expect(statuses.filter((s) => s === "POST 202")).toHaveLength(1);
    expect((await loadOrder(order.id)).status).toBe("ACTIVE");
  });

  it("a server deleted at the provider meanwhile is forgotten, so the next attempt creates a new one", async () => {
    const order = await newPaidOrder(prisma, { provider: "VULTR" });
    clouds.vultr.setBootDelay(3_600_000);
    const first = await provisionWith(base(), order.id, { deadlineMs: 100 }).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: "deadline" });
    const lost = (await loadOrder(order.id)).createdInstance!.providerInstanceId!;
    await providers.VULTR!.deleteServer(lost);
    const err = await provisionWith(base(), order.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "server_vanished", retryable: true });
    expect((await loadOrder(order.id)).createdInstance!.providerInstanceId).toBeNull();
    clouds.vultr.setBootDelay(40);
    expect(await provisionWith(base(), order.id)).toMatchObject({ status: "active" });
    const servers = serversTagged(clouds.vultr, orderTag(order.reference));
    expect(servers).toHaveLength(1);
    expect(servers[0]!.id).not.toBe(lost);
  });
});

describe("final failure, seller retry and refund", () => {
  async function failedOrder(code: ProviderCode = "VULTR", fee = 0) {
    const order = await newPaidOrder(prisma, { provider: code, feeIdr: fee });
    const plan = await prisma.plan.findUniqueOrThrow({ where: { id: order.planId! } });
    fakeOf(clouds, code).soldOut(plan.region, plan.providerSizeSlug);
    const err = await provisionWith(base(), order.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "CloudError", code: "sold_out", retryable: false });
    expect(isTransient(err)).toBe(false);
    expect(await recordProvisioningFailure(prisma, order.id, err, true)).toBe(true);
    fakeOf(clouds, code).soldOut(plan.region, plan.providerSizeSlug, false);
    return order;
  }

  it("recordProvisioningFailure(final) → order PROVISIONING_FAILED, instance FAILED, task FAILED with the error; only once", async () => {
    const order = await failedOrder();
    const row = await loadOrder(order.id);
    expect(row.status).toBe("PROVISIONING_FAILED");
    expect(row.createdInstance).toMatchObject({ status: "FAILED", providerInstanceId: null });
    expect(row.provisioningTask).toMatchObject({ status: "FAILED", errorCode: "cloud_sold_out" });
    expect(row.provisioningTask!.lastError).toMatch(/sold out/);
    expect(row.provisioningTask!.finishedAt).not.toBeNull();
    expect(row.statusHistory.at(-1)).toMatchObject({ fromStatus: "PROVISIONING", toStatus: "PROVISIONING_FAILED", actorType: "SYSTEM" });
    // A second final report (a duplicate job) changes nothing and says so.
    expect(await recordProvisioningFailure(prisma, order.id, new Error("again"), true)).toBe(false);
    expect((await loadOrder(order.id)).statusHistory).toHaveLength(row.statusHistory.length);
    // A failed order is not provisioned by a stray job either.
    expect(await provisionWith(base(), order.id)).toEqual({ status: "skipped", why: "order is PROVISIONING_FAILED" });
  });

  it("retryProvisioning: only from PROVISIONING_FAILED, audited; the retried run succeeds with the same password", async () => {
    const seller = await newUser(prisma, "SELLER");
    const staff = { userId: seller.id, role: "SELLER" as const };

    const active = await newPaidOrder(prisma, { provider: "DIGITALOCEAN" });
    await provisionWith(base(), active.id);
    expect(await retryProvisioning({ prisma }, active.id, staff)).toMatchObject({ ok: false, why: expect.stringMatching(/only a PROVISIONING_FAILED order.*ACTIVE/) });
    const paid = await newPaidOrder(prisma, { provider: "DIGITALOCEAN" });
    expect(await retryProvisioning({ prisma }, paid.reference, staff)).toMatchObject({ ok: false, why: expect.stringMatching(/PAID/) });
    expect(await retryProvisioning({ prisma }, "ORD-20261121-NOPE2", staff)).toEqual({ ok: false, why: "order not found" });
    expect(await prisma.auditLog.count({ where: { action: "provisioning.retry" } })).toBe(0);

    const order = await failedOrder("VULTR");
    const sealed = Buffer.from((await loadOrder(order.id)).createdInstance!.rootPasswordEnc!);
    const retry = await retryProvisioning({ prisma }, order.reference.toLowerCase(), staff);
    expect(retry).toMatchObject({ ok: true, orderId: order.id, reference: order.reference, attempt: 2 });
    const row = await loadOrder(order.id);
    expect(row.status).toBe("PROVISIONING");
    expect(row.createdInstance!.status).toBe("PROVISIONING");
    expect(row.provisioningTask!.status).toBe("QUEUED");
    expect(row.statusHistory.at(-1)).toMatchObject({ fromStatus: "PROVISIONING_FAILED", toStatus: "PROVISIONING", actorType: "SELLER", actorId: String(seller.id) });
    const audits = await prisma.auditLog.findMany({ where: { action: "provisioning.retry", targetId: String(order.id) } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: seller.id, actorType: "SELLER", targetType: "order", details: { reference: order.reference } });

    // A second tap is refused (the order is no longer PROVISIONING_FAILED) and not audited.
    expect(await retryProvisioning({ prisma }, order.id, staff)).toMatchObject({ ok: false });
    expect(await prisma.auditLog.count({ where: { action: "provisioning.retry", targetId: String(order.id) } })).toBe(1);

    const result = await provisionWith(base(), order.id);
    expect(result).toMatchObject({ status: "active" });
    const done = await loadOrder(order.id);
    expect(done.status).toBe("ACTIVE");
    expect(done.createdInstance!.status).toBe("ACTIVE");
    expect(done.provisioningTask).toMatchObject({ status: "DONE", attempts: 2 });
    expect(Buffer.from(done.createdInstance!.rootPasswordEnc!).equals(sealed)).toBe(true);
    const servers = serversTagged(clouds.vultr, orderTag(order.reference));
    expect(servers).toHaveLength(1);
    expect(acceptsRootPassword(servers[0], await openPassword(sealed))).toBe(true);
  });

  it("refundFailedOrder credits the wallet through the ledger, moves the order to REFUNDED and is audited; once", async () => {
    const owner = await newUser(prisma, "OWNER");
    const staff = { userId: owner.id, role: "OWNER" as const };
    const order = await failedOrder("LINODE", 1_500);
    const amount = order.totalIdr + 1_500;
    expect(await walletBalance(prisma, order.userId)).toBe(0);

    const refund = await refundFailedOrder({ prisma, providers }, order.reference, staff);
    expect(refund).toMatchObject({ ok: true, orderId: order.id, amountIdr: amount });
    expect(await walletBalance(prisma, order.userId)).toBe(amount);
    const tx = await prisma.ledgerTransaction.findMany({ where: { orderId: order.id }, include: { entries: true } });
    expect(tx).toHaveLength(1);
    expect(tx[0]).toMatchObject({ kind: "REFUND", idempotencyKey: `refund:order:${order.id}`, createdById: owner.id });
    expect(tx[0]!.entries.map((e) => e.amountIdr).sort((a, b) => a - b)).toEqual([-amount, amount]);
    const row = await loadOrder(order.id);
    expect(row.status).toBe("REFUNDED");
    expect(row.statusHistory.at(-1)).toMatchObject({ fromStatus: "PROVISIONING_FAILED", toStatus: "REFUNDED", actorType: "OWNER" });
    const audits = await prisma.auditLog.findMany({ where: { targetType: "order", targetId: String(order.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["wallet.refund", "order.refund"]);
    expect(audits[1]).toMatchObject({ actorUserId: owner.id, actorType: "OWNER", details: { amountIdr: amount } });

    // Again: refused, nothing more credited.
    expect(await refundFailedOrder({ prisma, providers }, order.id, staff)).toMatchObject({ ok: false, why: expect.stringMatching(/REFUNDED/) });
    expect(await walletBalance(prisma, order.userId)).toBe(amount);
    // And a REFUNDED order cannot be retried.
    expect(await retryProvisioning({ prisma }, order.id, staff)).toMatchObject({ ok: false });
  });

  it("refundFailedOrder refuses orders that did not fail", async () => {
    const seller = await newUser(prisma, "SELLER");
    const order = await newPaidOrder(prisma, { provider: "VULTR" });
    expect(await refundFailedOrder({ prisma, providers }, order.id, { userId: seller.id, role: "SELLER" })).toMatchObject({ ok: false, why: expect.stringMatching(/PAID/) });
    expect(await walletBalance(prisma, order.userId)).toBe(0);
    expect((await loadOrder(order.id)).status).toBe("PAID");
  });
});
