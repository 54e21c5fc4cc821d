/**
 * Network failures toward Telegram are bounded (issue 9, item 5b). The worker role sends a VPS's
 * credentials through a TCP proxy that resets connections: the job must fail within about a
 * second per attempt (not sit in auto-retry's unbounded network loop), be retried by the queue,
 * and reach the customer once Telegram answers again; a failure that persists ends in an owner
 * alert through the normal failed-job path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { activeInstance, encryptionKey, fakeProviders, newUser, NOW, openPassword, startFastClouds } from "../provisioning/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startFlakyTelegramService, type FlakyTelegramService } from "../support/flaky-telegram.js";
import { OWNER_ID } from "../support/service.js";

let db: TestDatabase;
let clouds: FakeClouds;
let h: FlakyTelegramService;
let customer: FakeUser;
let chatId: number;
let instance: Awaited<ReturnType<typeof activeInstance>>;
let password: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma, NOW);
  clouds = await startFastClouds();
  const user = await newUser(db.prisma);
  instance = await activeInstance({ prisma: db.prisma, providers: fakeProviders(clouds) }, "DIGITALOCEAN", { userId: user.id });
  password = await openPassword(instance.rootPasswordEnc);
  h = await startFlakyTelegramService({ roles: ["worker"], db, env: { DATA_ENCRYPTION_KEY: Buffer.from(encryptionKey).toString("base64") } });
  chatId = Number(user.telegramId);
  customer = h.fake.user(chatId, { firstName: "Pembeli" });
});
afterAll(async () => {
  await h?.stop();
  await clouds?.stop();
  await db?.drop();
});

const failuresOf = (id: string) => h.logs().filter((l) => l.jobId === id && (l.msg === "job failed, will retry" || l.msg === "job failed for good"));

describe("Telegram connections reset", () => {
  it("a credentials send through 8 reset connections fails fast, is retried by the queue, and reaches the customer", { timeout: 60_000 }, async () => {
    h.proxy.resetNext(8);
    const id = jobId("vps-ready", instance.order.id);
    await h.service.queues.enqueue(QueueName.Notifications, { chatId, key: "vps-ready", locale: "id", credentials: { instanceId: instance.id } }, { jobId: id });

    const message = await customer.waitFor((m) => (m.text ?? "").includes(password), { timeoutMs: 45_000 });
    expect(message.text).toContain("VPS aktif!");
    expect(h.proxy.resets).toBe(8);
    // Each attempt gave up after a few quick tries (3 connections) and the queue retried it.
    const failures = failuresOf(id);
    expect(failures.map((f) => f.msg)).toEqual(["job failed, will retry", "job failed, will retry"]);
    for (const f of failures) expect(f.err).toMatchObject({ type: "HttpError", cause: { code: "ECONNRESET" } });
    await expect.poll(async () => (await h.service.queues.get(QueueName.Notifications).getJob(id))?.getState(), { timeout: 10_000 }).toBe("completed");
    expect(customer.messages().filter((m) => (m.text ?? "").includes(password))).toHaveLength(1);
  });

  it("a send that keeps failing ends in an owner alert, delivered once Telegram is back", { timeout: 60_000 }, async () => {
    const owner = h.fake.user(OWNER_ID, { firstName: "Owner" });
    h.proxy.resetAll();
    const id = jobId("persisting-outage", chatId);
    // Two attempts instead of the queue's thirty: the same failed-job path, without a minute of back-off.
    await h.service.queues.enqueue(QueueName.Notifications, { chatId, key: "help-text" }, { jobId: id, attempts: 2 });
    await expect.poll(async () => (await h.service.queues.get(QueueName.Notifications).getJob(id))?.getState(), { timeout: 30_000 }).toBe("failed");
    expect(failuresOf(id).map((f) => f.msg)).toEqual(["job failed, will retry", "job failed for good"]);

    h.proxy.heal();
    const alert = await owner.waitForMessage(/Job notifications gagal permanen/, { timeoutMs: 30_000 });
    expect(alert.text).toContain(id);
  });
});
