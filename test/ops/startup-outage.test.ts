/**
 * Start-up survives a Telegram outage (issue 9, item 9). The web and bot roles start while the
 * Bot API refuses connections: the process keeps running and serves /health and the payment
 * webhooks, /health/ready names `telegram` as not ready, the owner alert is queued once however
 * long it lasts, and when Telegram comes back the bot connects by itself (polling and webhook).
 */
import { afterEach, describe, expect, it } from "vitest";
import { QueueName } from "../../jobs/queues.js";
import type { StartupRetryPolicy } from "../../ops/bot-startup.js";
import { startFlakyTelegramService, type FlakyTelegramService } from "../support/flaky-telegram.js";
import { createPendingOrder, tripayCallbackBody, tripayHeaders, TRIPAY_CREDS } from "../webhooks/payments/harness.js";

const FAST_RETRY: StartupRetryPolicy = { firstDelayMs: 100, maxDelayMs: 400, alertAfterFailures: 3 };
const SECRET = "startup-outage-webhook-secret";
/** Readiness is for the operator (METRICS_TOKEN), not the public. */
const OPERATOR_TOKEN = "startup-outage-operator-token-0123456789";
const OPERATOR = { METRICS_TOKEN: OPERATOR_TOKEN };

let h: FlakyTelegramService | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function getJson(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const readiness = (t: FlakyTelegramService) => getJson(`${t.baseUrl}/health/ready`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });

/**
 * Readiness once it names exactly `failing` (20 s at most; the last answer otherwise). Each check
 * has 1.5 s, which a loaded machine's healthy Postgres can miss, so wait for the expected answer.
 */
async function readinessFailing(t: FlakyTelegramService, failing: string[]) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await readiness(t);
    if (JSON.stringify(answer.body.failing) === JSON.stringify(failing) || Date.now() > deadline) return answer;
  }
}

/** Owner alerts queued about the bot's connection, whatever state their jobs are in. */
async function telegramAlerts(t: FlakyTelegramService) {
  const jobs = await t.service.queues.get(QueueName.OwnerAlerts).getJobs(["waiting", "delayed", "active", "completed", "failed"]);
  return jobs.map((j) => j.data as { severity: string; title: string; detail?: string }).filter((a) => /Telegram/.test(a.title));
}

const startAttempts = (t: FlakyTelegramService) => t.logs().filter((l) => l.msg === "Telegram Bot API not usable at start-up; retrying").length;

describe("start-up while Telegram is down", () => {
  it("polling: serves health and payment webhooks, reports telegram not ready, alerts once, connects when Telegram is back", { timeout: 60_000 }, async () => {
    h = await startFlakyTelegramService({
      roles: ["web", "bot"],
      telegramDown: true,
      telegramRetry: FAST_RETRY,
      env: { ...OPERATOR, TRIPAY_API_KEY: TRIPAY_CREDS.apiKey, TRIPAY_PRIVATE_KEY: TRIPAY_CREDS.privateKey, TRIPAY_MERCHANT_CODE: TRIPAY_CREDS.merchantCode, TRIPAY_API_URL: "http://127.0.0.1:9" },
    });
    const t = h;
    expect((await getJson(`${t.baseUrl}/health`)).status).toBe(200);
    const notReady = await readinessFailing(t, ["telegram"]);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: "unavailable", failing: ["telegram"], checks: { postgres: { ok: true }, redis: { ok: true }, telegram: { ok: false } } });
    expect((notReady.body.checks as { telegram: { error: string } }).telegram.error).toMatch(/^getMe: Network request for 'getMe' failed! \(ECONNREFUSED\)/);

    // A customer's payment is settled meanwhile.
    const pending = await createPendingOrder(t.service.prisma);
    const raw = tripayCallbackBody(pending);
    const callback = await getJson(`${t.baseUrl}/webhooks/tripay`, { method: "POST", headers: tripayHeaders(raw), body: raw });
    expect(callback).toEqual({ status: 200, body: { success: true } });
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: pending.orderId } })).status).toBe("PAID");

    // The owner is told once, however many attempts fail.
    await expect.poll(() => telegramAlerts(t), { timeout: 20_000 }).toHaveLength(1);
    const seen = startAttempts(t);
    await expect.poll(() => startAttempts(t), { timeout: 20_000 }).toBeGreaterThanOrEqual(seen + 3);
    const alerts = await telegramAlerts(t);
    expect(alerts).toMatchObject([{ severity: "critical", title: "Bot belum terhubung ke Telegram" }]);
    expect(alerts[0]!.detail).toContain("getMe: Network request for 'getMe' failed!");

    await t.proxy.up();
    expect(await t.service.botReady).toBe(true);
    expect((await readinessFailing(t, [])).body).toMatchObject({ status: "ready", failing: [] });
    const user = t.fake.user(5_500_001, { firstName: "Sari" });
    await user.sendText("/start");
    await user.waitForMessage(/Halo, Sari!/, { timeoutMs: 15_000 });
    expect(t.fake.commands({ scope: { type: "default" } }).map((c) => c.command)).toContain("catalog");
    expect((await telegramAlerts(t)).map((a) => a.title)).toEqual(expect.arrayContaining(["Bot belum terhubung ke Telegram", "Bot kembali terhubung ke Telegram"]));
    expect(await telegramAlerts(t)).toHaveLength(2);
  });

  it("webhook: the Telegram route answers 503 until the bot is connected, then registers the webhook and handles updates", { timeout: 60_000 }, async () => {
    h = await startFlakyTelegramService({
      roles: ["web", "bot"],
      telegramDown: true,
      telegramRetry: FAST_RETRY,
      env: { ...OPERATOR, BOT_MODE: "webhook", PUBLIC_BASE_URL: "https://shop.example.test", TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
    const t = h;
    const chatId = 5_500_002;
    const user = t.fake.user(chatId, { firstName: "Budi" });
    const update = {
      update_id: 900_001,
      message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: "Budi" }, from: { id: chatId, is_bot: false, first_name: "Budi" }, text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] },
    };
    const deliver = () =>
      fetch(`${t.baseUrl}/telegram/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET }, body: JSON.stringify(update) });

    const early = await deliver();
    expect(early.status).toBe(503);
    expect(early.headers.get("retry-after")).toBe("5");
    expect((await readinessFailing(t, ["telegram"])).body).toMatchObject({ failing: ["telegram"] });

    await t.proxy.up();
    expect(await t.service.botReady).toBe(true);
    expect(t.fake.webhookInfo().url).toBe("https://shop.example.test/telegram/webhook");
    expect((await deliver()).status).toBe(200);
    await user.waitForMessage(/Halo, Budi!/, { timeoutMs: 15_000 });
  });
});
