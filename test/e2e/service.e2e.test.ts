import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueName } from "../../jobs/queues.js";
import { OWNER_ID, startTestService, type TestService } from "../support/service.js";

const METRICS_TOKEN = "e2e-metrics-token-0123456789";
const operator = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ env: { METRICS_TOKEN } });
});
afterAll(async () => {
  await t?.stop();
});

describe("the whole service over HTTP against the fake Telegram", () => {
  it("answers /start with the main menu and resumes a conversation across updates", async () => {
    const user = t.fake.user(6_100_001, { firstName: "Putri" });
    await user.sendText("/start");
    const menu = await user.waitForMessage(/Halo, Putri!/, { timeoutMs: 10_000 });
    expect(menu.replyMarkup).toBeDefined();
    await user.pressButton("🌐 Bahasa / Language");
    await user.waitForMessage("Pilih bahasa yang Anda inginkan:", { timeoutMs: 10_000 });
    await user.pressButton("🇬🇧 English");
    await user.waitForMessage("Language switched to English. 🇬🇧", { timeoutMs: 10_000 });
    await user.sendText("/start");
    await user.waitForMessage(/Hi, Putri!/, { timeoutMs: 10_000 });
  });

  it("publishes the command menu per role and language", async () => {
    const customer = t.fake.commands({ scope: { type: "default" } }).map((c) => c.command);
    expect(customer).toEqual(["start", "catalog", "orders", "invoices", "vps", "wallet", "apikeys", "settings", "language", "help", "cancel"]);
    const english = t.fake.commands({ scope: { type: "default" }, languageCode: "en" });
    expect(english.find((c) => c.command === "help")?.description).toBe("Help");
    // The owner's own chat: the customer commands, then every staff command.
    const owner = t.fake.commands({ scope: { type: "chat", chat_id: OWNER_ID } }).map((c) => c.command);
    expect(owner.slice(0, customer.length)).toEqual(customer);
    expect(owner).toEqual(expect.arrayContaining(["pending", "order", "customer", "shop", "coupons", "staff", "stats", "broadcast", "backup", "restore"]));
  });

  it("serves readiness and metrics on the real HTTP port, to the operator's bearer token only", async () => {
    expect((await fetch(`${t.baseUrl}/health/ready`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    // Each check has 1.5 s, which a loaded machine's healthy dependency can miss: wait for "ready".
    await expect.poll(async () => (await fetch(`${t.baseUrl}/health/ready`, operator)).status, { timeout: 20_000 }).toBe(200);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`, operator)).text();
    expect(metrics).toMatch(/bot_updates_total\{outcome="handled"\} \d+/);
  });

  it("delivers queued notifications in the recipient's language through the worker", async () => {
    const user = t.fake.user(6_100_002, { firstName: "Joko" });
    await user.sendText("/start");
    await user.waitForMessage(/Halo, Joko!/, { timeoutMs: 10_000 });
    await t.service.queues.enqueue(QueueName.Notifications, { chatId: 6_100_002, key: "help-text" });
    await user.waitForMessage(/Perintah yang tersedia/, { timeoutMs: 10_000 });
  });

  it("sends owner alerts to the owner only", async () => {
    const owner = t.fake.user(OWNER_ID, { firstName: "Owner" });
    await owner.sendText("/start");
    await owner.waitForMessage(/Halo, Owner!/, { timeoutMs: 10_000 });
    await t.service.queues.enqueue(QueueName.OwnerAlerts, { severity: "warning", title: "Disk hampir penuh", detail: "sisa 5%" });
    const alert = await owner.waitForMessage(/Disk hampir penuh/, { timeoutMs: 10_000 });
    // What happened, the detail, then what to do next (shop/alerts/render.ts), with the Mute buttons.
    expect(alert.text).toMatch(/^⚠️ Disk hampir penuh\n\nsisa 5%\n\n➡️ Langkah berikut: /);
  });
});
