/**
 * A create whose answer was lost, at a provider whose lists lag behind its creates: the next
 * attempt must not miss the server in findByTag and create a second one. The fake clouds run
 * on the same stepping clock as provisioning, so "the list shows it 30 s later" is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { CloudError, type CloudProvider } from "../../shop/cloud/provider.js";
import { createProviders } from "../../shop/cloud/providers.js";
import { orderTag, provisionOrder, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { beforeCreate, encryptionKey, fakeOf, newPaidOrder, NOW, serversTagged, steppingClock } from "./fixtures.js";

let db: TestDatabase;
let prisma: PrismaClient;
let clouds: FakeClouds;
const clock = steppingClock(NOW, { realMs: 1 });

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma, NOW);
  clouds = await startFakeClouds({ bootDelayMs: 40, ipDelayMs: 20, actionDelayMs: 30, now: () => clock.current.getTime() });
});
afterAll(async () => {
  await clouds?.stop();
  await db?.drop();
});

/**
 * Adapters with no real back-off sleeps. The HTTP timeout is real time: short (400 ms) only
 * where an answer is meant to be lost, long elsewhere, so a loaded machine's slow answer is
 * never taken for a lost one.
 */
function adapters(timeoutMs = 10_000) {
  return createProviders(clouds.providers, { fetchOptions: { timeoutMs, sleep: async () => undefined, random: () => 0.5 } });
}

const attempt = (orderId: number, provider: CloudProvider) =>
  provisionOrder({ prisma, providers: { [provider.code]: provider }, encryptionKey, deadlineMs: 60_000, pollIntervalMs: 1_000, sleep: clock.sleep, now: clock.now }, orderId);

/** First attempt: the create reaches the provider, its answer never comes back. */
async function loseTheCreate(code: ProviderCode) {
  const fake = fakeOf(clouds, code);
  fake.reset();
  fake.setListDelay(30_000);
  const order = await newPaidOrder(prisma, { provider: code });
  const err = await attempt(order.id, beforeCreate(adapters(400)[code]!, () => fake.timeout(1))).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CloudError);
  expect(err).toMatchObject({ code: "timeout" });
  await recordProvisioningFailure(prisma, order.id, err, false);
  const task = await prisma.provisioningTask.findUniqueOrThrow({ where: { orderId: order.id } });
  expect(task.createAttemptedAt).not.toBeNull();
  // The provider made it, but its lists do not show it yet.
  expect(serversTagged(fake, orderTag(order.reference))).toHaveLength(1);
  expect(await adapters()[code]!.findByTag(orderTag(order.reference))).toEqual([]);
  return { order, fake };
}

const creates = (code: ProviderCode) => fakeOf(clouds, code).requests().filter((r) => r.method === "POST" && /\/(droplets|instances)$/.test(r.path)).length;

describe("a create whose answer was lost, with lagging provider lists", () => {
  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: the next attempt keeps looking by tag and adopts the server; one server, one create", async (code) => {
    const { order, fake } = await loseTheCreate(code);
    const started = clock.current.getTime();
    const result = await attempt(order.id, adapters()[code]!);
    expect(result).toMatchObject({ status: "active" });
    // It waited for the list to catch up rather than creating at once.
    expect(clock.current.getTime() - started).toBeGreaterThanOrEqual(30_000);
    const servers = serversTagged(fake, orderTag(order.reference));
    expect(servers).toHaveLength(1);
    expect(creates(code)).toBe(1);
    const row = await prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { createdInstance: true, provisioningTask: true } });
    expect(row.status).toBe("ACTIVE");
    expect(row.createdInstance!.providerInstanceId).toBe(servers[0]!.id);
    expect(row.provisioningTask!.createAttemptedAt).toBeNull();
  });

  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: when the tag never shows, the last look is by label", async (code) => {
    const { order, fake } = await loseTheCreate(code);
    const tagBlind = Object.create(adapters()[code]!) as CloudProvider;
    tagBlind.findByTag = async () => [];
    expect(await attempt(order.id, tagBlind)).toMatchObject({ status: "active" });
    expect(serversTagged(fake, orderTag(order.reference))).toHaveLength(1);
    expect(creates(code)).toBe(1);
  });

  it("a create the provider refused before acting is not waited for", async () => {
    const fake = clouds.vultr;
    fake.reset();
    const order = await newPaidOrder(prisma, { provider: "VULTR" });
    const provider = adapters().VULTR!;
    const err = await attempt(order.id, beforeCreate(provider, () => fake.fail(1, { status: 400, body: "Invalid plan." }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/invalid_request/) });
    expect((await prisma.provisioningTask.findUniqueOrThrow({ where: { orderId: order.id } })).createAttemptedAt).toBeNull();
    const started = clock.current.getTime();
    fake.reset();
    expect(await attempt(order.id, provider)).toMatchObject({ status: "active" });
    expect(clock.current.getTime() - started).toBeLessThan(10_000);
  });
});
