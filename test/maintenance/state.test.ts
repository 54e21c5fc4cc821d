import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { forgetMaintenanceState, maintenanceState, setMaintenance, setScope } from "../../shop/maintenance/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(async () => {
  await db?.drop();
});

describe("maintenance state", () => {
  it("switches the whole bot on and off once each, audited", async () => {
    expect((await maintenanceState(prisma)).global).toBeUndefined();
    expect(await setMaintenance(prisma, { on: true, message: "Upgrade sampai 10:00", actor: {} })).toBe(true);
    expect(await setMaintenance(prisma, { on: true, message: "Upgrade sampai 10:00", actor: {} })).toBe(false);
    expect((await maintenanceState(prisma)).global?.message).toBe("Upgrade sampai 10:00");
    expect(await setMaintenance(prisma, { on: false, actor: {} })).toBe(true);
    expect((await maintenanceState(prisma)).global).toBeUndefined();
    const audits = await prisma.auditLog.findMany({ where: { targetType: "maintenance" }, orderBy: { id: "asc" } });
    expect(audits.map((a) => [a.action, a.actorType])).toEqual([
      ["maintenance.on", "SYSTEM"],
      ["maintenance.off", "SYSTEM"],
    ]);
  });

  it("reads through a short cache: a change made by another process shows once it expires", async () => {
    const t0 = Date.now();
    await maintenanceState(prisma, t0);
    await prisma.serviceFlag.create({ data: { scope: "PROVIDER:VULTR", active: true, reason: "AUTO" } });
    expect((await maintenanceState(prisma, t0 + 1)).providers.has("VULTR")).toBe(false);
    expect((await maintenanceState(prisma, t0 + 10_000)).providers.has("VULTR")).toBe(true);
    forgetMaintenanceState(prisma);
  });

  it("an automatic resume never lifts a pause the owner set by hand", async () => {
    await setScope(prisma, { scope: "GATEWAY:TRIPAY", on: true, reason: "MANUAL", actor: { userId: null } });
    expect(await setScope(prisma, { scope: "GATEWAY:TRIPAY", on: false, reason: "AUTO", actor: {} })).toBe(false);
    expect((await maintenanceState(prisma)).gateways.has("TRIPAY")).toBe(true);
  });
});
