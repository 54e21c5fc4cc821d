/**
 * The owner's weekly summary: due from Monday 08:00 Jakarta time, sent once per week to every
 * owner (in their language: text against the week before, then the charts as an album of real
 * PNGs), whatever runs it twice (the hourly tick, a retry, a restart): the week's row in
 * Postgres remembers who got what. A Telegram failure for one owner is retried for that owner
 * only (the text is not repeated); an owner who blocked the bot is given up on.
 */
import { Api } from "grammy";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocaleCache, createI18n } from "../../bot/i18n.js";
import type { PrismaClient } from "../../db/client.js";
import { statsReportSchedules, statsReportsWorker } from "../../jobs/processors/stats-reports.processor.js";
import type { Queues } from "../../jobs/queues.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { createLogger } from "../../shop/platform/logger.js";
import { WeeklySummaryNotDeliveredError, sendWeeklySummary, type WeeklyDeps } from "../../shop/stats/charts/weekly.js";
import { configRoster } from "../../shop/users/staff.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { userRow } from "../support/factories.js";
import { decodeUpload, isUpload, type UploadCall } from "../support/telegram-uploads.js";

const OWNER_ID = 8_800_001;
const OWNER_EN = 8_800_002;
const SELLER = 8_800_003;

/** Monday 30 Nov 2026, 09:00 WIB: the summary of 23–29 Nov is due. */
const MONDAY_9 = new Date("2026-11-30T02:00:00Z");

let db: TestDatabase;
let prisma: PrismaClient;
const i18n = createI18n(new LocaleCache());

/** What Telegram was asked, by whom; `fail` decides per call whether Telegram refuses it. */
let calls: UploadCall[] = [];
let fail: (call: UploadCall) => { error_code: number; description: string } | undefined = () => undefined;
let nextId = 500;

const api = new Api("424242:TEST-token", {
  fetch: (async (input: string | URL, init?: RequestInit) => {
    const method = String(input).slice(String(input).lastIndexOf("/") + 1);
    const call = isUpload(init) ? await decodeUpload(method, init) : { method, payload: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>, files: new Map<string, Buffer>() };
    calls.push(call);
    const refused = fail(call);
    if (refused) return Response.json({ ok: false, ...refused });
    const message = () => ({ message_id: ++nextId, date: 0, chat: { id: Number(call.payload.chat_id), type: "private" } });
    const media = call.payload.media as unknown[] | undefined;
    return Response.json({ ok: true, result: method === "sendMediaGroup" ? (media ?? []).map(message) : message() });
  }) as typeof fetch,
});

const deps = (): WeeklyDeps => ({
  prisma,
  api,
  roster: configRoster({ ownerIds: [OWNER_ID, OWNER_EN], sellerIds: [SELLER] }),
  i18n,
  logger: createLogger({ role: "test", level: "silent" }),
});

const sent = (chatId: number, method: string) => calls.filter((c) => c.method === method && Number(c.payload.chat_id) === chatId);

async function paidOrder(userId: number, totalIdr: number, paidAt: Date, status: "ACTIVE" | "REFUNDED" = "ACTIVE") {
  const order = await prisma.order.create({
    data: {
      reference: newOrderReference(), userId, kind: "NEW_VPS", status, basePriceIdr: totalIdr, totalIdr, snapshot: {}, paidAt, createdAt: paidAt,
      planCode: "basic-1g", planName: "Basic 1 GB", providerCode: "DIGITALOCEAN", providerSizeSlug: "s-1", region: "sgp1", imageCode: "ubuntu", providerImageRef: "ubuntu", durationMonths: 1,
    },
  });
  await prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", attemptRef: `A-${order.reference}`, amountIdr: totalIdr, totalIdr, status: "PAID", paidAt } });
}

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await userRow(prisma, OWNER_ID, "Budi");
  const en = await userRow(prisma, OWNER_EN, "Ann");
  await prisma.user.update({ where: { id: en.id }, data: { language: "en" } });
  const customer = await userRow(prisma, 8_800_010, "Pembeli");
  // The reported week (23–29 Nov): 300.000 kept, 100.000 refunded. The week before: 200.000.
  await paidOrder(customer.id, 300_000, new Date("2026-11-24T05:00:00Z"));
  await paidOrder(customer.id, 100_000, new Date("2026-11-25T05:00:00Z"), "REFUNDED");
  await paidOrder(customer.id, 200_000, new Date("2026-11-17T05:00:00Z"));
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  calls = [];
  fail = () => undefined;
  await prisma.$executeRaw`DELETE FROM weekly_stats_reports`;
});

describe("weekly summary", () => {
  it("is not due before Monday 08:00 Jakarta time", async () => {
    expect(await sendWeeklySummary(deps(), new Date("2026-11-30T00:59:00Z"))).toEqual({ skipped: "not due yet" }); // 07:59 WIB
    expect(calls).toEqual([]);
  });

  it("goes to each owner once, in their language, with the week against the one before and six PNG charts", async () => {
    const worker = statsReportsWorker(deps());
    expect(await sendWeeklySummary(deps(), MONDAY_9)).toEqual({ week: "2026-11-30", delivered: 2 });
    // Run again: the hourly tick, a retry, a restarted worker.
    expect(await sendWeeklySummary(deps(), new Date(MONDAY_9.getTime() + 3600_000))).toEqual({ skipped: "already delivered" });
    expect(await worker.process({ task: "weekly-summary", tick: "2026-11-30T03:00" }, undefined as never)).toEqual({ skipped: "already delivered" });

    expect(sent(SELLER, "sendMessage")).toEqual([]);
    for (const owner of [OWNER_ID, OWNER_EN]) {
      expect(sent(owner, "sendMessage")).toHaveLength(1);
      expect(sent(owner, "sendMediaGroup")).toHaveLength(1);
    }
    const text = String(sent(OWNER_ID, "sendMessage")[0]!.payload.text);
    expect(text).toContain("📅 Ringkasan mingguan toko");
    expect(text).toContain("Minggu 23 Nov 2026 – 29 Nov 2026");
    expect(text).toContain("💰 Pendapatan: Rp 300.000 (+50%)");
    expect(text).toContain("🧾 Pesanan dibayar: 1 (sama)");
    expect(text).toContain("Tidak dihitung karena di-refund: 1 pesanan, Rp 100.000");
    expect(String(sent(OWNER_EN, "sendMessage")[0]!.payload.text)).toContain("💰 Revenue: Rp 300.000 (+50%)");

    const album = sent(OWNER_ID, "sendMediaGroup")[0]!;
    const media = album.payload.media as Array<{ type: string; media: string; caption?: string }>;
    expect(media).toHaveLength(6);
    expect(media[0]!.caption).toContain("Pendapatan 7 hari: Rp 300.000 dari 1 pesanan dibayar");
    for (const item of media) {
      expect(item.type).toBe("photo");
      const png = album.files.get(item.media.replace("attach://", ""))!;
      const meta = await sharp(png).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "png", width: 1200, height: 675 });
      expect(Math.max(...(await sharp(png).stats()).channels.map((c) => c.stdev))).toBeGreaterThan(10);
    }
    expect(String(sent(OWNER_EN, "sendMediaGroup")[0]!.payload.media)).not.toContain("Pendapatan");

    const [row] = await prisma.$queryRaw<Array<{ delivered: boolean }>>`SELECT delivered_at IS NOT NULL AS delivered FROM weekly_stats_reports`;
    expect(row?.delivered).toBe(true);
  });

  it("retries only the owner Telegram failed for, without repeating their text", async () => {
    fail = (c) => (c.method === "sendMediaGroup" && Number(c.payload.chat_id) === OWNER_EN ? { error_code: 500, description: "Internal Server Error" } : undefined);
    await expect(sendWeeklySummary(deps(), MONDAY_9)).rejects.toBeInstanceOf(WeeklySummaryNotDeliveredError);
    fail = () => undefined;
    expect(await sendWeeklySummary(deps(), MONDAY_9)).toEqual({ week: "2026-11-30", delivered: 1 });
    expect(sent(OWNER_ID, "sendMessage")).toHaveLength(1);
    expect(sent(OWNER_ID, "sendMediaGroup")).toHaveLength(1);
    expect(sent(OWNER_EN, "sendMessage")).toHaveLength(1);
    expect(sent(OWNER_EN, "sendMediaGroup")).toHaveLength(2); // the failed one and the one that arrived
  });

  it("gives up on an owner who blocked the bot and finishes the week for the others", async () => {
    fail = (c) => (Number(c.payload.chat_id) === OWNER_EN ? { error_code: 403, description: "Forbidden: bot was blocked by the user" } : undefined);
    expect(await sendWeeklySummary(deps(), MONDAY_9)).toEqual({ week: "2026-11-30", delivered: 1 });
    expect(await sendWeeklySummary(deps(), MONDAY_9)).toEqual({ skipped: "already delivered" });
    expect(sent(OWNER_EN, "sendMessage")).toHaveLength(1);
  });

  it("is scheduled every hour on the hour, one job per tick", async () => {
    const added: Array<{ payload: unknown; jobId?: string }> = [];
    const queues = { enqueue: async (_q: string, payload: unknown, opts: { jobId?: string }) => void added.push({ payload, jobId: opts.jobId }) } as unknown as Queues;
    const [entry] = statsReportSchedules(queues);
    expect(entry!.cron).toBe("0 * * * *");
    await entry!.run("2026-11-30T08:00");
    expect(added).toEqual([{ payload: { task: "weekly-summary", tick: "2026-11-30T08:00" }, jobId: "weekly-summary-2026-11-30T08-00" }]);
  });
});
