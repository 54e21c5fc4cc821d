/**
 * Shared set-up for the provisioning, VPS-action and lifecycle tests: a paid NEW_VPS order
 * for one of the seeded demo plans (DigitalOcean, Vultr, Linode), cloud adapters pointed at
 * the fake clouds with fast, injected waits, and a clock that only moves when the code sleeps.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { FakeClock, startFakeClouds, type FakeCloud, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { seedDemoCatalog } from "../../db/seed.js";
import type { CloudAdapterOptions } from "../../shop/cloud/common.js";
import type { CloudProvider, CloudServer } from "../../shop/cloud/provider.js";
import { createProviders, type CloudProviders } from "../../shop/cloud/providers.js";
import { open, ready } from "../../shop/crypto/secretbox.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { provisionOrder, type ProvisionDeps, type ProvisionResult } from "../../shop/provisioning/provision.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

/** "Now" of these tests: 10:00 in Jakarta, 21 Nov 2026 (the demo catalog is seeded at it). */
export const NOW = new Date("2026-11-21T03:00:00.000Z");
export const DAY = 86_400_000;

/** The seeded plan and image used for each provider. */
export const PLANS: Record<ProviderCode, { planCode: string; imageCode: string }> = {
  DIGITALOCEAN: { planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04" },
  VULTR: { planCode: "vultr-vc2-1c-1gb-sgp", imageCode: "ubuntu-22.04" },
  LINODE: { planCode: "linode-g6-nanode-1-ap-south", imageCode: "ubuntu-22.04" },
};

/** The fake behind each provider code. */
export function fakeOf(clouds: FakeClouds, code: ProviderCode): FakeCloud {
  return code === "DIGITALOCEAN" ? clouds.digitalocean : code === "VULTR" ? clouds.vultr : clouds.linode;
}

/**
 * The clock of the clouds startFastClouds starts: real time, unless a test holds it so that
 * servers boot only as the code under test sleeps (see steppingClock's `fake`), not as fast as
 * the machine happens to be. Release it after the test.
 */
export const fakeCloudClock = new FakeClock();

/** Fake clouds with boots of tens of milliseconds. */
export function startFastClouds(): Promise<FakeClouds> {
  return startFakeClouds({ bootDelayMs: 40, ipDelayMs: 20, actionDelayMs: 30, now: fakeCloudClock.now });
}

/**
 * Adapters against the fakes, retry back-off not slept. HTTP timeout 10 s, so a loaded
 * machine's slow answer is never taken for a lost one; a test that means to lose an answer
 * asks for a short one (400 ms) for that call only.
 */
export function fakeProviders(clouds: FakeClouds, timeoutMs = 10_000): CloudProviders {
  return createProviders(clouds.providers, { fetchOptions: { timeoutMs, sleep: async () => undefined, random: () => 0.5 } });
}

/** A provider whose createServer runs `before` first (to arm a fault for exactly the POST). */
export function beforeCreate(provider: CloudProvider, before: () => void): CloudProvider {
  const wrapped = Object.create(provider) as CloudProvider;
  wrapped.createServer = (input) => {
    before();
    return provider.createServer(input);
  };
  return wrapped;
}

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A clock that starts at `start` and advances only by what the code under test sleeps (and `fake` with it). */
export function steppingClock(start = NOW, opts: { realMs?: number; fake?: FakeClock } = {}) {
  const clock = {
    current: new Date(start.getTime()),
    now: () => new Date(clock.current.getTime()),
    sleep: async (ms: number) => {
      clock.current = new Date(clock.current.getTime() + ms);
      // A held fake cloud moves on exactly as far as the code under test waited.
      opts.fake?.advance(ms);
      await realSleep(opts.realMs ?? 10);
    },
  };
  return clock;
}

export const encryptionKey = new Uint8Array(randomBytes(32));

let telegramSeq = 8_700_000n + BigInt(process.pid % 1000) * 1000n;

export async function newUser(prisma: PrismaClient, role: "CUSTOMER" | "SELLER" | "OWNER" = "CUSTOMER") {
  telegramSeq += 1n;
  return prisma.user.create({ data: { telegramId: telegramSeq, firstName: role === "CUSTOMER" ? "Pembeli" : "Penjual", role } });
}

/**
 * A NEW_VPS order for the provider's demo plan, created PENDING_PAYMENT (the columns
 * createOrder writes) and moved to PAID through the state machine, as a settlement does.
 */
export async function newPaidOrder(prisma: PrismaClient, opts: { provider: ProviderCode; userId?: number; months?: number; totalIdr?: number; feeIdr?: number }) {
  const userId = opts.userId ?? (await newUser(prisma)).id;
  const { planCode, imageCode } = PLANS[opts.provider];
  const plan = await prisma.plan.findUniqueOrThrow({ where: { code: planCode } });
  const image = await prisma.osImage.findFirstOrThrow({ where: { code: imageCode, provider: { code: opts.provider } } });
  const months = opts.months ?? 1;
  const price = await prisma.planPrice.findFirst({ where: { planId: plan.id, durationMonths: months } });
  const total = opts.totalIdr ?? price?.priceIdr ?? 75_000;
  const order = await prisma.order.create({
    data: {
      reference: newOrderReference(NOW),
      userId,
      kind: "NEW_VPS",
      status: "PENDING_PAYMENT",
      planId: plan.id,
      planCode: plan.code,
      planName: plan.name,
      providerCode: opts.provider,
      providerSizeSlug: plan.providerSizeSlug,
      region: plan.region,
      imageCode: image.code,
      imageName: image.name,
      providerImageRef: image.providerRef,
      durationMonths: months,
      basePriceIdr: total,
      totalIdr: total,
      paymentFeeIdr: opts.feeIdr ?? 0,
      snapshot: { planCode: plan.code, months },
      paymentDeadline: new Date(NOW.getTime() + DAY),
      createdAt: NOW,
    },
  });
  await prisma.orderStatusHistory.create({ data: { orderId: order.id, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(userId) } });
  const paid = await transitionOrder(prisma, order.id, "PAID", { type: "SYSTEM", id: "test-settlement" }, { onlyFrom: ["PENDING_PAYMENT"], data: { paidAt: NOW } });
  if (!paid.ok) throw new Error(`could not mark order ${order.id} paid: ${JSON.stringify(paid)}`);
  return { ...order, status: "PAID" as const, userId };
}

/** provisionOrder with fast polling on a stepping clock; `over` replaces any dependency. */
export function provisionWith(
  base: Pick<ProvisionDeps, "prisma" | "providers">,
  orderId: number,
  over: Partial<ProvisionDeps> = {},
): Promise<ProvisionResult> {
  const clock = steppingClock();
  return provisionOrder({ encryptionKey, deadlineMs: 60_000, pollIntervalMs: 20, sleep: clock.sleep, now: clock.now, ...base, ...over }, orderId);
}

/** Decrypts an instance's sealed root password with the test key. */
export async function openPassword(sealed: Uint8Array | Buffer | null): Promise<string> {
  if (!sealed) throw new Error("no sealed password");
  await ready();
  return new TextDecoder().decode(open(encryptionKey, new Uint8Array(sealed)));
}

/** The fake's servers carrying this order's tag. */
export function serversTagged(fake: FakeCloud, tag: string) {
  return fake.servers().filter((s) => s.tags.includes(tag));
}

/** Provisions a paid order to an ACTIVE instance and returns the instance row. */
export async function activeInstance(base: Pick<ProvisionDeps, "prisma" | "providers">, provider: ProviderCode, opts: { userId?: number; months?: number } = {}) {
  const order = await newPaidOrder(base.prisma, { provider, ...opts });
  const result = await provisionWith(base, order.id);
  if (result.status !== "active") throw new Error(`provisioning skipped: ${result.why}`);
  return base.prisma.instance.findUniqueOrThrow({ where: { id: result.instanceId }, include: { order: true } });
}

/**
 * The usual set-up of a test file here: its own seeded database and the fast fake clouds with
 * adapters (`adapterOptions` replaces fakeProviders' defaults), the fakes reset after each test.
 * Read the fields inside tests and hooks (they are filled in beforeAll).
 */
export function provisioningSuite(adapterOptions?: CloudAdapterOptions) {
  const suite = {} as { db: TestDatabase; prisma: PrismaClient; clouds: FakeClouds; providers: CloudProviders };
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.prisma = suite.db.prisma;
    await seedDemoCatalog(suite.prisma, NOW);
    suite.clouds = await startFastClouds();
    suite.providers = adapterOptions ? createProviders(suite.clouds.providers, adapterOptions) : fakeProviders(suite.clouds);
  });
  afterEach(() => {
    fakeCloudClock.release();
    suite.clouds.reset();
  });
  afterAll(async () => {
    await suite.clouds?.stop();
    await suite.db?.drop();
  });
  return suite;
}

export type { CloudServer };
