/**
 * No secret in any log, end to end: the real service as production runs it (`node ops/main.ts
 * all`, a child process at LOG_LEVEL=trace) with EVERYTHING it writes kept — stdout and stderr,
 * logger lines or not — while a table of faults plays out around credentials: a Linode create
 * (root_pass in its body) answering 500 and 429, a Vultr create answering 500s, a Linode rebuild
 * (a new root_pass) answering 500, the credentials messages meeting Telegram 429 / 502 / 400
 * (a GrammyError whose payload is the message) / connection resets, Tripay and Midtrans failing
 * at checkout (API key, Basic auth), and getUpdates reset mid-poll (a URL with bot<token>).
 * After each row its lines, and at the end the whole output, are searched for the bot token,
 * every gateway and cloud key (also as sent on the wire), DATA_ENCRYPTION_KEY and every root
 * password: 0 hits, while each row's fault is seen in the log (else the row proves nothing).
 * test/ops/secrets-in-logs.test.ts is the in-process version (worker role, DigitalOcean); this
 * one is the whole process and the other clouds and paths.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { JobOutbox } from "../../jobs/outbox.js";
import { jobId, QueueName, Queues } from "../../jobs/queues.js";
import { createRedis, waitForRedis } from "../../jobs/redis.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/server.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { open, ready } from "../../shop/crypto/secretbox.js";
import { killAll, spawnService, type ServiceProcess } from "../process/helpers.js";
import { newPaidOrder, newUser } from "../provisioning/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { freePort, startFakeGateways, TEST_MIDTRANS_SERVER_KEY, TEST_TOKEN, TEST_TRIPAY, testEnv } from "../support/service.js";
import { startFaultyProxy, type FaultyProxy } from "../support/tcp-faults.js";

const WAIT = 60_000;
let db: TestDatabase;
let telegram: FakeTelegram;
let proxy: FaultyProxy;
let clouds: FakeClouds;
let gateways: Awaited<ReturnType<typeof startFakeGateways>>;
let child: ServiceProcess;
let queues: Queues;
let env: Record<string, string>;
const prefix = uniquePrefix("sec-logs");
let redis: ReturnType<typeof createRedis>;
/** Root passwords the run created: searched for like any configured secret. */
const passwords: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoCatalog(db.prisma);
  telegram = await startFakeTelegram({ token: TEST_TOKEN });
  proxy = await startFaultyProxy(telegram.url);
  clouds = await startFakeClouds({ bootDelayMs: 100, ipDelayMs: 20, actionDelayMs: 50 });
  gateways = await startFakeGateways();
  const port = await freePort();
  env = testEnv(db, prefix, port, proxy.url, { ...clouds.env, ...gateways.env, LOG_LEVEL: "trace", PROVISION_POLL_MS: "50", METRICS_TOKEN: `metrics-${randomBytes(12).toString("hex")}` });
  child = spawnService(["all"], env);
  await child.waitForLog("http server listening", WAIT);
  redis = createRedis(TEST_REDIS_URL, "producer");
  redis.on("error", () => undefined);
  await waitForRedis(redis);
  queues = new Queues(redis, prefix, createLogger({ role: "test", level: "silent" }), new JobOutbox(db.prisma));
}, 120_000);
afterAll(async () => {
  await killAll();
  await queues?.close();
  redis?.disconnect();
  await gateways?.stop();
  await clouds?.stop();
  await proxy?.stop();
  await telegram?.stop();
  await deleteKeys(prefix);
  await db?.drop();
});

/** Every value that must never reach a log, with a name for the report. */
function secrets(): Array<[string, string]> {
  const key = Buffer.from(env.DATA_ENCRYPTION_KEY!, "base64");
  const basic = (user: string) => Buffer.from(`${user}:`).toString("base64");
  return [
    ["bot token", TEST_TOKEN],
    ["bot token (secret half)", TEST_TOKEN.split(":")[1]!],
    ["Tripay API key", TEST_TRIPAY.apiKey],
    ["Tripay private key", TEST_TRIPAY.privateKey],
    ["Midtrans server key", TEST_MIDTRANS_SERVER_KEY],
    ["Midtrans Basic auth", basic(TEST_MIDTRANS_SERVER_KEY)],
    ["DigitalOcean token", clouds.env.DO_API_TOKEN],
    ["Vultr key", clouds.env.VULTR_API_KEY],
    ["Linode token", clouds.env.LINODE_API_TOKEN],
    ["DATA_ENCRYPTION_KEY", env.DATA_ENCRYPTION_KEY!],
    ["DATA_ENCRYPTION_KEY (hex)", key.toString("hex")],
    ["METRICS_TOKEN", env.METRICS_TOKEN!],
    ...passwords.map((p, i) => [`root password #${i + 1}`, p] as [string, string]),
  ];
}

/** The output lines a row produced, and what of it names a secret. */
function hitsIn(text: string): string[] {
  return secrets().flatMap(([name, value]) => (text.includes(value) ? [`${name} in: …${text.slice(Math.max(0, text.indexOf(value) - 200), text.indexOf(value) + 60)}…`] : []));
}

const output = () => child.stdout() + child.stderr();

async function until<T>(what: string, check: () => Promise<T | null | undefined>): Promise<T> {
  const end = Date.now() + WAIT;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${child.describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cloudOf = (code: ProviderCode) => (code === "DIGITALOCEAN" ? clouds.digitalocean : code === "VULTR" ? clouds.vultr : clouds.linode);
/** The next `times` sendMessage calls to the chat fail so (more than the in-call retries absorb, so the job fails and logs). */
const failTelegram = (chatId: number, code: number, description: string, opts: { retryAfter?: number; times?: number } = {}) =>
  telegram.failNext("sendMessage", { error_code: code, description, ...(opts.retryAfter ? { parameters: { retry_after: opts.retryAfter } } : {}) }, { chatId, times: opts.times ?? 1 });

/** The current root password of an instance, once its credentials message went out. */
async function deliveredPassword(instanceId: number, after: Date): Promise<string> {
  const row = await until("the credentials message to go out", () => db.prisma.instance.findFirst({ where: { id: instanceId, credentialsSentAt: { gt: after } } }));
  await ready();
  const password = new TextDecoder().decode(open(loadConfig(env).encryptionKey, new Uint8Array(row.rootPasswordEnc!)));
  passwords.push(password);
  return password;
}

/** A customer whose chat exists at the fake Telegram, and a paid VPS order of theirs being provisioned. */
async function provisioned(provider: ProviderCode) {
  const user = await newUser(db.prisma);
  const chatId = Number(user.telegramId);
  const customer = telegram.user(chatId, { firstName: "Pembeli" });
  const order = await newPaidOrder(db.prisma, { provider, userId: user.id });
  return { chatId, customer, order, start: () => queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) }) };
}

interface Row {
  name: string;
  /** Plays the fault out and returns when the service is through it. */
  run(): Promise<void>;
  /** What in this row's output shows the fault happened and was logged. */
  seen: RegExp;
}

let linodeInstance: number;

const ROWS: Row[] = [
  {
    name: "Linode create answers 500 then 429 (root_pass in the body); the credentials send meets Telegram 429, 502 and a reset",
    run: async () => {
      const p = await provisioned("LINODE");
      // More failures than one call's retries: the provisioning job itself fails once, logged.
      clouds.linode.fail(5, { status: 500, body: "upstream exploded" });
      clouds.linode.fail(1, { status: 429, retryAfter: 1 });
      failTelegram(p.chatId, 429, "Too Many Requests: retry after 1", { retryAfter: 1 });
      failTelegram(p.chatId, 502, "Bad Gateway", { times: 4 });
      const before = new Date();
      await p.start();
      const instance = await until("the Linode VPS", () => db.prisma.instance.findFirst({ where: { orderId: p.order.id, status: "ACTIVE" } }));
      linodeInstance = instance.id;
      const password = await deliveredPassword(instance.id, before);
      expect(telegram.botMessages(p.chatId).some((m) => (m.text ?? "").includes(password))).toBe(true);
    },
    seen: /upstream exploded[\s\S]*Bad Gateway|Bad Gateway[\s\S]*upstream exploded/,
  },
  {
    name: "Vultr create answers 500s; the credentials send is refused with 400 (its payload is the message)",
    run: async () => {
      const p = await provisioned("VULTR");
      clouds.vultr.fail(5, { status: 500, body: '{"error":"vultr exploded"}' });
      failTelegram(p.chatId, 400, "Bad Request: can't parse entities: Unsupported start tag \"spoiler\" at byte offset 90");
      const before = new Date();
      await p.start();
      const instance = await until("the Vultr VPS", () => db.prisma.instance.findFirst({ where: { orderId: p.order.id, status: "ACTIVE" } }));
      await deliveredPassword(instance.id, before);
    },
    seen: /vultr exploded[\s\S]*can't parse entities|can't parse entities[\s\S]*vultr exploded/,
  },
  {
    name: "a Linode rebuild (a new root_pass) answers 500; its credentials send meets connection resets",
    run: async () => {
      const instance = await db.prisma.instance.findUniqueOrThrow({ where: { id: linodeInstance } });
      const action = await db.prisma.instanceAction.create({ data: { instanceId: instance.id, userId: instance.userId, type: "REINSTALL", status: "QUEUED" } });
      cloudOf("LINODE").fail(1, { status: 500, body: "rebuild exploded" });
      const before = new Date();
      await queues.enqueue(QueueName.InstanceActions, { actionId: action.id }, { jobId: jobId("action", action.id) });
      await until("the rebuild to be accepted", () => db.prisma.instanceAction.findFirst({ where: { id: action.id, providerAcceptedAt: { not: null } } }));
      proxy.resetNext(3);
      await deliveredPassword(instance.id, before);
    },
    seen: /rebuild exploded[\s\S]*ECONNRESET/,
  },
  {
    name: "Tripay and Midtrans fail at checkout (API key as Bearer, server key as Basic auth)",
    run: async () => {
      const user = await newUser(db.prisma);
      const chatId = Number(user.telegramId);
      const customer = telegram.user(chatId, { firstName: "Pembeli" });
      const order = await newPaidOrder(db.prisma, { provider: "DIGITALOCEAN", userId: user.id });
      // Back to payable: these taps open the gateway transactions that fail.
      await db.prisma.order.update({ where: { id: order.id }, data: { status: "PENDING_PAYMENT", paidAt: null, paymentDeadline: new Date(Date.now() + 86_400_000) } });
      await customer.sendText("/start");
      await customer.waitForMessage(/Halo/, { timeoutMs: WAIT });
      const messageId = telegram.botMessages(chatId).at(-1)!.messageId;
      const tap = (data: string) =>
        telegram.pushUpdate({ callback_query: { id: `sec-${data}`, from: { id: chatId, is_bot: false, first_name: "Pembeli" }, chat_instance: `ci-${chatId}`, data, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: "Pembeli" }, text: "…" } } });
      gateways.tripay.failNext(4, 500, { message: "tripay exploded" });
      gateways.midtrans.failNext(4, 500);
      for (const data of [`pay:tp:${order.id}:QRIS`, `pay:mt:${order.id}`]) {
        tap(data);
        await until(`the answer to ${data}`, async () => telegram.callbackAnswers(chatId).find((a) => a.callbackQueryId === `sec-${data}` && a.answered));
      }
    },
    seen: /tripay exploded[\s\S]*midtrans: HTTP 500/,
  },
  {
    name: "getUpdates is reset mid-poll (its URL carries bot<token>)",
    run: async () => {
      const from = output().length;
      proxy.resetNext(4);
      await until("the reset poll to be logged", async () => /ECONNRESET|socket hang up|network/i.test(output().slice(from)));
    },
    seen: /getUpdates[\s\S]*ECONNRESET/,
  },
];

describe("secrets in logs under fault injection (the whole process, every line it writes)", () => {
  for (const row of ROWS) {
    it(row.name, { timeout: 120_000 }, async () => {
      const from = output().length;
      await row.run();
      // The fault must show in the log, else the row proves nothing (lines may trail the answer).
      await until(`the row's fault in the log (${String(row.seen)})`, async () => row.seen.test(output().slice(from)));
      expect(hitsIn(output().slice(from))).toEqual([]);
    });
  }

  it("the whole run's output holds none of them, and says where secrets were blanked", () => {
    expect(passwords.length).toBeGreaterThanOrEqual(3);
    expect(hitsIn(output())).toEqual([]);
    expect(output()).toContain("[redacted]");
  });
});
