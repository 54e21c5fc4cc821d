/**
 * The orphan sweep as the running service does it: the scheduler's "orphan-sweep" entry queues a
 * lifecycle job, the worker sweeps the fake clouds, and the owner gets one Telegram message
 * listing what was deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { jobId } from "../../jobs/queues.js";
import { tickId } from "../../jobs/scheduler.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { scheduleTable } from "../../ops/runtime.js";
import { createProviders } from "../../shop/cloud/providers.js";
import { orderTag } from "../../shop/provisioning/provision.js";
import { OWNER_ID, startTestService, type TestService } from "../support/service.js";

let t: TestService;
let owner: FakeUser;

beforeAll(async () => {
  t = await startTestService({ clouds: true });
  await seedDemoCatalog(t.service.prisma);
  owner = t.fake.user(OWNER_ID, { firstName: "Pemilik" });
  await owner.sendText("/start");
  await owner.waitForMessage(/Halo, Pemilik!/, { timeoutMs: 10_000 });
});
afterAll(async () => {
  await t?.stop();
});

describe("orphan sweep in the service", () => {
  it("every 15 minutes; an orphan past its grace is deleted at the provider and the owner told once", async () => {
    const entry = scheduleTable(t.service.queues).find((e) => e.name === "orphan-sweep");
    expect(entry?.cron).toBe("*/15 * * * *");

    const providers = createProviders(t.clouds!.providers);
    const kept = await providers.VULTR!.createServer({ label: "owners-own-box", region: "sgp", sizeSlug: "vc2-1c-1gb", imageRef: "1743", rootPassword: "Not-Ours-123456!", tag: "production" });
    const orphan = await providers.VULTR!.createServer({ label: "vps-ord-20261121-gone9", region: "sgp", sizeSlug: "vc2-1c-1gb", imageRef: "1743", rootPassword: "Orphan-Password-123!", tag: orderTag("ORD-20261121-GONE9") });
    // An earlier sweep saw it 31 minutes ago.
    const seen = new Date(Date.now() - 31 * 60_000);
    await t.service.prisma.orphanServer.create({ data: { providerCode: "VULTR", providerServerId: orphan.id, label: orphan.label, tags: orphan.tags, firstSeenAt: seen, lastSeenAt: seen } });

    await entry!.run(tickId(new Date()));
    const alert = await owner.waitForMessage(/Server tanpa pesanan aktif: 1 dihapus/, { timeoutMs: 15_000 });
    expect(alert.text).toContain(orphan.id);
    expect(alert.text).not.toContain(kept.id);
    expect(t.clouds!.vultr.servers().map((s) => s.id)).toEqual([kept.id]);

    // The next tick finds nothing and says nothing.
    const next = tickId(new Date(Date.now() + 15 * 60_000));
    await entry!.run(next);
    await expect.poll(async () => (await t.service.queues.get("lifecycle").getJob(jobId("orphan-sweep", next)))?.returnvalue, { timeout: 15_000 }).toMatchObject({ deleted: [], failed: 0 });
    expect(await t.service.prisma.auditLog.count({ where: { action: "provisioning.orphan_deleted" } })).toBe(1);
    expect(owner.messages().filter((m) => /Server tanpa pesanan aktif/.test(m.text ?? ""))).toHaveLength(1);
  });
});
