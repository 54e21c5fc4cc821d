import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertBot } from "../../bot/features/alerts.feature.js";
import { createCore } from "../../ops/runtime.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { AlertNotDeliveredError, deliverNotice, type DeliveryDeps } from "../../shop/alerts/delivery.js";
import { raiseAlert } from "../../shop/alerts/store.js";
import type { AlertCondition } from "../../shop/alerts/types.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { configRoster } from "../../shop/users/staff.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { OWNER_ID, TEST_TOKEN, testEnv } from "../support/service.js";

/** Two bots, two fakes: the shop bot's Telegram and the alert bot's (each refuses the other's token). */
const ALERT_TOKEN = "555555:ALERT-token-bbbbbbbbbbbbbbbbbbbbbbbb";
const OWNER2 = 9_000_021;
const prefix = uniquePrefix("alertbot");
let db: TestDatabase;
let shopFake: FakeTelegram;
let alertFake: FakeTelegram;
let core: ReturnType<typeof createCore>;
let delivery: DeliveryDeps;
let seq = 0;

const condition = (over: Partial<AlertCondition> = {}): AlertCondition => ({
  fingerprint: `bot-test:${++seq}`,
  kind: "test",
  severity: "warning",
  title: `Peringatan uji ${seq}`,
  nextStep: "Tidak ada.",
  ...over,
});

/** Raises a new alert and returns its notice id (decided, not yet delivered). */
async function newNotice(): Promise<number> {
  let noticeId = 0;
  await raiseAlert({ prisma: db.prisma, send: async (id) => void (noticeId = id) }, condition());
  return noticeId;
}

beforeAll(async () => {
  db = await createTestDatabase();
  shopFake = await startFakeTelegram({ token: TEST_TOKEN });
  alertFake = await startFakeTelegram({ token: ALERT_TOKEN, botInfo: { first_name: "Shop Alerts", username: "shop_alerts_bot" } });
  const config = loadConfig(testEnv(db, prefix, 3000, shopFake.url, { ALERT_BOT_TOKEN: ALERT_TOKEN, OWNER_IDS: `${OWNER_ID},${OWNER2}` }));
  core = createCore(config, createLogger({ role: "test", level: "silent" }));
  delivery = {
    prisma: db.prisma,
    roster: configRoster(config),
    api: new Api(TEST_TOKEN, { apiRoot: shopFake.url }),
    alertApi: new Api(ALERT_TOKEN, { apiRoot: alertFake.url }),
    i18n: core.i18n,
    logger: createLogger({ role: "test", level: "silent" }),
  };
  for (const fake of [shopFake, alertFake]) for (const id of [OWNER_ID, OWNER2]) await fake.user(id, { firstName: `O${id}` }).sendText("/start");
});

afterAll(async () => {
  await core?.queues.close();
  core?.redis.disconnect();
  core?.producerRedis.disconnect();
  await core?.prisma.$disconnect();
  await shopFake?.stop();
  await alertFake?.stop();
  await deleteKeys(prefix);
  await db?.drop();
});

const texts = (fake: FakeTelegram, id = OWNER_ID) => fake.user(id).messages().map((m) => m.text ?? "");

describe("ALERT_BOT_TOKEN: alerts through a second bot", () => {
  it("sends through the alert bot when it works, through the shop bot when it fails", async () => {
    const first = await newNotice();
    expect(await deliverNotice(delivery, first)).toEqual({ delivered: 2 });
    expect(texts(alertFake).at(-1)).toMatch(/^⚠️ Peringatan uji/);
    expect(texts(shopFake).filter((t) => /Peringatan uji/.test(t))).toEqual([]);

    // The alert bot is rate-limited: the shop bot carries the alert.
    alertFake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 30", parameters: { retry_after: 30 } }, { times: 2 });
    const second = await newNotice();
    await deliverNotice(delivery, second);
    expect(texts(shopFake).at(-1)).toBe(`⚠️ Peringatan uji ${seq}\n\n➡️ Langkah berikut: Tidak ada.`);
    expect(texts(shopFake, OWNER2).at(-1)).toBe(`⚠️ Peringatan uji ${seq}\n\n➡️ Langkah berikut: Tidak ada.`);
    const row = await db.prisma.ownerAlertNotice.findUniqueOrThrow({ where: { id: second } });
    expect(row.sentTo).toMatchObject({ [OWNER_ID]: { via: "shop" }, [OWNER2]: { via: "shop" } });
    expect(row.deliveredAt).not.toBeNull();
  });

  it("an owner no bot could reach is retried later without sending the others a second copy", async () => {
    for (const fake of [alertFake, shopFake]) fake.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" }, { chatId: OWNER2 });
    const id = await newNotice();
    await expect(deliverNotice(delivery, id)).rejects.toBeInstanceOf(AlertNotDeliveredError);
    const before = texts(alertFake).length;
    expect(await deliverNotice(delivery, id)).toEqual({ delivered: 1 });
    expect(texts(alertFake).length).toBe(before);
    expect(texts(alertFake, OWNER2).at(-1)).toMatch(new RegExp(`Peringatan uji ${seq}\\n`));
    expect(await deliverNotice(delivery, id)).toEqual({ delivered: 0, skipped: "already delivered" });
  });

  it("the alert bot's Mute buttons work: the bot role polls the alert bot for their taps", async () => {
    const bot = createAlertBot(core.botDeps, ALERT_TOKEN, { apiRoot: alertFake.url });
    const polling = bot.start({ allowed_updates: ["callback_query"] });
    try {
      const id = await newNotice();
      await deliverNotice(delivery, id);
      const owner = alertFake.user(OWNER_ID);
      const alert = owner.lastMessage()!;
      const press = await owner.pressButton("🔕 Bisukan 24 jam");
      expect((await press.waitForAnswer({ timeoutMs: 15_000 })).text).toMatch(/^Dibisukan sampai /);
      await owner.waitFor((m) => m.messageId === alert.messageId && /Dibisukan sampai/.test(m.text ?? ""), { timeoutMs: 15_000 });
      const row = await db.prisma.ownerAlert.findUniqueOrThrow({ where: { fingerprint: `bot-test:${seq}` } });
      expect(row.mutedUntil!.getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
      expect(await db.prisma.auditLog.count({ where: { action: "alert.mute", targetId: String(row.id) } })).toBe(1);
      // Muted: raising it again sends nothing.
      expect(await raiseAlert({ prisma: db.prisma }, condition({ fingerprint: row.fingerprint }))).toBe("muted");
    } finally {
      await bot.stop();
      await polling;
    }
  });
});
