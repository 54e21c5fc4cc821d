/**
 * No secret in any log (issue 9, item 5). A paid order is provisioned by the real worker role
 * while the cloud answers 500s, then its credentials message is sent while Telegram answers
 * 400 (a GrammyError carrying the message, root password included, as its payload), resets
 * connections (node-fetch errors carry `bot<token>` in their URL), then 429 and 502. Every log
 * line the service wrote is then searched for the bot token, every configured key and the
 * root password: none may appear, while the failures themselves are logged.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { escapeHtml } from "../../shop/messages/format.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { configSecrets } from "../../shop/platform/logger.js";
import { open, ready } from "../../shop/crypto/secretbox.js";
import { newPaidOrder, newUser, NOW } from "../provisioning/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startFlakyTelegramService, type FlakyTelegramService } from "../support/flaky-telegram.js";
import { TEST_MIDTRANS_SERVER_KEY, TEST_TOKEN, TEST_TRIPAY } from "../support/service.js";

let db: TestDatabase;
let clouds: FakeClouds;
let h: FlakyTelegramService;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma, NOW);
  clouds = await startFakeClouds({ bootDelayMs: 100, ipDelayMs: 20, actionDelayMs: 50 });
  h = await startFlakyTelegramService({
    roles: ["worker"],
    db,
    env: {
      ...clouds.env,
      PROVISION_POLL_MS: "50",
      TRIPAY_API_KEY: TEST_TRIPAY.apiKey,
      TRIPAY_PRIVATE_KEY: TEST_TRIPAY.privateKey,
      TRIPAY_MERCHANT_CODE: TEST_TRIPAY.merchantCode,
      TRIPAY_API_URL: "http://127.0.0.1:9",
      MIDTRANS_SERVER_KEY: TEST_MIDTRANS_SERVER_KEY,
      MIDTRANS_API_URL: "http://127.0.0.1:9",
      MIDTRANS_SNAP_URL: "http://127.0.0.1:9",
    },
    // Telegram's faults are armed as each attempt of the credentials send starts, so each
    // attempt meets a different one whatever the timing.
    processors: (base) => {
      const notifications = base[QueueName.Notifications]!;
      return {
        ...base,
        [QueueName.Notifications]: {
          ...notifications,
          process: (payload, job, token) => {
            if ("credentials" in payload && payload.credentials) armTelegramFault(payload.chatId, job.attemptsMade);
            return notifications.process(payload, job, token);
          },
        },
      };
    },
  });
});
afterAll(async () => {
  await h?.stop();
  await clouds?.stop();
  await db?.drop();
});

function armTelegramFault(chatId: number, attempt: number): void {
  if (attempt === 0) h.fake.failNext("sendMessage", { error_code: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"spoiler\" at byte offset 90" }, { chatId });
  else if (attempt === 1) h.proxy.resetNext(3);
  else if (attempt === 2) {
    h.fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } }, { chatId });
    h.fake.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" }, { chatId });
  }
}

it("logs Telegram and cloud failures around a credentials send without the token, any key or the root password", { timeout: 90_000 }, async () => {
  const user = await newUser(db.prisma);
  const chatId = Number(user.telegramId);
  const customer = h.fake.user(chatId, { firstName: "Pembeli" });
  const order = await newPaidOrder(db.prisma, { provider: "DIGITALOCEAN", userId: user.id });
  // The cloud fails every try of the first lookup: the provisioning job fails once, then succeeds.
  clouds.digitalocean.fail(4, { status: 500, body: "upstream exploded" });
  await h.service.queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) });

  const instance = await expect
    .poll(() => db.prisma.instance.findFirst({ where: { orderId: order.id, status: "ACTIVE", rootPasswordEnc: { not: null } } }), { timeout: 45_000 })
    .toBeTruthy()
    .then(() => db.prisma.instance.findFirstOrThrow({ where: { orderId: order.id } }));
  await ready();
  const password = new TextDecoder().decode(open(h.config.encryptionKey, new Uint8Array(instance.rootPasswordEnc!)));
  await customer.waitFor((m) => (m.text ?? "").includes(password), { timeoutMs: 45_000 });
  const sendJob = jobId("vps-ready", order.id);
  await expect.poll(async () => (await h.service.queues.get(QueueName.Notifications).getJob(sendJob))?.getState(), { timeout: 10_000 }).toBe("completed");

  // Not one line carries a secret…
  const secrets = new Map<string, string>([
    ["bot token", TEST_TOKEN],
    ["bot token (secret half)", TEST_TOKEN.split(":")[1]!],
    ["root password", password],
    ["root password (HTML)", escapeHtml(password)],
    ...configSecrets(h.config).map((value, i) => [`configured secret #${i}`, value] as [string, string]),
  ]);
  expect([...secrets.values()]).toEqual(expect.arrayContaining([TEST_TRIPAY.apiKey, TEST_TRIPAY.privateKey, TEST_MIDTRANS_SERVER_KEY, clouds.env.DO_API_TOKEN]));
  const hits = [...secrets].flatMap(([name, value]) => h.lines.filter((line) => line.includes(value)).map((line) => `${name}: ${line.slice(0, 300)}`));
  expect(hits).toEqual([]);

  // …while the failures themselves were logged (else this test would pass vacuously).
  const logs = h.logs();
  const failed = (id: string) => logs.filter((l) => l.jobId === id && l.msg === "job failed, will retry").map((l) => l.err as Record<string, unknown>);
  expect(failed(sendJob)).toMatchObject([
    { type: "GrammyError", error_code: 400, method: "sendMessage" },
    { type: "HttpError", cause: { code: "ECONNRESET" } },
  ]);
  expect(failed(jobId("provision", order.id))).toMatchObject([{ type: "CloudError", status: 500 }]);
  expect(h.lines.join("")).toContain("bot[redacted]");
});
