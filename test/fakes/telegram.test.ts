/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON bodies from the fake */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback } from "grammy";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runChatClient } from "../../ops/demo/chat-client.js";
import { type FakeTelegram, startFakeTelegram } from "../../ops/fakes/telegram/index.js";
import { makePng } from "./png.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fakeServer(opts: Parameters<typeof startFakeTelegram>[0] = {}): Promise<FakeTelegram> {
  const fake = await startFakeTelegram(opts);
  cleanups.push(() => fake.stop());
  return fake;
}

function botFor(fake: FakeTelegram): Bot {
  return new Bot(fake.token, { client: { apiRoot: fake.url } });
}

/** Starts long polling and resolves once the bot is polling; stops it after the test. */
async function startPolling(bot: Bot): Promise<void> {
  bot.catch((err) => {
    throw err.error;
  });
  await new Promise<void>((resolve, reject) => {
    bot.start({ onStart: () => resolve(), timeout: 10 }).catch(reject);
  });
  cleanups.push(() => bot.stop());
}

async function rawCall(fake: FakeTelegram, method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(fake.apiUrl(method), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: await res.json() };
}

/** A shop-like bot: /start shows a keyboard, "Buy" edits the message, photos are downloaded and hashed. */
function installShopHandlers(bot: Bot, fake: FakeTelegram): void {
  bot.command("start", (ctx) =>
    ctx.reply(`Welcome, <b>${ctx.from?.first_name}</b>! Payload: ${ctx.match || "none"}`, {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("Buy VPS", "buy:basic").text("Help", "help").row().url("Docs", "https://example.com/docs"),
    }),
  );
  bot.callbackQuery("buy:basic", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Reserved!" });
    await ctx.editMessageText("Order #1 reserved. Pay within 15 minutes.", {
      reply_markup: new InlineKeyboard().text("Cancel", "cancel"),
    });
  });
  bot.callbackQuery("cancel", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.deleteMessage();
    await ctx.reply("Cancelled.");
  });
  bot.on("message:photo", async (ctx) => {
    const file = await ctx.getFile();
    const res = await fetch(`${fake.url}/file/bot${fake.token}/${file.file_path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    await ctx.reply(`got ${bytes.length} bytes sha256=${createHash("sha256").update(bytes).digest("hex")}`);
  });
}

/** vi.waitFor waits 1 s by default: too short for a delivery on a busy 2-core machine. */
const WAIT = { timeout: 20_000, interval: 20 };

describe("fake Telegram with a real grammY bot (long polling)", () => {
  it("answers /start, then a button press becomes a callback_query whose edit is reflected in state", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    await startPolling(bot);

    const user = fake.user(42, { firstName: "Budi", username: "budi" });
    const sent = await user.sendText("/start promo");
    expect(sent.message.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);

    const welcome = await user.waitForMessage("Welcome, Budi");
    expect(welcome.text).toBe("Welcome, Budi! Payload: promo");
    expect(welcome.entities).toEqual([{ type: "bold", offset: 9, length: 4 }]);
    const msg = welcome.message;
    expect(msg.from).toMatchObject({ id: fake.botInfo.id, is_bot: true, username: fake.botInfo.username });
    expect(msg.chat).toEqual({ id: 42, type: "private", first_name: "Budi", username: "budi" });
    expect(msg.date).toBeLessThan(Date.now() / 1000 + 1);
    expect(msg.date).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(msg.message_id).toBe(sent.message.message_id + 1);

    const press = await user.pressButton("Buy VPS");
    expect(press.kind).toBe("callback");
    const edited = await user.waitFor((m) => m.messageId === welcome.messageId && m.editCount > 0);
    expect(edited.text).toBe("Order #1 reserved. Pay within 15 minutes.");
    expect(edited.replyMarkup).toEqual({ inline_keyboard: [[{ text: "Cancel", callback_data: "cancel" }]] });
    expect(edited.message.edit_date).toBeTypeOf("number");
    expect(await press.waitForAnswer()).toMatchObject({ answered: true, text: "Reserved!", data: "buy:basic" });

    const callback = fake.calls.find((c) => c.method === "answerCallbackQuery");
    expect(callback?.params.callback_query_id).toBe(press.callbackQueryId);

    await user.pressButton({ messageId: welcome.messageId, data: "cancel" });
    await user.waitForMessage("Cancelled.");
    expect(user.messages().find((m) => m.messageId === welcome.messageId)?.deleted).toBe(true);
    expect(user.lastMessage()?.text).toBe("Cancelled.");
  });

  it("rejects a wait with a helpful list of what the bot did send", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    await startPolling(bot);
    const user = fake.user(43);
    await user.sendText("/start");
    await expect(user.waitForMessage("Goodbye", { timeoutMs: 300 })).rejects.toThrow(/Welcome, User 43!.*\[Buy VPS\] \[Help\] \[Docs\]/s);
  });

  it("downloads a user's photo through ctx.getFile() byte for byte", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    await startPolling(bot);
    const png = makePng(1600, 900);
    const user = fake.user(44);
    const sent = await user.sendPhoto(png, { caption: "transfer proof" });
    const sizes = sent.message.photo ?? [];
    expect(sizes.map((s) => `${s.width}x${s.height}`)).toEqual(["90x51", "320x180", "800x450", "1280x720", "1600x900"]);
    const reply = await user.waitForMessage(/^got \d+ bytes/);
    expect(reply.text).toBe(`got ${png.length} bytes sha256=${createHash("sha256").update(png).digest("hex")}`);
  });
});

describe("Bot API semantics", () => {
  it("400 'message is not modified', 'message to edit not found', 'message to delete not found'", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    fake.user(50);
    const kb = new InlineKeyboard().text("A", "a");
    const m = await bot.api.sendMessage(50, "Hello", { reply_markup: kb });
    const edited = await bot.api.editMessageText(50, m.message_id, "Hello", { reply_markup: new InlineKeyboard().text("B", "b") });
    expect(edited).toMatchObject({ text: "Hello", reply_markup: { inline_keyboard: [[{ text: "B", callback_data: "b" }]] } });

    const notModified = await bot.api
      .editMessageText(50, m.message_id, "Hello", { reply_markup: new InlineKeyboard().text("B", "b") })
      .catch((e: unknown) => e);
    expect(notModified).toBeInstanceOf(GrammyError);
    expect((notModified as GrammyError).error_code).toBe(400);
    expect((notModified as GrammyError).description).toBe(
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    );

    // Like Telegram, editing text without reply_markup drops the keyboard.
    const noKeyboard = await bot.api.editMessageText(50, m.message_id, "Hello");
    expect(noKeyboard).not.toHaveProperty("reply_markup");
    await expect(bot.api.editMessageReplyMarkup(50, m.message_id)).rejects.toThrow(/message is not modified/);

    await expect(bot.api.editMessageText(50, 9999, "x")).rejects.toThrow("Bad Request: message to edit not found");
    expect(await bot.api.deleteMessage(50, m.message_id)).toBe(true);
    await expect(bot.api.deleteMessage(50, m.message_id)).rejects.toThrow("Bad Request: message to delete not found");
    await expect(bot.api.sendMessage(999, "who?")).rejects.toThrow("Bad Request: chat not found");
  });

  it("sendMessage supports replies, protect_content, link previews and reply keyboards", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    const user = fake.user(52);
    const incoming = await user.sendText("order status?");
    const reply = await bot.api.sendMessage(52, "Order #7: paid", {
      reply_parameters: { message_id: incoming.message.message_id },
      protect_content: true,
      link_preview_options: { is_disabled: true },
      reply_markup: { keyboard: [[{ text: "🛒 Beli" }, { text: "ℹ️ Info" }]], resize_keyboard: true },
    });
    expect(reply.reply_to_message).toMatchObject({ message_id: incoming.message.message_id, text: "order status?" });
    expect(reply).toMatchObject({ has_protected_content: true, link_preview_options: { is_disabled: true } });
    expect(reply).not.toHaveProperty("reply_markup"); // only inline keyboards are echoed on messages
    expect(user.replyKeyboard()?.keyboard[0]?.map((b) => (typeof b === "string" ? b : b.text))).toEqual(["🛒 Beli", "ℹ️ Info"]);
    const press = await user.pressButton("🛒 Beli");
    expect(press.kind).toBe("text");
    expect(fake.pendingUpdates().at(-1)?.message?.text).toBe("🛒 Beli");
    await expect(bot.api.sendMessage(52, "x", { reply_parameters: { message_id: 999 } })).rejects.toThrow(
      "Bad Request: message to be replied not found",
    );
    const lenient = await bot.api.sendMessage(52, "x", { reply_parameters: { message_id: 999, allow_sending_without_reply: true } });
    expect(lenient).not.toHaveProperty("reply_to_message");
  });

  it("validates formatting and keyboards like Telegram", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    fake.user(51);
    await expect(bot.api.sendMessage(51, "Total: Rp 10.000", { parse_mode: "MarkdownV2" })).rejects.toThrow(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    await expect(bot.api.sendMessage(51, "price < 5", { parse_mode: "HTML" })).rejects.toThrow(
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 6',
    );
    const ok = await bot.api.sendMessage(51, "*Total:* Rp 10\\.000 [pay](https://pay.example/x)", { parse_mode: "MarkdownV2" });
    expect(ok.text).toBe("Total: Rp 10.000 pay");
    expect(ok.entities).toEqual([
      { type: "bold", offset: 0, length: 6 },
      { type: "text_link", offset: 17, length: 3, url: "https://pay.example/x" },
    ]);
    await expect(
      bot.api.sendMessage(51, "x", { reply_markup: new InlineKeyboard().text("Too long", "x".repeat(65)) }),
    ).rejects.toThrow("Bad Request: BUTTON_DATA_INVALID");
    await expect(
      bot.api.sendMessage(51, "x", { reply_markup: new InlineKeyboard().url("Pay", "http://localhost:3000/pay") }),
    ).rejects.toThrow("inline keyboard button URL 'http://localhost:3000/pay' is invalid: Wrong HTTP URL");
    await expect(bot.api.sendMessage(51, "   ")).rejects.toThrow("Bad Request: message text is empty");
  });

  it("long polling waits for updates and honours offset, limit and timeout", async () => {
    const fake = await fakeServer();
    const user = fake.user(60);

    const t0 = Date.now();
    const empty = await rawCall(fake, "getUpdates", { timeout: 1 });
    expect(empty.json).toEqual({ ok: true, result: [] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);

    const t1 = Date.now();
    const pending = rawCall(fake, "getUpdates", { timeout: 10 });
    setTimeout(() => void user.sendText("hello"), 150);
    const first = await pending;
    // Answered by the message, not by its 10 s timeout (a bound far from both, for a loaded machine).
    expect(Date.now() - t1).toBeLessThan(8_000);
    const updates = first.json.result as Update[];
    expect(updates).toHaveLength(1);
    const id = updates[0]!.update_id;
    expect(updates[0]!.message).toMatchObject({ text: "hello", from: { id: 60, is_bot: false }, chat: { id: 60, type: "private" } });

    // Not confirmed yet: returned again.
    expect((await rawCall(fake, "getUpdates", {})).json.result.map((u: Update) => u.update_id)).toEqual([id]);
    await user.sendText("two");
    await user.sendText("three");
    const limited = (await rawCall(fake, "getUpdates", { offset: id + 1, limit: 1 })).json.result as Update[];
    expect(limited.map((u) => u.update_id)).toEqual([id + 1]);
    expect(fake.pendingUpdates().map((u) => u.update_id)).toEqual([id + 1, id + 2]);
    const last = (await rawCall(fake, "getUpdates", { offset: -1 })).json.result as Update[];
    expect(last.map((u) => u.update_id)).toEqual([id + 2]);
    expect((await rawCall(fake, "getUpdates", { offset: id + 3 })).json.result).toEqual([]);

    // allowed_updates filters new updates
    await rawCall(fake, "getUpdates", { allowed_updates: ["callback_query"] });
    expect((await user.sendText("ignored")).updateId).toBeUndefined();
    await rawCall(fake, "getUpdates", { allowed_updates: [] });
    expect((await user.sendText("seen")).updateId).toBe(id + 3);
  });

  it("a second poller terminates the first with 409, and stop() ends a pending long poll quickly", async () => {
    const fake = await startFakeTelegram();
    const first = rawCall(fake, "getUpdates", { timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    const second = rawCall(fake, "getUpdates", { timeout: 30 });
    // Whichever reached the fake first is terminated (on a loaded machine that may be `second`).
    const terminated = await Promise.race([first, second]);
    expect(terminated.status).toBe(409);
    expect(terminated.json.description).toBe("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    const t0 = Date.now();
    await fake.stop();
    await Promise.all([first, second].map((p) => p.catch(() => undefined)));
    // Ended by stop(), not by the 30 s long-poll timeout.
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("429 with retry_after when the rate limit is exceeded", async () => {
    const fake = await fakeServer({ rateLimit: { perChatPerSecond: 1 } });
    const bot = botFor(fake);
    fake.user(70);
    fake.user(71);
    await bot.api.sendMessage(70, "one");
    const err = await bot.api.sendMessage(70, "two").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(429);
    expect((err as GrammyError).parameters.retry_after).toBe(1);
    await bot.api.sendMessage(71, "other chat is fine");
    const raw = await rawCall(fake, "sendMessage", { chat_id: 70, text: "three" });
    expect(raw.status).toBe(429);
    expect(raw.json).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
  });

  it("multipart sendPhoto/sendDocument via InputFile, then getFile + download round trip", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    fake.user(80);
    const png = makePng(400, 300);
    const photo = await bot.api.sendPhoto(80, new InputFile(png, "qris.png"), {
      caption: "<b>Scan</b> to pay",
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("I paid", "paid:1"),
    });
    expect(photo.caption).toBe("Scan to pay");
    expect(photo.caption_entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    expect(photo.reply_markup).toEqual({ inline_keyboard: [[{ text: "I paid", callback_data: "paid:1" }]] });
    expect(photo.photo.map((p) => [p.width, p.height])).toEqual([[90, 68], [320, 240], [400, 300]]);
    const largest = photo.photo[photo.photo.length - 1]!;
    const file = await bot.api.getFile(largest.file_id);
    expect(file).toMatchObject({ file_id: largest.file_id, file_size: png.length });
    const downloaded = Buffer.from(await (await fetch(fake.fileUrl(file.file_path!))).arrayBuffer());
    expect(downloaded.equals(png)).toBe(true);

    const pdf = Buffer.from("%PDF-1.4\n% fake invoice\n");
    const doc = await bot.api.sendDocument(80, new InputFile(pdf, "invoice-42.pdf"), { caption: "Invoice" });
    expect(doc.document).toMatchObject({ file_name: "invoice-42.pdf", mime_type: "application/pdf", file_size: pdf.length });
    const docFile = await bot.api.getFile(doc.document.file_id);
    const docBytes = Buffer.from(await (await fetch(fake.fileUrl(docFile.file_path!))).arrayBuffer());
    expect(docBytes.equals(pdf)).toBe(true);

    // Re-sending by file_id reuses the stored file; a photo id is not a document.
    const again = await bot.api.sendDocument(80, doc.document.file_id);
    expect(again.document.file_unique_id).toBe(doc.document.file_unique_id);
    await expect(bot.api.sendDocument(80, largest.file_id)).rejects.toThrow("Bad Request: type of file mismatch");
    await expect(bot.api.getFile("nope")).rejects.toThrow("Bad Request: invalid file_id");
    await expect(bot.api.sendPhoto(80, new InputFile(Buffer.from("not an image"), "x.png"))).rejects.toThrow("IMAGE_PROCESS_FAILED");
    expect(fake.botMessages(80).map((m) => m.media?.kind)).toEqual(["photo", "document", "document"]);
    expect((await fetch(fake.fileUrl("photos/missing.jpg"))).status).toBe(404);
  });

  it("unknown methods answer 404 Not Found; a wrong token answers 401", async () => {
    const fake = await fakeServer({ token: "123:right" });
    const res = await rawCall(fake, "sendTelepathy", { chat_id: 1 });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ ok: false, error_code: 404, description: "Not Found" });
    const bot = botFor(fake);
    await expect((bot.api.raw as any).sendTelepathy({ chat_id: 1 })).rejects.toThrow(/Not Found/);
    expect((await bot.api.getMe()).id).toBe(123);
    const wrong = new Bot("123:wrong", { client: { apiRoot: fake.url } });
    const err = await wrong.api.getMe().catch((e: unknown) => e);
    expect((err as GrammyError).error_code).toBe(401);
  });

  it("accepts GET query strings, urlencoded bodies with JSON fields, and case-insensitive method names", async () => {
    const fake = await fakeServer();
    fake.user(55);
    const me = await fetch(fake.apiUrl("getMe")).then((r) => r.json() as Promise<any>);
    expect(me.result).toMatchObject({ is_bot: true, username: fake.botInfo.username });
    const form = new URLSearchParams({
      chat_id: "55",
      text: "form <i>post</i>",
      parse_mode: "HTML",
      reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "Go", callback_data: "go" }]] }),
    });
    const res = await fetch(fake.apiUrl("SENDMESSAGE"), { method: "POST", body: form }).then((r) => r.json() as Promise<any>);
    expect(res.result).toMatchObject({ text: "form post", reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: "go" }]] } });
    const viaQuery = await fetch(`${fake.apiUrl("sendMessage")}?chat_id=55&text=query`).then((r) => r.json() as Promise<any>);
    expect(viaQuery.result.text).toBe("query");
    expect(fake.calls.map((c) => c.method)).toEqual(["getMe", "SENDMESSAGE", "sendMessage"]);
  });

  it("stores commands per scope and language", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    await bot.api.setMyCommands([{ command: "start", description: "Mulai" }], { language_code: "id" });
    await bot.api.setMyCommands([{ command: "admin", description: "Admin" }], { scope: { type: "chat", chat_id: 7 } });
    expect(await bot.api.getMyCommands({ language_code: "id" })).toEqual([{ command: "start", description: "Mulai" }]);
    expect(await bot.api.getMyCommands()).toEqual([]);
    expect(fake.commands({ scope: { type: "chat", chat_id: 7 } })).toEqual([{ command: "admin", description: "Admin" }]);
    await bot.api.deleteMyCommands({ language_code: "id" });
    expect(await bot.api.getMyCommands({ language_code: "id" })).toEqual([]);
    await expect(bot.api.setMyCommands([{ command: "Bad-Cmd", description: "x" }])).rejects.toThrow("BOT_COMMAND_INVALID");
  });

  it("blocked users produce my_chat_member and 403 on send", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    const user = fake.user(90);
    user.blockBot();
    expect(fake.pendingUpdates().at(-1)?.my_chat_member?.new_chat_member.status).toBe("kicked");
    const err = await bot.api.sendMessage(90, "promo").catch((e: unknown) => e);
    expect((err as GrammyError).error_code).toBe(403);
    expect((err as GrammyError).description).toBe("Forbidden: bot was blocked by the user");
    fake.failNext("sendMessage", { error_code: 500, description: "Internal Server Error" });
    user.unblockBot();
    await expect(bot.api.sendMessage(90, "hi")).rejects.toThrow("Internal Server Error");
    expect((await bot.api.sendMessage(90, "hi")).text).toBe("hi");
  });
});

describe("webhook mode", () => {
  async function webhookServer(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    cleanups.push(() => server.closeAllConnections());
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`;
  }

  it("delivers updates with the secret header; getUpdates answers 409 while a webhook is set", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    const seenSecrets: Array<string | undefined> = [];
    const callback = webhookCallback(bot, "http", { secretToken: "s3cret_token-1" });
    const url = await webhookServer((req, res) => {
      seenSecrets.push(req.headers["x-telegram-bot-api-secret-token"] as string | undefined);
      callback(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    const set = await rawCall(fake, "setWebhook", { url, secret_token: "s3cret_token-1" });
    expect(set.json).toEqual({ ok: true, result: true, description: "Webhook was set" });
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url, pending_update_count: 0, has_custom_certificate: false });

    const conflict = await rawCall(fake, "getUpdates", {});
    expect(conflict.status).toBe(409);
    expect(conflict.json.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);
    await expect(bot.api.getUpdates()).rejects.toMatchObject({ error_code: 409 });

    const user = fake.user(100, { firstName: "Sari" });
    await user.sendText("/start");
    await user.waitForMessage("Welcome, Sari");
    await user.pressButton("Buy VPS");
    await user.waitForMessage("Order #1 reserved");
    expect(seenSecrets).toEqual(["s3cret_token-1", "s3cret_token-1"]);
    expect(fake.webhookDeliveries.every((d) => d.ok && d.headers["x-telegram-bot-api-secret-token"] === "s3cret_token-1")).toBe(true);
    // An update leaves the queue only once the webhook has answered 2xx (after the handler finished).
    await vi.waitFor(() => expect(fake.pendingUpdates()).toEqual([]), WAIT);

    const deleted = await rawCall(fake, "deleteWebhook");
    expect(deleted.json).toEqual({ ok: true, result: true, description: "Webhook was deleted" });
    expect((await rawCall(fake, "getUpdates", {})).status).toBe(200);
  });

  it("retries failed deliveries, reports the error in getWebhookInfo, and runs webhook replies", async () => {
    const fake = await fakeServer({ webhook: { retryDelayMs: 20, maxAttempts: 3 } });
    let calls = 0;
    const url = await webhookServer((req, res) => {
      calls += 1;
      req.resume();
      req.on("end", () => {
        if (calls === 1) {
          res.writeHead(500).end();
          return;
        }
        // Webhook reply: Telegram executes a method returned in the response body.
        const update = calls; // just to vary the text
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ method: "sendMessage", chat_id: 110, text: `reply via webhook ${update}` }));
      });
    });
    const user = fake.user(110);
    await rawCall(fake, "setWebhook", { url });
    await user.sendText("ping");
    await user.waitForMessage("reply via webhook 2");
    expect(fake.webhookDeliveries.map((d) => [d.attempt, d.ok, d.status])).toEqual([[1, false, 500], [2, true, 200]]);
    const info = (await rawCall(fake, "getWebhookInfo")).json.result;
    expect(info.last_error_message).toBe("Wrong response from the webhook: 500 Internal Server Error");
    expect(fake.calls.find((c) => c.via === "webhook-reply")?.method).toBe("sendMessage");
  });
});

describe("webhook delivery like Telegram: concurrent across chats, one at a time per chat", () => {
  /** A webhook that holds every request until the test answers it. */
  async function heldWebhook() {
    const held: Array<{ update: Update; answer: (status: number) => void }> = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => held.push({ update: JSON.parse(Buffer.concat(chunks).toString()) as Update, answer: (status) => res.writeHead(status).end() }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    cleanups.push(() => server.closeAllConnections());
    const take = async (updateId: number | undefined) => {
      await vi.waitFor(() => expect(held.map((h) => h.update.update_id)).toContain(updateId), WAIT);
      const i = held.findIndex((h) => h.update.update_id === updateId);
      return held.splice(i, 1)[0]!;
    };
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`, held, take };
  }

  it("sends different chats at once, a chat's next update only after the previous answer, within max_connections", async () => {
    const fake = await fakeServer();
    const hook = await heldWebhook();
    await rawCall(fake, "setWebhook", { url: hook.url, max_connections: 2 });
    const [a, b, c] = [fake.user(201), fake.user(202), fake.user(203)];
    const a1 = await a.sendText("a1");
    const a2 = await a.sendText("a2");
    const b1 = await b.sendText("b1");
    const c1 = await c.sendText("c1");
    // a1 and b1 go together; a2 waits for a1's answer, c1 for a free connection.
    const first = await hook.take(a1.updateId);
    const second = await hook.take(b1.updateId);
    expect(hook.held).toEqual([]);
    second.answer(200);
    const third = await hook.take(c1.updateId);
    expect(hook.held).toEqual([]);
    first.answer(200);
    (await hook.take(a2.updateId)).answer(200);
    third.answer(200);
    await vi.waitFor(() => expect(fake.pendingUpdates()).toEqual([]), WAIT);
    expect(fake.webhookDeliveries.map((d) => [d.updateId, d.chat, d.ok])).toEqual([
      [b1.updateId, "chat:202", true],
      [a1.updateId, "chat:201", true],
      [a2.updateId, "chat:201", true],
      [c1.updateId, "chat:203", true],
    ]);
  });

  it("a failed delivery holds its chat until the retry succeeds, while other chats go on", async () => {
    const fake = await fakeServer({ webhook: { retryDelayMs: 50, maxAttempts: 5 } });
    const hook = await heldWebhook();
    await rawCall(fake, "setWebhook", { url: hook.url });
    const [a, b] = [fake.user(211), fake.user(212)];
    const a1 = await a.sendText("a1");
    const a2 = await a.sendText("a2");
    (await hook.take(a1.updateId)).answer(502);
    const b1 = await b.sendText("b1");
    (await hook.take(b1.updateId)).answer(200);
    // The retry of a1 comes before a2 ever goes.
    (await hook.take(a1.updateId)).answer(200);
    (await hook.take(a2.updateId)).answer(200);
    await vi.waitFor(() => expect(fake.pendingUpdates()).toEqual([]), WAIT);
    const chatA = fake.webhookDeliveries.filter((d) => d.chat === "chat:211").map((d) => [d.updateId, d.attempt, d.ok]);
    expect(chatA).toEqual([
      [a1.updateId, 1, false],
      [a1.updateId, 2, true],
      [a2.updateId, 1, true],
    ]);
    expect(fake.webhookInfo().last_error_message).toBe("Wrong response from the webhook: 502 Bad Gateway");
  });
});

describe("HTTP control API (/_fake)", () => {
  it("drives a polling bot over HTTP, as a child-process test would", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    await startPolling(bot);
    const post = (p: string, body: unknown) =>
      fetch(`${fake.url}${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    const sent = await post("/_fake/users/120/text", { text: "/start", firstName: "Andi" });
    expect(sent.ok).toBe(true);
    const waited = await fetch(`${fake.url}/_fake/chats/120/wait?text=${encodeURIComponent("Welcome, Andi")}&timeoutMs=3000`).then((r) => r.json() as Promise<any>);
    expect(waited.result.replyMarkup.inline_keyboard[0][0].text).toBe("Buy VPS");
    const press = await post("/_fake/users/120/callback", { messageId: waited.result.messageId, data: "buy:basic" });
    expect(press.result.kind).toBe("callback");
    const edited = await fetch(`${fake.url}/_fake/chats/120/wait?regex=${encodeURIComponent("^Order #1")}`).then((r) => r.json() as Promise<any>);
    expect(edited.result.editCount).toBe(1);
    const messages = await fetch(`${fake.url}/_fake/chats/120/messages`).then((r) => r.json() as Promise<any>);
    expect(messages.result).toHaveLength(1);
    const calls = await fetch(`${fake.url}/_fake/calls?method=editMessageText`).then((r) => r.json() as Promise<any>);
    expect(calls.result).toHaveLength(1);
    const photo = await fetch(`${fake.url}/_fake/users/120/photo`, { method: "POST", body: makePng(10, 10) }).then((r) => r.json() as Promise<any>);
    expect(photo.result.message.photo).toHaveLength(1);
    const timeout = await fetch(`${fake.url}/_fake/chats/120/wait?text=never&timeoutMs=100&since=0`);
    expect(timeout.status).toBe(408);
  });
});

describe("terminal chat client", () => {
  it("renders bot messages with numbered buttons and presses them by number", async () => {
    const fake = await fakeServer();
    const bot = botFor(fake);
    installShopHandlers(bot, fake);
    await startPolling(bot);
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = "";
    output.on("data", (c: Buffer) => {
      screen += c.toString("utf8");
    });
    const waitScreen = async (re: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!re.test(screen)) {
        if (Date.now() > deadline) throw new Error(`screen never matched ${re}:\n${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const done = runChatClient({ fake, userId: 130, firstName: "Rina", input, output });

    input.write("/start\n");
    await waitScreen(/bot › Welcome, Rina! Payload: none\n\s+\[1\] Buy VPS {2}\[2\] Help\n\s+\[3\] Docs ↗ https:\/\/example.com\/docs\n/);
    input.write("1\n");
    await waitScreen(/bot › \(edited #\d+\) Order #1 reserved\. Pay within 15 minutes\.\n\s+\[1\] Cancel\n/);
    await waitScreen(/\[notice\] Reserved!/);
    input.write("1\n");
    await waitScreen(/bot › \[message #\d+ removed\]\n/);
    await waitScreen(/bot › Cancelled\.\n/);
    input.write("7\n");
    await waitScreen(/! there are no buttons to press/);
    input.write(":help\n");
    await waitScreen(/:quit\s+leave the chat/);
    input.write(":quit\n");
    await done;
    expect(fake.user(130).messages().map((m) => m.deleted)).toEqual([true, false]);
  });
});
