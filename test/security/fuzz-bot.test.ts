/**
 * Fuzzed callback_data against the running service (web + bot roles, polling the fake Telegram,
 * real Postgres and Redis): random bytes, overlong data, every customer and staff prefix with
 * other customers' order/payment/VPS ids, negative and huge numbers, unknown prefixes, and
 * callback queries without data or message. Sent by a customer who owns nothing and by a blocked
 * one, as real updates through the fake's update queue. Afterwards: the process still answers
 * /health, no table or queue changed, nothing of the victims' (order reference, VPS address or
 * label) reached the attackers' chats, every tap was answered, and the log stayed bounded.
 * Seeded: the seed is printed; SECURITY_FUZZ_SEED replays a run.
 */
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { startTestService, type TestService } from "../support/service.js";
import { createPendingOrder, type PendingOrder } from "../webhooks/payments/harness.js";
import { changedTables, fingerprint } from "./support/fingerprint.js";
import { NASTY_NUMBERS, randomText, seededRng, type Rng } from "./support/fuzz.js";
import { captureLogs } from "./support/logs.js";
import { CUSTOMER_SURFACE, STAFF_ACTIONS } from "./staff-table.js";

const UPDATES = 300;
const logs = captureLogs("info");
let t: TestService;
let attacker: FakeUser;
let blocked: FakeUser;
/** A message of the bot's in each attacker's chat (a tap always comes from one). */
let messageOf: Map<number, number>;
/** What the victims own: ids the attackers put in their callback data. */
let victim: { order: PendingOrder; vpsOrder: PendingOrder; instanceId: number; ipv4: string; label: string; ids: number[] };

beforeAll(async () => {
  t = await startTestService({ roles: ["web", "bot"], env: { BOT_RATE_LIMIT_PER_10S: "1000000" }, logger: logs.logger });
  const { prisma } = t.service;
  await seedDemoCatalog(prisma);
  const order = await createPendingOrder(prisma);
  const vpsOrder = await createPendingOrder(prisma);
  await prisma.order.update({ where: { id: vpsOrder.orderId }, data: { status: "ACTIVE" } });
  const plan = await prisma.plan.findFirstOrThrow({ where: { code: "do-s-1vcpu-1gb-sgp1" } });
  const instance = await prisma.instance.create({
    data: { orderId: vpsOrder.orderId, userId: vpsOrder.userId, providerCode: "DIGITALOCEAN", providerInstanceId: "victim-1", label: "rahasia-vps", region: "sgp1", planId: plan.id, planCode: plan.code, imageCode: "ubuntu-24.04", status: "ACTIVE", ipv4: "198.51.100.77", expiresAt: new Date(Date.now() + 20 * 86_400_000) },
  });
  victim = { order, vpsOrder, instanceId: instance.id, ipv4: "198.51.100.77", label: "rahasia-vps", ids: [order.orderId, order.paymentId, vpsOrder.orderId, vpsOrder.paymentId, instance.id, 1, 2] };

  attacker = t.fake.user(9_420_001, { firstName: "Penyerang" });
  await attacker.sendText("/start");
  await attacker.waitForMessage(/Halo/, { timeoutMs: 15_000 });
  // Blocked before they ever write (nothing in the product blocks yet, so no cache to drop).
  blocked = t.fake.user(9_420_002, { firstName: "Diblokir" });
  await prisma.user.create({ data: { telegramId: BigInt(blocked.id), firstName: "Diblokir", blocked: true } });
  await blocked.sendText("/start");
  await blocked.waitForMessage(/dibatasi/, { timeoutMs: 15_000 });
  messageOf = new Map([attacker, blocked].map((u) => [u.id, t.fake.botMessages(u.id).at(-1)!.messageId]));
});
afterAll(async () => {
  await t?.stop();
});

const PREFIXES = [...CUSTOMER_SURFACE.callbacks, ...STAFF_ACTIONS.filter((a) => a.kind === "callback").map((a) => a.name)];

/** One fuzzed callback_data: never a valid action on something the attacker owns (they own nothing). */
function fuzzData(rng: Rng): string | undefined {
  const prefix = rng.pick(PREFIXES);
  const id = () => String(rng.pick(victim.ids));
  switch (rng.int(0, 7)) {
    case 0:
      return randomText(rng, rng.int(1, 64));
    case 1:
      return `${prefix}${"9".repeat(rng.int(65, 4000))}`;
    case 2:
      return `${prefix}${id()}`;
    case 3:
      return `${prefix}${id()}:${rng.pick(["reboot", "power_off", "reinstall", "reset_password", "1", "12", "-1", "__proto__"])}`;
    case 4:
      return `${prefix}${rng.pick(NASTY_NUMBERS)}${rng.chance(0.5) ? `:${rng.pick(NASTY_NUMBERS)}` : ""}`;
    case 5:
      return `${randomText(rng, rng.int(1, 8)).replace(/:/g, "")}:${id()}`;
    case 6:
      return rng.pick(["", ":", "::::", "rev", "prov:", "cat:prov:DIGITALOCEAN:-1", "menu:../../etc", "wal:top:" + "1".repeat(30)]);
    default:
      return undefined;
  }
}

/** Sent first in every run, whatever the seed: taps that once made handlers throw. */
const ALWAYS = ["ord:list:99999999999999999999", "pay:m:2147483648", `vps:view:${"9".repeat(60)}`, "renew:do:1:99999999999", "cat:img:1"];

function fuzzUpdate(rng: Rng, n: number): Omit<Update, "update_id"> {
  const user = n < ALWAYS.length || rng.chance(0.8) ? attacker : blocked;
  const data = n < ALWAYS.length ? ALWAYS[n] : fuzzData(rng);
  // The last fixed one comes from an inline-mode message (no chat to answer in).
  const inline = n === ALWAYS.length - 1 || (n >= ALWAYS.length && rng.chance(0.1));
  return {
    callback_query: {
      id: `fuzz-${n}`,
      from: { id: user.id, is_bot: false, first_name: user.id === attacker.id ? "Penyerang" : "Diblokir" },
      chat_instance: `ci-${user.id}`,
      ...(data === undefined ? { game_short_name: "nope" } : { data }),
      ...(inline
        ? { inline_message_id: randomText(rng, 10) }
        : { message: { message_id: messageOf.get(user.id)!, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: "private" as const, first_name: "x" }, text: "…" } }),
    },
  } as Omit<Update, "update_id">;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const healthy = async () => (await fetch(`${t.baseUrl}/health`)).status === 200;

describe("fuzzed callback_data", () => {
  it(`${UPDATES} forged button taps: no crash, no state change, no victim data shown, every tap answered, bounded logs`, async () => {
    const rng = seededRng("fuzz-bot");
    const before = await fingerprint(t.service.prisma, t.service.queues);
    const logBytes = logs.bytes();
    const sent: string[] = [];
    for (let n = 0; n < UPDATES; n++) {
      const update = fuzzUpdate(rng, n);
      t.fake.pushUpdate(update);
      sent.push(update.callback_query!.id);
      if (n % 50 === 49) {
        await until("the bot to take the updates", () => t.fake.pendingUpdates().length === 0);
        expect(await healthy(), `seed ${rng.seed}: /health after ${n + 1} updates`).toBe(true);
      }
    }
    const answered = () => new Set(t.fake.callbackAnswers().filter((a) => a.answered).map((a) => a.callbackQueryId));
    await until("every forged tap to be answered", () => sent.every((id) => answered().has(id))).catch((err: Error) => {
      throw new Error(`seed ${rng.seed}: ${err.message}; unanswered: ${sent.filter((id) => !answered().has(id)).join(", ")}`);
    });
    expect(await healthy()).toBe(true);

    expect(changedTables(before, await fingerprint(t.service.prisma, t.service.queues)), `seed ${rng.seed}`).toEqual([]);
    const shown = [attacker, blocked].flatMap((u) => t.fake.botMessages(u.id).map((m) => m.text ?? "")).concat(t.fake.callbackAnswers().map((a) => a.text ?? ""));
    for (const secret of [victim.order.orderReference, victim.vpsOrder.orderReference, victim.ipv4, victim.label]) {
      expect(shown.filter((s) => s.includes(secret)), `seed ${rng.seed}: ${secret} shown to an attacker`).toEqual([]);
    }
    const failed = logs.matching("update failed");
    expect(failed.map((l) => (l.err as { message?: string }).message), `seed ${rng.seed}: forged taps made handlers throw`).toEqual([]);
    expect(Math.max(0, ...logs.lines.map((l) => l.length)), "longest log line").toBeLessThan(4096);
    expect(logs.bytes() - logBytes, "log bytes for the run").toBeLessThan(UPDATES * 1024);
  });
});
