/**
 * The bot opens the Mini App: with PUBLIC_BASE_URL the main menu carries an "Open app" web_app
 * button to <PUBLIC_BASE_URL>/app and the chat's menu button is set to it; without it, neither.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishMenuButton } from "../../bot/miniapp-button.js";
import { updates } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";

type Harness = Awaited<ReturnType<typeof createBotHarness>>;
type Button = { text: string; callback_data?: string; web_app?: { url: string } };
const buttons = (h: Harness) => ((h.calls.findLast((c) => c.method === "sendMessage")?.payload.reply_markup as { inline_keyboard: Button[][] }).inline_keyboard ?? []).flat();

let withUrl: Harness;
let without: Harness;
beforeAll(async () => {
  withUrl = await createBotHarness({ PUBLIC_BASE_URL: "https://shop.example.id" });
  without = await createBotHarness();
});
afterAll(async () => {
  await withUrl?.close();
  await without?.close();
});

describe("Mini App buttons in the bot", () => {
  it("the main menu has an Open app button (web_app) with PUBLIC_BASE_URL, in the user's language", async () => {
    await withUrl.bot.handleUpdate(updates.text({ id: 7_400_001, first_name: "Ani" }, "/start"));
    expect(buttons(withUrl)).toContainEqual({ text: "📱 Buka aplikasi", web_app: { url: "https://shop.example.id/app" } });
    await without.bot.handleUpdate(updates.text({ id: 7_400_002, first_name: "Budi" }, "/start"));
    expect(buttons(without).some((b) => b.web_app)).toBe(false);
    expect(buttons(without).length).toBeGreaterThan(0);
  });

  it("the menu shown after /language (from a conversation) has the Open app button too, in the language just chosen", async () => {
    const user = { id: 7_400_003, first_name: "Citra" };
    await withUrl.bot.handleUpdate(updates.text(user, "/language"));
    await withUrl.bot.handleUpdate(updates.callback(user, "lang:en"));
    expect(withUrl.calls.findLast((c) => c.method === "sendMessage")?.payload.text).toBe(withUrl.core.i18n.t("en", "main-menu-title"));
    expect(buttons(withUrl)).toContainEqual({ text: withUrl.core.i18n.t("en", "menu-open-app"), web_app: { url: "https://shop.example.id/app" } });
  });

  it("the chat menu button opens the app at start-up, or stays Telegram's default without PUBLIC_BASE_URL", async () => {
    await publishMenuButton(withUrl.bot.api, withUrl.core.i18n, withUrl.config.telegram.publicBaseUrl);
    expect(withUrl.calls.findLast((c) => c.method === "setChatMenuButton")?.payload).toEqual({ menu_button: { type: "web_app", text: "Aplikasi", web_app: { url: "https://shop.example.id/app" } } });
    await publishMenuButton(without.bot.api, without.core.i18n, undefined);
    expect(without.calls.findLast((c) => c.method === "setChatMenuButton")?.payload).toEqual({ menu_button: { type: "default" } });
  });
});
