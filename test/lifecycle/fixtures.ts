/**
 * Shared by the lifecycle tests: an ACTIVE VPS really provisioned at the fake clouds with a
 * chosen expiry, and a paid renewal order for it (created, then moved to PAID as a settlement does).
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { createRenewalOrder } from "../../shop/lifecycle/renewal.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { activeInstance, fakeProviders, NOW, realSleep, startFastClouds } from "../provisioning/fixtures.js";

export const HOUR = 3_600_000;

/**
 * A test file's database (demo catalog seeded) and fake clouds. The lifecycle runs look at every
 * instance in the database, so after each test its instances are marked DELETED (out of reach).
 */
export function lifecycleWorld() {
  const world = {} as { db: TestDatabase; prisma: PrismaClient; clouds: FakeClouds; providers: CloudProviders };
  beforeAll(async () => {
    world.db = await createTestDatabase();
    world.prisma = world.db.prisma;
    await seedDemoCatalog(world.prisma, NOW);
    world.clouds = await startFastClouds();
    world.providers = fakeProviders(world.clouds);
  });
  afterEach(async () => {
    await world.prisma.instance.updateMany({ where: { status: { not: "DELETED" } }, data: { status: "DELETED" } });
  });
  afterAll(async () => {
    await world.clouds?.stop();
    await world.db?.drop();
  });
  return world;
}
export const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

/** An ACTIVE VPS (provisioned at the fake, booted and idle) expiring at `expiresAt`. */
export async function vpsExpiringAt(
  deps: { prisma: PrismaClient; providers: CloudProviders },
  expiresAt: Date,
  code: ProviderCode = "DIGITALOCEAN",
  extra: { status?: "ACTIVE" | "OFF" | "SUSPENDED"; autoRenew?: boolean } = {},
) {
  const vps = await activeInstance(deps, code);
  const deadline = Date.now() + 3_000;
  while ((await deps.providers[code]!.getServer(vps.providerInstanceId!))?.status !== "running") {
    if (Date.now() > deadline) throw new Error("server did not boot");
    await realSleep(10);
  }
  await realSleep(40);
  return deps.prisma.instance.update({ where: { id: vps.id }, data: { expiresAt, lastReminderDays: null, ...extra } });
}

/** A paid renewal order for the VPS (created at NOW, moved to PAID as a settlement does). */
export async function paidRenewal(prisma: PrismaClient, instanceId: number, userId: number, months = 1) {
  const created = await createRenewalOrder(prisma, { userId, instanceId, months, paymentTtlHours: 24, now: NOW });
  if (!created.ok) throw new Error(`renewal refused: ${created.reason}`);
  const paid = await transitionOrder(prisma, created.orderId, "PAID", { type: "SYSTEM", id: "test-settlement" }, { onlyFrom: ["PENDING_PAYMENT"] });
  if (!paid.ok) throw new Error("could not pay the renewal");
  return created;
}
