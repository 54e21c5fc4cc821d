import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service.js";

const SECRET = "webhook-secret-0123456789abcdef";
let t: TestService;
beforeAll(async () => {
  t = await startTestService({
    roles: ["web", "bot"],
    env: { BOT_MODE: "webhook", PUBLIC_BASE_URL: "https://shop.example.id", TELEGRAM_WEBHOOK_SECRET: SECRET },
  });
});
afterAll(async () => {
  await t?.stop();
});

describe("webhook mode", () => {
  it("registers the webhook with the secret and answers updates POSTed by Telegram", async () => {
    const info = t.fake.webhookInfo();
    expect(info.url).toBe("https://shop.example.id/telegram/webhook");
    const user = t.fake.user(6_200_001, { firstName: "Made" });
    const update = {
      update_id: 900_001,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 6_200_001, type: "private", first_name: "Made" },
        from: { id: 6_200_001, is_bot: false, first_name: "Made" },
        text: "/start",
        entities: [{ type: "bot_command", offset: 0, length: 6 }],
      },
    };
    const post = (secret?: string) =>
      fetch(`${t.baseUrl}/telegram/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) },
        body: JSON.stringify(update),
      });
    expect((await post()).status).toBe(401);
    expect((await post("wrong-secret-wrong-secret")).status).toBe(401);
    const ok = await post(SECRET);
    expect(ok.status).toBe(200);
    const reply = await user.waitFor((m) => /Halo, Made!/.test(m.text ?? ""), { timeoutMs: 10_000, since: 0 });
    expect(reply.chatId).toBe(6_200_001);
    // Telegram redelivers when unsure; the same update_id must not be answered twice.
    // The webhook answers once the update is handled: a second reply would be here already.
    expect((await post(SECRET)).status).toBe(200);
    expect(user.messages().filter((m) => /Halo, Made!/.test(m.text ?? ""))).toHaveLength(1);
  });
});
