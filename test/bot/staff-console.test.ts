/**
 * The staff console (/staff) through the bot, on real PostgreSQL and Redis: the owner adds
 * members by id, @username and forwarded message and gives them roles made of permissions;
 * a member's powers follow at their next tap (a reviewer cannot open /staff by command or by
 * crafted callback data); nobody grants a permission they do not hold or changes a stronger
 * member or the owner; a removed member's old buttons stop working; every change is audited
 * with before and after; menus and /help follow the permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Update } from "grammy/types";
import { forgetMaintenanceState, setMaintenance } from "../../shop/maintenance/state.js";
import { buttonsOf, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";

const OWNER: TestUser = { id: 9_410_001, first_name: "Budi" };
const SELLER: TestUser = { id: 9_410_002, first_name: "Sari" };
const RINA: TestUser = { id: 9_410_003, first_name: "Rina", username: "rina_cs" };
const DEDI: TestUser = { id: 9_410_004, first_name: "Dedi" };
const EKO: TestUser = { id: 9_410_005, first_name: "Eko", username: "eko_ops" };

const UNKNOWN = "Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.";

let h: Awaited<ReturnType<typeof createBotHarness>>;

async function send(user: TestUser, update: Update): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(update);
  return h.calls.slice(from);
}
const say = (user: TestUser, text: string) => send(user, updates.text(user, text));
const tap = (user: TestUser, data: string) => send(user, updates.callback(user, data));
const texts = (calls: RecordedCall[]) => calls.map((c) => String(c.payload.text ?? "")).join("\n");
const roleId = async (name: string) => (await h.prisma.staffRole.findUniqueOrThrow({ where: { name } })).id;
const userId = async (u: TestUser) => (await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(u.id) } })).id;
const powers = async (u: TestUser) => (await h.core.users.fresh(u)).permissions;

beforeAll(async () => {
  h = await createBotHarness({ OWNER_IDS: String(OWNER.id), SELLER_IDS: String(SELLER.id), BOT_RATE_LIMIT_PER_10S: "100000" });
  for (const u of [OWNER, SELLER, RINA, EKO]) await say(u, "/start");
});

afterAll(async () => {
  await h?.close();
});

describe("the staff console", () => {
  it("lists configured staff and offers adding members and roles", async () => {
    const calls = await say(OWNER, "/staff");
    const out = texts(calls);
    expect(out).toContain("Budi");
    expect(out).toContain("Sari");
    expect(out).toContain("seller");
    const data = buttonsOf(calls.find((c) => c.method === "sendMessage")).map((b) => b.data);
    expect(data).toContain("stf:add");
    expect(data).toContain("stf:roles");
  });

  it("adds a member by @username and gives them the reviewer role: powers, menu and /help follow at once", async () => {
    await tap(OWNER, "stf:add");
    const picked = await say(OWNER, "@rina_cs");
    const card = picked.find((c) => c.method === "sendMessage")!;
    expect(String(card.payload.text)).toContain("Rina");
    const reviewer = await roleId("reviewer");
    const rinaId = await userId(RINA);
    expect(buttonsOf(card).map((b) => b.data)).toContain(`stf:as:${rinaId}:${reviewer}`);

    const assigned = await tap(OWNER, `stf:as:${rinaId}:${reviewer}`);
    // Her menu is published in her chat, with /pending and without /staff; she is told.
    const menus = assigned.filter((c) => c.method === "setMyCommands" && (c.payload.scope as { chat_id?: number })?.chat_id === RINA.id);
    expect(menus.length).toBeGreaterThan(0);
    const names = (menus[0]!.payload.commands as Array<{ command: string }>).map((c) => c.command);
    expect(names).toContain("pending");
    expect(names).not.toContain("staff");
    expect(assigned.some((c) => c.method === "sendMessage" && c.payload.chat_id === RINA.id)).toBe(true);

    expect(await powers(RINA)).toEqual(["payments.review"]);
    const help = texts(await say(RINA, "/help"));
    expect(help).toContain("/pending");
    expect(help).not.toContain("/staff");
    expect(help).not.toContain("/shop");

    const log = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.add", targetId: String(rinaId) } });
    expect(log.actorUserId).toBe(await userId(OWNER));
    expect(log.details).toMatchObject({ before: { role: null, permissions: [] }, after: { role: "reviewer", permissions: ["payments.review"] } });
  });

  it("a reviewer cannot open staff or catalog screens, by command or by crafted callback data", async () => {
    const reviewer = await roleId("reviewer");
    const before = await h.prisma.staffMember.findMany({ orderBy: { userId: "asc" } });
    // Targets her own permissions would cover: only the missing staff.manage stands in the way.
    const customer = await h.prisma.user.create({ data: { telegramId: BigInt(9_410_050), firstName: "Tamu" } });
    for (const step of [
      () => say(RINA, "/staff"),
      () => say(RINA, "/shop"),
      () => say(RINA, "/coupons"),
      () => tap(RINA, "stf:list"),
      () => tap(RINA, `stf:as:${customer.id}:${reviewer}`),
      () => tap(RINA, "stf:rnew"),
      () => tap(RINA, "ca:home"),
      () => tap(RINA, "cp:list:0"),
    ]) {
      const calls = await step();
      // Nothing but "I did not understand" (a command) or a silent / stale-button answer (a tap).
      const shown = calls.filter((c) => ["sendMessage", "editMessageText", "sendPhoto", "sendDocument"].includes(c.method)).map((c) => String(c.payload.text));
      expect(shown.filter((t) => t !== UNKNOWN)).toEqual([]);
      expect(calls.some((c) => c.method === "setMyCommands")).toBe(false);
    }
    expect(await h.prisma.staffMember.findMany({ orderBy: { userId: "asc" } })).toEqual(before);
    expect(await powers(RINA)).toEqual(["payments.review"]);
  });

  it("adds a member by a forwarded message and by id", async () => {
    await tap(OWNER, "stf:add");
    const forwarded = updates.text(OWNER, "halo");
    (forwarded.message as unknown as Record<string, unknown>).forward_origin = { type: "user", date: 1, sender_user: { id: DEDI.id, is_bot: false, first_name: DEDI.first_name } };
    const card = await send(OWNER, forwarded);
    expect(texts(card)).toContain("Dedi");
    const dediId = await userId(DEDI);
    await tap(OWNER, `stf:as:${dediId}:${await roleId("support")}`);
    expect(await powers(DEDI)).toContain("orders.view");

    await tap(OWNER, "stf:add");
    expect(texts(await say(OWNER, String(EKO.id)))).toContain("Eko");
  });

  it("/cancel ends the 'send me who to add' step; a forwarded channel post is not a person", async () => {
    await tap(OWNER, "stf:add");
    expect(texts(await say(OWNER, "/cancel"))).toContain("Dibatalkan");
    expect(texts(await say(OWNER, "@rina_cs"))).not.toContain("Menambahkan");

    await tap(OWNER, "stf:add");
    const post = updates.text(OWNER, "9410004");
    (post.message as unknown as Record<string, unknown>).forward_origin = { type: "channel", date: 1, chat: { id: -1001, type: "channel", title: "Promo" }, message_id: 5 };
    expect(texts(await send(OWNER, post))).toContain("grup atau channel");
    // The step stays open for the @username it asked for.
    expect(texts(await say(OWNER, "@rina_cs"))).toContain("Menambahkan");
  });

  it("nobody grants a permission they do not hold, nor changes a stronger member or the owner", async () => {
    // A custom role "lead": staff.manage + payments.review only, built by the owner permission by permission.
    await tap(OWNER, "stf:rnew");
    await say(OWNER, "lead");
    const lead = await roleId("lead");
    const { PERMISSIONS } = await import("../../shop/users/staff.js");
    for (const p of ["staff.manage", "payments.review"] as const) await tap(OWNER, `stf:rt:${lead}:${PERMISSIONS.indexOf(p)}`);
    const ekoId = await userId(EKO);
    await tap(OWNER, `stf:as:${ekoId}:${lead}`);
    expect(await powers(EKO)).toEqual(["payments.review", "staff.manage"]);

    const dediId = await userId(DEDI);
    const rinaId = await userId(RINA);
    const ownerId = await userId(OWNER);
    const manager = await roleId("manager");
    const reviewer = await roleId("reviewer");
    const audits = await h.prisma.auditLog.count();
    // Give someone "manager" (holds catalog.manage etc.): refused.
    expect(texts(await tap(EKO, `stf:as:${rinaId}:${manager}`))).toContain("izin yang tidak Anda miliki");
    // Add catalog.manage to a role: refused.
    expect(texts(await tap(EKO, `stf:rt:${lead}:${PERMISSIONS.indexOf("catalog.manage")}`))).toContain("izin yang tidak Anda miliki");
    // Demote Dedi (support: holds orders.view, which Eko lacks): refused.
    expect(texts(await tap(EKO, `stf:as:${dediId}:${reviewer}`))).toContain("izin yang tidak Anda miliki");
    expect(texts(await tap(EKO, `stf:rmok:${dediId}`))).toContain("izin yang tidak Anda miliki");
    // The owner: never from the chat.
    expect(texts(await tap(EKO, `stf:rmok:${ownerId}`))).toContain("Pemilik toko");
    expect(texts(await tap(OWNER, `stf:rmok:${ownerId}`))).toContain("Pemilik toko");
    // Himself: no.
    expect(texts(await tap(EKO, `stf:as:${ekoId}:${reviewer}`))).toContain("sendiri");
    expect(await h.prisma.auditLog.count()).toBe(audits);
    expect(await powers(DEDI)).toContain("orders.view");
    expect((await h.core.users.fresh(OWNER)).role).toBe("OWNER");

    // Within his own powers he can act: Rina (reviewer) to lead's subset is fine, then back.
    await tap(EKO, `stf:as:${rinaId}:${lead}`);
    expect(await powers(RINA)).toEqual(["payments.review", "staff.manage"]);
    await tap(OWNER, `stf:as:${rinaId}:${reviewer}`);
  });

  it("a removed member loses every power at the next tap, old buttons included; a configured seller too", async () => {
    const ekoId = await userId(EKO);
    const rinaId = await userId(RINA);
    await tap(OWNER, `stf:rm:${ekoId}`);
    const removed = await tap(OWNER, `stf:rmok:${ekoId}`);
    expect(removed.some((c) => c.method === "deleteMyCommands" && (c.payload.scope as { chat_id?: number })?.chat_id === EKO.id)).toBe(true);
    expect(await powers(EKO)).toEqual([]);
    // A button still in his chat from when he managed staff: refused, nothing changes.
    const calls = await tap(EKO, `stf:as:${rinaId}:${await roleId("lead")}`);
    expect(texts(calls)).not.toContain("Peran diberikan");
    expect(await powers(RINA)).toEqual(["payments.review"]);
    const log = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.remove", targetId: String(ekoId) } });
    expect(log.details).toMatchObject({ before: { role: "lead" }, after: { role: null, permissions: [] } });

    // Sari is in SELLER_IDS: the chat can take her powers away without a restart.
    expect(await powers(SELLER)).toContain("stats.view");
    await tap(OWNER, `stf:rmok:${await userId(SELLER)}`);
    expect(await powers(SELLER)).toEqual([]);
    expect(texts(await say(SELLER, "/stats"))).not.toContain("Pengguna");
    // And give them back a role.
    await tap(OWNER, `stf:as:${await userId(SELLER)}:${await roleId("seller")}`);
    expect(await powers(SELLER)).toContain("stats.view");
  });

  it("roles: a built-in role cannot be edited, an unused custom role can be deleted", async () => {
    const { PERMISSIONS } = await import("../../shop/users/staff.js");
    const seller = await roleId("seller");
    expect(texts(await tap(OWNER, `stf:rt:${seller}:${PERMISSIONS.indexOf("catalog.manage")}`))).toContain("bawaan");
    await tap(OWNER, "stf:rnew");
    await say(OWNER, "temp");
    const temp = await roleId("temp");
    await tap(OWNER, `stf:rdel:${temp}`);
    expect(await h.prisma.staffRole.findUnique({ where: { name: "temp" } })).toBeNull();
    // "lead": Eko was removed, Rina moved back: nobody holds it any more, so it can go too.
    await tap(OWNER, `stf:rdel:${await roleId("lead")}`);
    expect(await h.prisma.staffRole.findUnique({ where: { name: "lead" } })).toBeNull();
    const deletions = await h.prisma.auditLog.count({ where: { action: "staff.role.delete" } });
    expect(deletions).toBe(2);
  });

  it("a banned member gets no staff pushes; a role's permission change is audited with its holders", async () => {
    const { configRoster, staffChatIds } = await import("../../shop/users/staff.js");
    const roster = configRoster(h.config);
    expect(await staffChatIds(h.prisma, roster, "payments.review")).toContain(RINA.id);
    await h.prisma.user.update({ where: { telegramId: BigInt(RINA.id) }, data: { bannedAt: new Date(), banReason: "test" } });
    expect(await staffChatIds(h.prisma, roster, "payments.review")).not.toContain(RINA.id);
    await h.prisma.user.update({ where: { telegramId: BigInt(RINA.id) }, data: { bannedAt: null, banReason: null } });
    await h.core.users.forget(RINA.id);

    const toggles = await h.prisma.auditLog.findMany({ where: { action: "staff.role.permission.add" }, orderBy: { id: "asc" } });
    expect(toggles.length).toBeGreaterThan(0);
    expect(toggles.every((t) => Array.isArray((t.details as { members?: unknown }).members))).toBe(true);
  });

  it("while the shop is closed for maintenance, staff the chat added keep working; customers get the notice", async () => {
    const CUSTOMER: TestUser = { id: 9_410_099, first_name: "Pembeli" };
    await setMaintenance(h.prisma, { on: true, message: "Migrasi server", actor: { userId: null, actorType: "SYSTEM" } });
    forgetMaintenanceState(h.prisma);
    try {
      expect(texts(await say(RINA, "/help"))).toContain("/pending");
      expect(texts(await say(SELLER, "/help"))).toContain("/stats");
      const customer = texts(await say(CUSTOMER, "/help"));
      expect(customer).toContain("Migrasi server");
      expect(customer).not.toContain("/catalog");
      // Sari is in SELLER_IDS; once the chat removed her she is a customer at the gate too.
      await tap(OWNER, `stf:rmok:${await userId(SELLER)}`);
      expect(texts(await say(SELLER, "/help"))).toContain("Migrasi server");
      await tap(OWNER, `stf:as:${await userId(SELLER)}:${await roleId("seller")}`);
    } finally {
      await setMaintenance(h.prisma, { on: false, actor: { userId: null, actorType: "SYSTEM" } });
      forgetMaintenanceState(h.prisma);
    }
  });

  it("every permission has a label in both languages (the role editor shows them all)", async () => {
    const { PERMISSIONS } = await import("../../shop/users/staff.js");
    for (const locale of ["id", "en"]) {
      for (const p of PERMISSIONS) {
        const key = `stf-perm-${p.replace(".", "-")}`;
        expect(h.core.i18n.t(locale, key), `${locale} ${key}`).not.toBe(key);
      }
    }
  });
});
