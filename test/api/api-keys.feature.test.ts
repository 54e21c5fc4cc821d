/**
 * `/apikeys` through the real bot (recording Telegram, real Postgres and Redis): a reseller makes
 * a key with the scopes they tick (shown once, only its hash stored), sees it listed, revokes it
 * (asked first; a second tap or someone else's tap changes nothing), sets the webhook URL (its
 * secret shown once), rotates the secret and switches it off. A customer without a tier is told
 * the API is for resellers.
 */
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_RESELLER_TIER, seedDemoCatalog } from "../../db/seed.js";
import { authenticateApiKey } from "../../shop/api/keys.js";
import { buttonsOf, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";
import * as chat from "../bot/reseller-chat.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
beforeAll(async () => {
  h = await createBotHarness({ BOT_RATE_LIMIT_PER_10S: "1000", WEBHOOK_ALLOW_PRIVATE: "true" });
  await seedDemoCatalog(h.prisma);
});
afterAll(async () => {
  await h?.close();
});

const send = (update: Update) => chat.send(h, update);

/** A user who has opened the bot; with `reseller`, given the demo tier before their first update (the bot caches the user). */
async function person(id: number, reseller: boolean) {
  const user: TestUser = { id, first_name: "Rina", language_code: "id" };
  if (reseller) {
    const tier = await h.prisma.resellerTier.findUniqueOrThrow({ where: { code: DEMO_RESELLER_TIER.code } });
    await h.prisma.user.create({ data: { telegramId: BigInt(id), firstName: "Rina", resellerTierId: tier.id } });
  }
  await h.bot.handleUpdate(updates.text(user, "/start"));
  return { user, row: await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(id) } }) };
}

describe("/apikeys", () => {
  it("tells a customer without a reseller tier that the API is for resellers", async () => {
    const { user } = await person(7_400_001, false);
    expect((await send(updates.text(user, "/apikeys"))).text).toContain("untuk reseller");
    expect(await h.prisma.apiKey.count()).toBe(0);
  });

  it("makes a key with the ticked scopes, shows it once, lists and revokes it (asked first, once)", async () => {
    const { user, row } = await person(7_400_002, true);
    const menu = await send(updates.text(user, "/apikeys"));
    expect(menu.text).toContain("Anda belum punya kunci API.");
    expect(buttonsOf(menu.last).map((b) => b.data)).toContain("ak:new:1");

    const picker = await send(updates.callback(user, "ak:new:1", 50));
    expect(buttonsOf(picker.last).map((b) => b.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^✅ read/), expect.stringMatching(/^⬜ order/), expect.stringMatching(/^⬜ vps/)]));
    const ticked = await send(updates.callback(user, "ak:new:5", 50));
    expect(buttonsOf(ticked.last).map((b) => b.data)).toContain("ak:mk:5");

    const made = await send(updates.callback(user, "ak:mk:5", 50));
    // A second tap on the same picker makes no second key.
    expect((await send(updates.callback(user, "ak:mk:5", 50))).alert).toMatchObject({ show_alert: true });
    expect(await h.prisma.apiKey.count({ where: { userId: row.id } })).toBe(1);
    const token = /vsk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}/.exec(made.text)?.[0];
    expect(token).toBeDefined();
    const auth = await authenticateApiKey(h.prisma, token);
    expect(auth).toMatchObject({ ok: true, key: { scopes: ["read", "vps"], user: { id: row.id } } });
    const key = await h.prisma.apiKey.findFirstOrThrow({ where: { userId: row.id } });
    expect(key.secretHash).not.toContain(token!.slice(-43));

    const listed = await send(updates.text(user, "/apikeys"));
    expect(listed.text).toContain(key.prefix);
    expect(listed.text).not.toContain(token!.slice(-43));

    // Someone else's tap on the revoke button does nothing to it.
    const { user: other } = await person(7_400_003, true);
    expect((await send(updates.callback(other, `ak:rvok:${key.id}`, 60))).alert).toMatchObject({ show_alert: true });
    expect((await h.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();

    const confirm = await send(updates.callback(user, `ak:rv:${key.id}`, 51));
    expect(confirm.text).toContain(`Cabut kunci <code>${key.prefix}</code>`);
    await send(updates.callback(user, `ak:rvok:${key.id}`, 51));
    expect((await h.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).not.toBeNull();
    expect(await authenticateApiKey(h.prisma, token)).toEqual({ ok: false, reason: "revoked" });
    // A second tap: told, nothing new audited.
    expect((await send(updates.callback(user, `ak:rvok:${key.id}`, 51))).alert).toMatchObject({ show_alert: true });
    expect(await h.prisma.auditLog.count({ where: { action: "api_key.revoke", targetId: String(key.id) } })).toBe(1);
  });

  it("sets the webhook URL (secret shown once, removable with \"I saved it\"), rotates the secret, switches it off", async () => {
    const { user, row } = await person(7_400_004, true);
    expect((await send(updates.text(user, "/apikeys webhook ftp://example.com/x"))).text).toContain("bukan alamat web");
    const set = await send(updates.text(user, "/apikeys webhook http://127.0.0.1:9/hook"));
    expect(set.text).toContain("Webhook diatur: http://127.0.0.1:9/hook");
    const secret = /whsec_[A-Za-z0-9_-]{43}/.exec(set.text)?.[0];
    expect(secret).toBeDefined();
    // The secret's message can be cleared like a new key's: "I saved it" edits it into the menu.
    expect(buttonsOf(set.last).map((b) => b.data)).toEqual(["ak:menu"]);
    const setId = chat.lastSentId(h);
    const cleared = await send(updates.callback(user, "ak:menu", setId));
    expect(cleared.last).toMatchObject({ method: "editMessageText", payload: { message_id: setId } });
    expect(cleared.text).not.toContain("whsec_");
    expect(cleared.text).toContain("Webhook: http://127.0.0.1:9/hook");
    expect((await send(updates.text(user, "/apikeys webhook http://127.0.0.1:9/other"))).text).not.toContain("whsec_");

    const menu = await send(updates.text(user, "/apikeys"));
    expect(menu.text).toContain("Webhook: http://127.0.0.1:9/other");
    expect(buttonsOf(menu.last).map((b) => b.data)).toEqual(expect.arrayContaining(["ak:whr", "ak:whx"]));
    const rotated = await send(updates.callback(user, "ak:whrok", 70));
    const next = /whsec_[A-Za-z0-9_-]{43}/.exec(rotated.text)?.[0];
    expect(next).toBeDefined();
    expect(next).not.toBe(secret);
    // "I saved it" on the rotation's message puts the menu in its place: the secret is gone from the chat.
    expect(buttonsOf(rotated.last).map((b) => b.data)).toEqual(["ak:menu"]);
    const afterRotation = await send(updates.callback(user, "ak:menu", 70));
    expect(afterRotation.last).toMatchObject({ method: "editMessageText", payload: { message_id: 70 } });
    expect(afterRotation.text).not.toContain("whsec_");
    await send(updates.callback(user, "ak:whx", 70));
    expect((await h.prisma.webhookEndpoint.findUniqueOrThrow({ where: { userId: row.id } })).disabledAt).not.toBeNull();
  });
});
