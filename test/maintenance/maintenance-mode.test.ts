/**
 * The owner's maintenance switch through the real bot (full middleware stack, real Postgres and
 * Redis, a recording Telegram): customers get the owner's message and nothing else happens,
 * staff keep working, the command and its button are refused to sellers and customers at each
 * tap, every change is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maintenanceState } from "../../shop/maintenance/index.js";
import { buttonsOf, textsSince, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
beforeAll(async () => {
  h = await createBotHarness({ BOT_RATE_LIMIT_PER_10S: "50" });
});
afterAll(async () => {
  await h?.close();
});

const owner: TestUser = { id: OWNER_ID, first_name: "Budi" };
const seller: TestUser = { id: SELLER_ID, first_name: "Sella" };
const siti: TestUser = { id: 5_400_001, first_name: "Siti", language_code: "id" };
const ana: TestUser = { id: 5_400_002, first_name: "Ana", language_code: "en" };
const MESSAGE = "Upgrade server sampai pukul 10:00 WIB.";

const send = async (user: TestUser, text: string) => {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.text(user, text));
  return h.calls.slice(from);
};
const tap = async (user: TestUser, data: string) => {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.callback(user, data));
  return h.calls.slice(from);
};
const texts = (calls: typeof h.calls) => textsSince(calls);
const alerts = (calls: typeof h.calls) => calls.filter((c) => c.method === "answerCallbackQuery").map((c) => c.payload);
const audits = () => h.prisma.auditLog.findMany({ where: { targetType: "maintenance" }, orderBy: { id: "asc" } });

describe("maintenance mode from the owner's chat", () => {
  it("is off at first: /maintenance shows the status, customers are served", async () => {
    expect(texts(await send(owner, "/maintenance")).join()).toContain("Mode pemeliharaan: MATI");
    expect(texts(await send(siti, "/start")).join()).toContain("Halo, Siti!");
  });

  it("sellers and customers cannot switch it on: the command is unknown to them, nothing changes", async () => {
    for (const who of [seller, siti]) {
      expect(texts(await send(who, `/maintenance on ${MESSAGE}`))).toEqual(["Maaf, saya tidak mengerti. Ketik /start untuk membuka menu."]);
    }
    expect((await maintenanceState(h.prisma)).global).toBeUndefined();
    expect(await audits()).toEqual([]);
  });

  it("/maintenance on <message> switches it on (audited with the owner) and offers the off button", async () => {
    const calls = await send(owner, `/maintenance on ${MESSAGE}`);
    expect(texts(calls)[0]).toContain("Mode pemeliharaan NYALA");
    expect(texts(calls)[0]).toContain(MESSAGE);
    expect(buttonsOf(calls.find((c) => c.method === "sendMessage")).map((b) => b.data)).toEqual(["mnt:off"]);
    const ownerRow = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(OWNER_ID) } });
    expect((await audits()).map((a) => ({ action: a.action, actorType: a.actorType, actorUserId: a.actorUserId, targetId: a.targetId }))).toEqual([
      { action: "maintenance.on", actorType: "OWNER", actorUserId: ownerRow.id, targetId: "GLOBAL" },
    ]);
    expect(texts(await send(owner, "/maintenance")).join()).toContain(`Pesan untuk pelanggan: ${MESSAGE}`);
  });

  it("customers get the owner's message in their language, and nothing else happens", async () => {
    const newcomer: TestUser = { id: 5_400_003, first_name: "Baru" };
    expect(texts(await send(newcomer, "/start"))).toEqual([`🛠 Toko sedang dalam pemeliharaan.\n\n${MESSAGE}`]);
    // Nothing changed: not even the newcomer's user row was written.
    expect(await h.prisma.user.findUnique({ where: { telegramId: BigInt(newcomer.id) } })).toBeNull();
    expect(texts(await send(ana, "/catalog"))).toEqual([`🛠 The shop is under maintenance.\n\n${MESSAGE}`]);
    const tapCalls = await tap(siti, "menu:catalog");
    expect(texts(tapCalls)).toEqual([]);
    expect(alerts(tapCalls)).toEqual([expect.objectContaining({ text: `🛠 Toko sedang dalam pemeliharaan.\n\n${MESSAGE}`, show_alert: true })]);
    // A customer's tap on the owner's button is answered the same way.
    expect(alerts(await tap(siti, "mnt:off"))[0]?.text).toContain("pemeliharaan");
    expect((await maintenanceState(h.prisma)).global).toBeDefined();
  });

  it("staff bypass it: the seller's /stats and the owner's /start work", async () => {
    expect(texts(await send(seller, "/stats")).join()).not.toContain("pemeliharaan");
    expect(texts(await send(owner, "/start")).join()).toContain("Halo, Budi!");
  });

  it("the seller's tap on the off button is refused; the owner's switches it off, audited", async () => {
    expect(alerts(await tap(seller, "mnt:off"))).toEqual([expect.objectContaining({ text: "Hanya pemilik toko yang bisa mengubah mode pemeliharaan.", show_alert: true })]);
    expect((await maintenanceState(h.prisma)).global).toBeDefined();
    expect(alerts(await tap(owner, "mnt:off"))[0]?.text).toContain("Mode pemeliharaan MATI");
    expect((await maintenanceState(h.prisma)).global).toBeUndefined();
    expect((await audits()).map((a) => a.action)).toEqual(["maintenance.on", "maintenance.off"]);
    expect(texts(await send(siti, "/start")).join()).toContain("Halo, Siti!");
  });

  it("a customer's tap on a leftover off button is refused once it is off", async () => {
    expect(alerts(await tap(siti, "mnt:off"))).toEqual([expect.objectContaining({ text: "Hanya pemilik toko yang bisa mengubah mode pemeliharaan." })]);
  });

  it("/maintenance on without a message uses the default text; /maintenance off switches it off", async () => {
    await send(owner, "/maintenance on");
    expect(texts(await send(siti, "/start"))).toEqual(["🛠 Toko sedang dalam pemeliharaan.\n\nKami sedang melakukan perbaikan. Silakan coba lagi sebentar lagi."]);
    expect(texts(await send(owner, "/maintenance off"))[0]).toContain("Mode pemeliharaan MATI");
    expect((await audits()).map((a) => a.action)).toEqual(["maintenance.on", "maintenance.off", "maintenance.on", "maintenance.off"]);
  });
});
