/**
 * The checkout's confirm tap handled a second time, as the webhook inbox (bot/inbox.ts) does when
 * the process handling it died or was cut off after the order committed but before the chat's
 * conversation state was saved: another process then handles the same update from the state
 * before it. Seen in the network-split test (a customer with two orders). Through the real bot:
 * the chat's stored state is put back as it was before the tap, and the same update handled again.
 */
import type { Update } from "grammy/types";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateKeyPrefixes } from "../../bot/index.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";
import * as chat from "./reseller-chat.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
let redis: Redis;
let clouds: FakeClouds | undefined;
beforeAll(async () => {
  clouds = await startFakeClouds();
  h = await createBotHarness({ ...clouds.env, BOT_RATE_LIMIT_PER_10S: "1000" });
  await seedDemoCatalog(h.prisma);
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
  await clouds?.stop();
});

const send = (update: Update) => chat.send(h, update);

/** Every stored session and conversation key of the chat (value, update stamp, fence), to put back later. */
async function chatState(chatId: number): Promise<Array<[string, Buffer | null]>> {
  const { session, conversation } = stateKeyPrefixes(h.config.queuePrefix);
  const keys = (await Promise.all([session, conversation].map((p) => redis.keys(`${p}${chatId}*`)))).flat();
  return Promise.all(keys.map(async (k) => [k, await redis.dumpBuffer(k)] as [string, Buffer | null]));
}

/**
 * Puts the chat's state back as `saved` and forgets that `update` was admitted: the harness bot
 * runs as in polling mode, whose admit gate drops a repeated update_id; in webhook mode the inbox
 * hands it to the bot again (bot/middlewares/admit.middleware.ts).
 */
async function putBack(chatId: number, saved: Array<[string, Buffer | null]>, update: Update): Promise<void> {
  await redis.del(`${h.config.queuePrefix}:upd:${update.update_id}`);
  for (const [k] of await chatState(chatId)) await redis.del(k);
  for (const [k, dump] of saved) if (dump) await redis.restore(k, 0, dump, "REPLACE");
}

/** A new customer (/start) at the summary of `planCode`, in message `msg`; returns the plan. */
async function toSummary(user: TestUser, msg: number, planCode: string) {
  await h.bot.handleUpdate(updates.text(user, "/start"));
  return (await chat.toSummary(h, user, msg, planCode)).plan;
}

describe("the confirm tap handled again from the state before it", () => {
  it("places no second order: the customer is shown the order the first handling placed", async () => {
    const sari: TestUser = { id: 5_600_001, first_name: "Sari", language_code: "id" };
    await toSummary(sari, 50, "do-s-1vcpu-1gb-sgp1");
    const before = await chatState(sari.id);
    expect(before.length).toBeGreaterThan(0);

    const confirm = updates.callback(sari, "chk:confirm", 50);
    const first = await send(confirm);
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(sari.id) } });
    const [order] = await h.prisma.order.findMany({ where: { userId: user.id } });
    expect(order).toBeDefined();
    expect(first.text).toContain(order!.reference);

    await putBack(sari.id, before, confirm);
    const again = await send(confirm);
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(1);
    expect(again.text).toContain(order!.reference);
    expect(again.last?.payload.reply_markup).toMatchObject({ inline_keyboard: expect.arrayContaining([[expect.objectContaining({ callback_data: `pay:m:${order!.id}` })]]) });
  });

  it("gives the order back although the plan's last unit went to it: not 'sold out'", async () => {
    const budi: TestUser = { id: 5_600_002, first_name: "Budi", language_code: "id" };
    const plan = await toSummary(budi, 60, "do-s-1vcpu-2gb-sgp1");
    await h.prisma.plan.update({ where: { id: plan.id }, data: { stock: 1 } });
    h.core.botDeps.catalog.invalidate();
    const before = await chatState(budi.id);

    const confirm = updates.callback(budi, "chk:confirm", 60);
    await send(confirm);
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(budi.id) } });
    const order = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id } });
    expect((await h.prisma.plan.findUniqueOrThrow({ where: { id: plan.id } })).stock).toBe(0);

    await putBack(budi.id, before, confirm);
    const again = await send(confirm);
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(1);
    expect(again.text).toContain(order.reference);
  });

  it("a renewal tap handled again gives back the renewal order it placed; another tap places another", async () => {
    const tari: TestUser = { id: 5_600_003, first_name: "Tari", language_code: "id" };
    const plan = await toSummary(tari, 70, "do-s-1vcpu-1gb-sgp1");
    await send(updates.callback(tari, "chk:confirm", 70));
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(tari.id) } });
    const bought = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id } });
    await h.prisma.order.update({ where: { id: bought.id }, data: { status: "ACTIVE", paidAt: new Date() } });
    const instance = await h.prisma.instance.create({
      data: { orderId: bought.id, userId: user.id, providerCode: "DIGITALOCEAN", providerInstanceId: `rp-${bought.id}`, label: "vps-tari", region: "sgp1", planId: plan.id, planCode: plan.code, imageCode: "ubuntu-22.04", ipv4: "203.0.113.9", status: "ACTIVE", expiresAt: new Date(Date.now() + 5 * 86_400_000) },
    });
    const renewals = () => h.prisma.order.findMany({ where: { userId: user.id, kind: "RENEWAL" }, orderBy: { id: "asc" } });

    const tap = updates.callback(tari, `renew:do:${instance.id}:1`, 71);
    const first = await send(tap);
    const [renewal] = await renewals();
    expect(renewal).toMatchObject({ status: "PENDING_PAYMENT", instanceId: instance.id, durationMonths: 1 });
    expect(first.text).toContain(renewal!.reference);

    await putBack(tari.id, await chatState(tari.id), tap);
    const again = await send(tap);
    expect((await renewals()).map((o) => o.id)).toEqual([renewal!.id]);
    expect(again.text).toContain(renewal!.reference);

    // A new tap is a new request; and once the first renewal is no longer awaiting payment, its
    // tap (reused) places a new order rather than showing a paid one.
    await send(updates.callback(tari, `renew:do:${instance.id}:1`, 71));
    expect(await renewals()).toHaveLength(2);
    await h.prisma.order.update({ where: { id: renewal!.id }, data: { status: "EXPIRED" } });
    await putBack(tari.id, await chatState(tari.id), tap);
    await send(tap);
    expect(await renewals()).toHaveLength(3);
  });
});
