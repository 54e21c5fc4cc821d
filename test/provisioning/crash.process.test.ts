/**
 * THE crash tests: the real worker role (`node --import tsx ops/main.ts worker`) provisions a
 * paid order against the fake clouds and talks to the customer through the fake Telegram; we
 * SIGKILL it at the two dangerous moments and start a new worker:
 *
 *  (a) right after the provider accepted the create, before the server id is in our database
 *      (the worker waits there because of VPSBOT_TEST_PAUSE_AFTER_CREATE_MS, and logs
 *      "provider accepted create");
 *  (b) while it polls the booting server (provisioning task WAITING).
 *
 * Either way the restarted worker must take the job over (BullMQ stalled-job recovery: the
 * killed worker's job lock lapses after PROVISION_JOB_LOCK_MS, 3 s here instead of 120 s) and
 * finish it: exactly one server for the order's tag, the order ACTIVE, and exactly one
 * "VPS aktif" message with the password the server really got.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { QueueName, Queues, jobId } from "../../jobs/queues.js";
import { createRedis, waitForRedis } from "../../jobs/redis.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { createLogger } from "../../shop/platform/logger.js";
import { orderTag } from "../../shop/provisioning/provision.js";
import { resolveShopId, useShopId } from "../../shop/provisioning/shop-id.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { freePort, TEST_TOKEN, testEnv } from "../support/service.js";
import { killAll, pollUntil, spawnService, type ServiceProcess } from "../process/helpers.js";
import { fakeOf, newPaidOrder, NOW, serversTagged } from "./fixtures.js";
import { acceptsRootPassword } from "../support/root-password.js";

const JOB_LOCK_MS = 3_000;

let db: TestDatabase;
let prisma: PrismaClient;
let clouds: FakeClouds;
let telegram: FakeTelegram;
let producer: Redis;
let queues: Queues;
let env: Record<string, string>;
/** The fake clouds' clock runs this far ahead of the wall clock (to let a slow boot finish at once). */
let cloudSkewMs = 0;
const prefix = uniquePrefix("crash");

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma, NOW);
  // The workers tag servers with this database's shop id; the test reads the same tags.
  useShopId(await resolveShopId(prisma));
  clouds = await startFakeClouds({ bootDelayMs: 300, ipDelayMs: 100, actionDelayMs: 50, now: () => Date.now() + cloudSkewMs });
  telegram = await startFakeTelegram({ token: TEST_TOKEN });
  producer = createRedis(TEST_REDIS_URL, "producer");
  await waitForRedis(producer);
  queues = new Queues(producer, prefix, createLogger({ role: "test", level: "silent" }));
  // One env for every worker of this file: the same database, Redis prefix and encryption key.
  env = testEnv(db, prefix, await freePort(), telegram.url, {
    ...clouds.env,
    LOG_LEVEL: "info",
    PROVISION_JOB_LOCK_MS: String(JOB_LOCK_MS),
    PROVISION_DEADLINE_MINUTES: "30",
  });
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await queues?.close();
  producer?.disconnect();
  await telegram?.stop();
  await clouds?.stop();
  await deleteKeys(prefix);
  await db?.drop();
});

/** A paid order whose customer has a chat with the (fake) bot, and its provisioning job enqueued as the payment follow-up does. */
async function paidOrderWithJob(code: ProviderCode) {
  const order = await newPaidOrder(prisma, { provider: code });
  const user = await prisma.user.findUniqueOrThrow({ where: { id: order.userId } });
  const customer = telegram.user(Number(user.telegramId), { firstName: "Pembeli" });
  await queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) });
  return { order, customer, tag: orderTag(order.reference) };
}

const orderState = (orderId: number) =>
  prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { createdInstance: true, provisioningTask: true } });

function sigkill(worker: ServiceProcess) {
  worker.proc.kill("SIGKILL");
  return worker.waitForExit(5_000);
}

/** After the restart: ACTIVE, one server, one "VPS aktif" carrying the server's password. */
async function expectProvisionedOnce(code: ProviderCode, orderId: number, tag: string, customer: ReturnType<FakeTelegram["user"]>, worker: ServiceProcess) {
  const fake = fakeOf(clouds, code);
  const done = await pollUntil(
    async () => {
      const row = await orderState(orderId);
      return row.status === "ACTIVE" ? row : undefined;
    },
    40_000,
    "the order to become ACTIVE after the restart",
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${worker.describe()}`);
  });
  expect(done.createdInstance).toMatchObject({ status: "ACTIVE" });
  expect(done.createdInstance!.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(done.provisioningTask).toMatchObject({ status: "DONE" });

  const servers = serversTagged(fake, tag);
  expect(servers.map((s) => s.id)).toEqual([done.createdInstance!.providerInstanceId]);
  expect(fake.requests().filter((r) => r.method === "POST" && /\/(droplets|instances)$/.test(r.path))).toHaveLength(1);

  const ready = await customer.waitForMessage("VPS aktif", { timeoutMs: 15_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${worker.describe()}`);
  });
  // Every job has run (owner alerts aside: the test owner never opened the chat), so a
  // duplicate would be here before we count.
  await waitForIdleQueues(queues, { except: [QueueName.OwnerAlerts] });
  const aktif = customer.messages().filter((m) => (m.text ?? "").includes("VPS aktif"));
  expect(aktif).toHaveLength(1);
  expect(ready.text).toContain(done.createdInstance!.ipv4!);
  const sent = /Password: (\S+)/.exec(ready.text ?? "")?.[1] ?? "";
  expect(acceptsRootPassword(servers[0], sent)).toBe(true);
  // Taken over through BullMQ's stalled-job check, first time round: the order's Redis lock of
  // the dead worker had already lapsed (its TTL follows PROVISION_JOB_LOCK_MS), so no attempt
  // was burnt on "another provisioning run holds …".
  const msgs = worker.logs().map((l) => l.msg);
  expect(msgs).toContain("job stalled; it will be retried");
  expect(msgs).not.toContain("job failed, will retry");
  expect(msgs).not.toContain("job failed for good");
  return done;
}

describe("provisioning survives kill -9 of the worker", { timeout: 60_000 }, () => {
  it("(a) killed after the provider accepted the create, before our database write → the restarted worker adopts that server", async () => {
    const code: ProviderCode = "DIGITALOCEAN";
    const fake = fakeOf(clouds, code);
    const { order, customer, tag } = await paidOrderWithJob(code);

    const first = spawnService(["worker"], { ...env, VPSBOT_TEST_PAUSE_AFTER_CREATE_MS: "60000" });
    const accepted = await first.waitForLog("provider accepted create", 30_000);
    expect(accepted.line).toMatchObject({ orderId: order.id, provider: code });
    // We are in the window: the provider has the server, our database does not know its id yet.
    const mid = await orderState(order.id);
    expect(mid.status).toBe("PROVISIONING");
    expect(mid.createdInstance).toMatchObject({ status: "PROVISIONING", providerInstanceId: null });
    expect(mid.createdInstance!.rootPasswordEnc).not.toBeNull();
    expect(mid.provisioningTask).toMatchObject({ status: "CREATING", providerInstanceId: null });
    expect(serversTagged(fake, tag).map((s) => s.id)).toEqual([String(accepted.line.serverId)]);
    expect(fake.requests().filter((r) => r.method === "POST")).toHaveLength(1);

    expect(await sigkill(first)).toEqual({ code: null, signal: "SIGKILL" });
    expect(first.logs().map((l) => l.msg)).not.toContain("shutting down");
    expect(customer.messages().filter((m) => (m.text ?? "").includes("VPS aktif"))).toHaveLength(0);

    const second = spawnService(["worker"], env);
    const done = await expectProvisionedOnce(code, order.id, tag, customer, second);
    expect(done.createdInstance!.providerInstanceId).toBe(String(accepted.line.serverId));
    expect(done.provisioningTask!.attempts).toBe(2); // the killed run and the resumed one
    expect(second.logs().map((l) => l.msg)).not.toContain("provider accepted create"); // no second create
  });

  it("(b) killed while waiting for the server to boot → the restarted worker resumes polling the same server", async () => {
    const code: ProviderCode = "LINODE";
    const fake = fakeOf(clouds, code);
    fake.setBootDelay(10 * 60_000, 100); // boots in 10 minutes (of the fake's clock)
    const { order, customer, tag } = await paidOrderWithJob(code);

    const first = spawnService(["worker"], env);
    const waiting = await pollUntil(
      async () => {
        const row = await orderState(order.id);
        return row.provisioningTask?.status === "WAITING" && row.createdInstance?.providerInstanceId ? row : undefined;
      },
      30_000,
      "the provisioning task to be WAITING",
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${first.describe()}`);
    });
    const progress = await customer.waitForMessage("Menyiapkan VPS", { timeoutMs: 15_000 });
    expect(serversTagged(fake, tag).map((s) => s.id)).toEqual([waiting.createdInstance!.providerInstanceId]);
    // The worker remembers the progress message in Redis right after sending it; kill after that
    // (a kill inside that millisecond would leave the message behind, which this test is not about).
    const reader = createRedis(TEST_REDIS_URL, "general");
    await pollUntil(async () => ((await reader.get(`${prefix}:provision-progress:${order.id}`)) ? true : undefined), 10_000, "the progress message id in Redis", 20);
    reader.disconnect();

    expect(await sigkill(first)).toEqual({ code: null, signal: "SIGKILL" });
    const serverStatus = serversTagged(fake, tag)[0]!.status;
    expect(serverStatus).toBe("provisioning"); // still booting when the worker died

    const second = spawnService(["worker"], env);
    fake.setBootDelay(100, 50);
    cloudSkewMs += 11 * 60_000; // …and now the 10 minutes have passed at the provider
    const done = await expectProvisionedOnce(code, order.id, tag, customer, second);
    expect(done.createdInstance!.providerInstanceId).toBe(waiting.createdInstance!.providerInstanceId);
    expect(second.logs().map((l) => l.msg)).not.toContain("provider accepted create");
    // The one progress message was reused across the restart and removed at the end.
    const progressMessages = customer.messages().filter((m) => m.messageId === progress.messageId || (m.text ?? "").includes("Menyiapkan VPS"));
    expect(progressMessages.map((m) => m.messageId)).toEqual([progress.messageId]);
    expect(progressMessages[0]!.deleted).toBe(true);
  });
});
