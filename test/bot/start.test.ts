import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonsOf, textsSince, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
beforeAll(async () => {
  h = await createBotHarness({ BOT_RATE_LIMIT_PER_10S: "6" });
});
afterAll(async () => {
  await h?.close();
});

const siti: TestUser = { id: 5_100_001, first_name: "Siti", language_code: "id" };

function lastCall(method: string) {
  return [...h.calls].reverse().find((c) => c.method === method);
}

describe("/start and the main menu", () => {
  it("greets in Bahasa Indonesia by default and shows the main menu", async () => {
    await h.bot.handleUpdate(updates.text(siti, "/start"));
    const reply = lastCall("sendMessage");
    expect(reply?.payload.chat_id).toBe(siti.id);
    expect(String(reply?.payload.text)).toContain("Halo, Siti!");
    expect(String(reply?.payload.text)).toContain("Menu utama");
    expect(buttonsOf(reply).map((b) => b.data)).toContain("menu:language");
    expect(buttonsOf(reply).map((b) => b.data)).toContain("menu:settings");
    const user = await h.prisma.user.findUnique({ where: { telegramId: BigInt(siti.id) } });
    expect(user).toMatchObject({ role: "CUSTOMER", language: "id", firstName: "Siti" });
  });

  it("switches to English through the /language conversation", async () => {
    const ana: TestUser = { id: 5_100_002, first_name: "Ana", language_code: "en" };
    await h.bot.handleUpdate(updates.text(ana, "/language"));
    const prompt = lastCall("sendMessage");
    expect(prompt?.payload.text).toBe("Pilih bahasa yang Anda inginkan:");
    // Typing instead of tapping keeps the conversation waiting, with a hint.
    const before = h.calls.length;
    await h.bot.handleUpdate(updates.text(ana, "english please"));
    expect(textsSince(h.calls, before)).toEqual(["Silakan pilih salah satu tombol bahasa di atas, atau ketik /cancel."]);
    await h.bot.handleUpdate(updates.callback(ana, "lang:en", 77));
    expect(lastCall("editMessageText")?.payload.text).toBe("Language switched to English. 🇬🇧");
    await h.bot.handleUpdate(updates.text(ana, "/start"));
    expect(String(lastCall("sendMessage")?.payload.text)).toContain("Hi, Ana!");
    expect(await h.prisma.user.findUnique({ where: { telegramId: BigInt(ana.id) } })).toMatchObject({ language: "en" });
  });

  it("/cancel leaves a flow and says so", async () => {
    const u: TestUser = { id: 5_100_003, first_name: "Rudi" };
    await h.bot.handleUpdate(updates.text(u, "/language"));
    await h.bot.handleUpdate(updates.text(u, "/cancel"));
    expect(lastCall("sendMessage")?.payload.text).toBe("Dibatalkan. Ketik /start untuk kembali ke menu utama.");
    const before = h.calls.length;
    await h.bot.handleUpdate(updates.callback(u, "lang:en", 5));
    // The conversation is gone: the stale button gets a friendly notice and nothing changes.
    expect(h.calls.slice(before).map((c) => c.method)).toEqual(["answerCallbackQuery"]);
    expect(await h.prisma.user.findUnique({ where: { telegramId: BigInt(u.id) } })).toMatchObject({ language: "id" });
  });

  it("drops a redelivered update instead of answering twice", async () => {
    const u: TestUser = { id: 5_100_004, first_name: "Dewi" };
    const update = updates.text(u, "/help");
    await h.bot.handleUpdate(update);
    const before = h.calls.length;
    await h.bot.handleUpdate(update);
    expect(h.calls.length).toBe(before);
  });

  it("rate-limits a flood politely, once per window", async () => {
    const u: TestUser = { id: 5_100_005, first_name: "Spam" };
    const before = h.calls.length;
    for (let i = 0; i < 10; i++) await h.bot.handleUpdate(updates.text(u, "halo"));
    const texts = textsSince(h.calls, before);
    expect(texts.filter((t) => t.startsWith("Maaf, saya tidak mengerti"))).toHaveLength(6);
    expect(texts.filter((t) => t.startsWith("Pelan-pelan ya"))).toHaveLength(1);
  });

  it("does not rate-limit an owner (a restore from the chat forwards many backup parts at once)", async () => {
    const owner: TestUser = { id: OWNER_ID, first_name: "Budi" };
    const before = h.calls.length;
    for (let i = 0; i < 10; i++) await h.bot.handleUpdate(updates.text(owner, "halo"));
    const texts = textsSince(h.calls, before);
    expect(texts.filter((t) => t.startsWith("Pelan-pelan ya"))).toHaveLength(0);
    expect(texts).toHaveLength(10);
  });

  it("refuses blocked customers before any feature runs", async () => {
    const u: TestUser = { id: 5_100_006, first_name: "Banned" };
    await h.bot.handleUpdate(updates.text(u, "/start"));
    await h.prisma.user.update({ where: { telegramId: BigInt(u.id) }, data: { blocked: true } });
    await h.core.users.forget(u.id);
    await h.bot.handleUpdate(updates.text(u, "/start"));
    expect(lastCall("sendMessage")?.payload.text).toBe("Akun Anda sedang dibatasi. Hubungi penjual jika menurut Anda ini keliru.");
  });

  it("a customer a broadcast found had blocked the bot is served normally when they come back, and reachable again", async () => {
    const u: TestUser = { id: 5_100_016, first_name: "Kembali" };
    await h.bot.handleUpdate(updates.text(u, "/start"));
    await h.prisma.user.update({ where: { telegramId: BigInt(u.id) }, data: { botBlockedAt: new Date() } });
    await h.bot.handleUpdate(updates.text(u, "/start"));
    expect(String(lastCall("sendMessage")?.payload.text)).toContain("Halo, Kembali!");
    for (let i = 0; ; i++) {
      const row = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(u.id) } });
      if (row.botBlockedAt === null) break;
      if (i > 200) throw new Error("bot_blocked_at was not cleared");
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it("tells the user about an internal error in their language, with a reference", async () => {
    // A seller (roles come from SELLER_IDS: a row edited by hand is put back to CUSTOMER).
    const u: TestUser = { id: SELLER_ID, first_name: "Eko" };
    const spy = h.prisma.order.groupBy;
    // Simulate the database failing mid-command.
    (h.prisma.order as unknown as { groupBy: () => never }).groupBy = () => {
      throw new Error("db exploded");
    };
    try {
      await h.bot.handleUpdate(updates.text(u, "/stats"));
    } finally {
      (h.prisma.order as unknown as { groupBy: typeof spy }).groupBy = spy;
    }
    expect(String(lastCall("sendMessage")?.payload.text)).toMatch(/^Maaf, terjadi kesalahan di sisi kami\. .*\(kode: [0-9a-f]{6}\)$/);
  });
});

describe("staff commands", () => {
  it("shows /stats to sellers and hides it from customers", async () => {
    const seller: TestUser = { id: SELLER_ID, first_name: "Penjual" };
    await h.bot.handleUpdate(updates.text(seller, "/stats"));
    expect(String(lastCall("sendMessage")?.payload.text)).toContain("📊 Statistik toko");
    await h.bot.handleUpdate(updates.text(siti, "/stats"));
    expect(lastCall("sendMessage")?.payload.text).toBe("Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.");
  });

  it("shows /health only to the owner, with live dependency status", async () => {
    const owner: TestUser = { id: OWNER_ID, first_name: "Owner" };
    await h.bot.handleUpdate(updates.text(owner, "/health"));
    const text = String(lastCall("sendMessage")?.payload.text);
    expect(text).toMatch(/PostgreSQL: OK \(\d+ md\)/);
    // The Redis node that answered (with Sentinel: the master this process follows).
    expect(text).toMatch(/Redis: OK \(\d+ md, (127\.0\.0\.1|::1|::ffff:127\.0\.0\.1):6379\)/);
    expect(text).toContain("provisioning: 0 / 0");
    const seller: TestUser = { id: SELLER_ID, first_name: "Penjual" };
    await h.bot.handleUpdate(updates.text(seller, "/health"));
    expect(lastCall("sendMessage")?.payload.text).toBe("Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.");
  });
});
