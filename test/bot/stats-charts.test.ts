/**
 * /stats through the bot as staff use it: the numbers as text, then one album of six PNG charts
 * (decoded from the upload: PNG, 1200×675, not blank) with the numbers in the captions, in the
 * reader's language. Revenue leaves out a refunded order; the funnel starts at the catalog
 * opens the bot counted. A customer gets neither.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import { createCore } from "../../ops/runtime.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { recordingFetch, TEST_BOT_INFO, updates, type TestUser } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { OWNER_ID, testEnv } from "../support/service.js";
import { decodeUpload, isUpload, type UploadCall } from "../support/telegram-uploads.js";

const OWNER: TestUser = { id: OWNER_ID, first_name: "Budi", language_code: "id" };
const CUSTOMER: TestUser = { id: 6_600_010, first_name: "Rina", language_code: "id" };

let db: TestDatabase;
const prefix = uniquePrefix("stats");
let core: ReturnType<typeof createCore>;
let bot: ReturnType<typeof createBot>;
const calls: UploadCall[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig(testEnv(db, prefix, 3000, "http://127.0.0.1:9"));
  core = createCore(config, createLogger({ role: "test", level: "silent" }));
  const recorder = recordingFetch();
  // Uploads (the album) are decoded so the test sees the pictures; everything else is the usual recording.
  const wire = (async (input: string | URL, init?: RequestInit) => {
    const method = String(input).slice(String(input).lastIndexOf("/") + 1);
    if (!isUpload(init)) {
      const from = recorder.calls.length;
      const res = await recorder.fetch(input, init);
      calls.push(...recorder.calls.slice(from).map((c) => ({ ...c, files: new Map<string, Buffer>() })));
      return res;
    }
    const call = await decodeUpload(method, init);
    calls.push(call);
    const media = (call.payload.media as unknown[] | undefined) ?? [];
    return Response.json({ ok: true, result: media.map((_, i) => ({ message_id: 9000 + i, date: 0, chat: { id: Number(call.payload.chat_id), type: "private" } })) });
  }) as typeof fetch;
  bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: wire });

  // The customer opens the catalog twice (the funnel's first step, counted by the bot), and buys.
  await bot.handleUpdate(updates.text(CUSTOMER, "/start"));
  await bot.handleUpdate(updates.text(CUSTOMER, "/catalog"));
  await bot.handleUpdate(updates.callback(CUSTOMER, "menu:catalog"));
  const customer = await core.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(CUSTOMER.id) } });
  const now = new Date();
  const vps = { planCode: "do-basic", planName: "Basic 1 GB", providerCode: "DIGITALOCEAN" as const, providerSizeSlug: "s-1", region: "sgp1", imageCode: "ubuntu", providerImageRef: "ubuntu", durationMonths: 1 };
  for (const [status, totalIdr] of [["ACTIVE", 150_000], ["REFUNDED", 200_000]] as const) {
    const order = await core.prisma.order.create({ data: { reference: newOrderReference(), userId: customer.id, kind: "NEW_VPS", status, basePriceIdr: totalIdr, totalIdr, snapshot: {}, paidAt: now, ...vps } });
    await core.prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", attemptRef: `A-${order.reference}`, amountIdr: totalIdr, totalIdr, status: "PAID", paidAt: now } });
  }
});

afterAll(async () => {
  await core?.queues.close();
  core?.redis.disconnect();
  core?.producerRedis.disconnect();
  await core?.prisma.$disconnect();
  await deleteKeys(prefix);
  await db?.drop();
});

async function send(user: TestUser, text: string): Promise<UploadCall[]> {
  const from = calls.length;
  await bot.handleUpdate(updates.text(user, text));
  return calls.slice(from);
}

describe("/stats", () => {
  it("answers staff with the numbers, then six PNG charts in one album, captions carrying the numbers", async () => {
    const answer = await send(OWNER, "/stats");
    const text = String(answer.find((c) => c.method === "sendMessage")?.payload.text);
    expect(text).toContain("📊 Statistik toko");
    expect(text).toContain("Pendapatan hari ini: Rp 150.000"); // the refunded 200.000 is not revenue
    expect(text).toContain("Pendapatan 30 hari: Rp 150.000");

    const albums = answer.filter((c) => c.method === "sendMediaGroup");
    expect(albums).toHaveLength(1);
    const media = albums[0]!.payload.media as Array<{ type: string; media: string; caption: string }>;
    expect(media).toHaveLength(6);
    for (const item of media) {
      expect(item.type).toBe("photo");
      const png = albums[0]!.files.get(item.media.replace("attach://", ""));
      expect(png).toBeDefined();
      const meta = await sharp(png).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "png", width: 1200, height: 675 });
      // Not blank: a single-colour picture has no spread in any channel.
      expect(Math.max(...(await sharp(png).stats()).channels.map((c) => c.stdev))).toBeGreaterThan(10);
    }
    expect(media[0]!.caption).toContain("💰 Pendapatan 30 hari: Rp 150.000 dari 1 pesanan dibayar");
    expect(media[0]!.caption).toContain("di-refund: 1 pesanan, Rp 200.000");
    expect(media[1]!.caption).toContain("1 pengunjung katalog per hari (2 kali dibuka)");
    expect(media[1]!.caption).toContain("→ 2 pesanan (200%)");
    expect(media[2]!.caption).toContain("• Tripay: 1 pesanan, Rp 150.000 (100%)");
  });

  it("offers the same charts over 7, 30 or 90 days under the numbers", async () => {
    const answer = await send(OWNER, "/stats");
    const markup = answer.find((c) => c.method === "sendMessage")?.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
    expect(markup.inline_keyboard.flat().map((b) => [b.text, b.callback_data])).toEqual([["📈 7 hari", "st:d:7"], ["📈 30 hari", "st:d:30"], ["📈 90 hari", "st:d:90"]]);
    const from = calls.length;
    await bot.handleUpdate(updates.callback(OWNER, "st:d:7"));
    const album = calls.slice(from).find((c) => c.method === "sendMediaGroup");
    const media = album?.payload.media as Array<{ caption: string }>;
    expect(media).toHaveLength(6);
    expect(media[0]!.caption).toContain("💰 Pendapatan 7 hari: Rp 150.000");
    // A customer's crafted tap draws nothing.
    const before = calls.length;
    await bot.handleUpdate(updates.callback(CUSTOMER, "st:d:90"));
    expect(calls.slice(before).filter((c) => c.method === "sendMediaGroup")).toEqual([]);
  });

  it("speaks English to an English-speaking owner", async () => {
    await core.prisma.user.update({ where: { telegramId: BigInt(OWNER.id) }, data: { language: "en" } });
    await core.users.forget(OWNER.id);
    const answer = await send({ ...OWNER, language_code: "en" }, "/stats");
    const album = answer.find((c) => c.method === "sendMediaGroup");
    const captions = (album?.payload.media as Array<{ caption: string }>).map((m) => m.caption);
    expect(captions[0]).toContain("💰 Revenue, 30 days: Rp 150.000 from 1 paid order");
    await core.prisma.user.update({ where: { telegramId: BigInt(OWNER.id) }, data: { language: "id" } });
  });

  it("shows a customer neither numbers nor charts", async () => {
    const answer = await send(CUSTOMER, "/stats");
    expect(answer.filter((c) => c.method === "sendMediaGroup")).toEqual([]);
    expect(String(answer.find((c) => c.method === "sendMessage")?.payload.text)).toBe("Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.");
  });
});
