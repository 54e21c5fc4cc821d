/**
 * The bot's webhook inbox (bot/inbox.ts) with two "processes": two UpdateInbox instances, each on
 * its own Prisma pool, sharing one database, as two bot processes behind a load balancer do.
 */
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { UpdateInbox, pinChat, unpinChat, updateChatKey } from "../../bot/inbox.js";
import { handlingUpdate, RedisStorage, stateAlreadyWritten } from "../../bot/storage.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { acquireLease } from "../../shop/leases.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createMetrics } from "../../shop/platform/metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const logger = createLogger({ role: "test", level: "silent" });
let db: TestDatabase;
const pools: PrismaClient[] = [];
let nextId = 900_000_000;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.$disconnect()));
  await db?.drop();
});

function textUpdate(chatId: number, text: string): Update {
  nextId += 1;
  return {
    update_id: nextId,
    message: { message_id: nextId, date: 1_700_000_000, chat: { id: chatId, type: "private", first_name: "U" }, from: { id: chatId, is_bot: false, first_name: "U" }, text },
  } as Update;
}

/** A process's inbox whose "bot" records what it handled, taking `delayMs` per update. */
function processInbox(name: string, seen: { proc: string; chat: string; text: string; at: number }[], active: Map<string, number>, overlaps: string[], opts: { delayMs?: number; handle?: (u: Update) => Promise<void>; leaseTtlMs?: number; sweepEveryMs?: number } = {}) {
  const prisma = createPrisma(db.url, { max: 4 });
  pools.push(prisma);
  const handle =
    opts.handle ??
    (async (u: Update) => {
      const chat = updateChatKey(u);
      const n = (active.get(chat) ?? 0) + 1;
      active.set(chat, n);
      if (n > 1) overlaps.push(`${chat}:${u.update_id}`);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 5));
      seen.push({ proc: name, chat, text: u.message?.text ?? "", at: seen.length });
      active.set(chat, (active.get(chat) ?? 1) - 1);
    });
  const inbox = new UpdateInbox(prisma, handle, logger, createMetrics(), { holder: name, leaseTtlMs: opts.leaseTtlMs ?? 2_000, sweepEveryMs: opts.sweepEveryMs ?? 300 });
  return { inbox, prisma };
}

/**
 * Waits until none of these chats' rows is PENDING. A handler records what it saw just before the
 * inbox marks its row DONE, so a test reading the rows right after `seen` filled up may catch the
 * last one still PENDING (seen in a busy CI run).
 */
async function settled(chatKeys: string[]): Promise<void> {
  await expect.poll(() => db.prisma.telegramUpdate.count({ where: { chatKey: { in: chatKeys }, status: "PENDING" } }), { timeout: 20_000 }).toBe(0);
}

async function deliver(inbox: UpdateInbox, u: Update): Promise<boolean> {
  const { fresh, chatKey } = await inbox.receive(u);
  inbox.kick(chatKey);
  return fresh;
}

describe("the webhook inbox across two processes", () => {
  it("keeps each chat's updates one at a time and in update_id order, wherever they arrive, and handles a duplicate once", async () => {
    const seen: { proc: string; chat: string; text: string; at: number }[] = [];
    const active = new Map<string, number>();
    const overlaps: string[] = [];
    const a = processInbox("A", seen, active, overlaps, { delayMs: 15 });
    const b = processInbox("B", seen, active, overlaps, { delayMs: 15 });
    a.inbox.start();
    b.inbox.start();
    const chats = [610_001, 610_002, 610_003, 610_004, 610_005];
    const perChat = 12;
    const sent: Update[] = [];
    // Like Telegram: each chat's next update is sent once the previous one was answered (stored);
    // chats run concurrently; the load balancer alternates between the two processes.
    let turn = 0;
    await Promise.all(
      chats.map(async (chat) => {
        for (let i = 0; i < perChat; i += 1) {
          const u = textUpdate(chat, `m${i}`);
          sent.push(u);
          const target = turn++ % 2 === 0 ? a.inbox : b.inbox;
          expect(await deliver(target, u)).toBe(true);
          // A redelivery of every third update reaches the other process.
          if (i % 3 === 0) expect(await deliver(target === a.inbox ? b.inbox : a.inbox, u)).toBe(false);
        }
      }),
    );
    await expect.poll(() => seen.length, { timeout: 60_000, interval: 50 }).toBe(chats.length * perChat);
    expect(overlaps).toEqual([]);
    for (const chat of chats) {
      expect(seen.filter((s) => s.chat === String(chat)).map((s) => s.text)).toEqual(Array.from({ length: perChat }, (_, i) => `m${i}`));
    }
    // Both processes did some of the work, and the recorded order matches the handling order.
    expect(new Set(seen.map((s) => s.proc))).toEqual(new Set(["A", "B"]));
    await settled(chats.map(String));
    const rows = await db.prisma.telegramUpdate.findMany({ where: { updateId: { in: sent.map((u) => BigInt(u.update_id)) } }, orderBy: { updateId: "asc" } });
    expect(rows).toHaveLength(sent.length);
    expect(rows.every((r) => r.status === "DONE" && r.attempts === 1 && r.handledSeq !== null)).toBe(true);
    for (const chat of chats) {
      const seqs = rows.filter((r) => r.chatKey === String(chat)).map((r) => Number(r.handledSeq));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    await Promise.all([a.inbox.stop(), b.inbox.stop()]);
  });

  it("hands an update whose process died to another process once the chat's lease lapses, in order, and sets aside an update that killed every process", async () => {
    const chat = 620_001;
    const first = textUpdate(chat, "was being handled when its process died");
    const second = textUpdate(chat, "came next");
    // Process A stored both, took the chat's lease and started `first` (attempt 1), then died.
    await db.prisma.telegramUpdate.createMany({
      data: [
        { updateId: BigInt(first.update_id), chatKey: String(chat), payload: JSON.stringify(first), attempts: 1 },
        { updateId: BigInt(second.update_id), chatKey: String(chat), payload: JSON.stringify(second) },
      ],
    });
    expect(await acquireLease(db.prisma, `tg-chat:${chat}`, 1_500, "dead-process-A")).not.toBeNull();
    const poisonChat = 620_002;
    const poison = textUpdate(poisonChat, "crashes its process every time");
    const after = textUpdate(poisonChat, "must not wait forever behind it");
    await db.prisma.telegramUpdate.createMany({
      data: [
        { updateId: BigInt(poison.update_id), chatKey: String(poisonChat), payload: JSON.stringify(poison), attempts: 3 },
        { updateId: BigInt(after.update_id), chatKey: String(poisonChat), payload: JSON.stringify(after) },
      ],
    });

    const seen: { proc: string; chat: string; text: string; at: number }[] = [];
    const b = processInbox("B", seen, new Map(), []);
    b.inbox.start();
    await expect.poll(() => seen.length, { timeout: 30_000, interval: 50 }).toBe(3);
    expect(seen.filter((s) => s.chat === String(chat)).map((s) => s.text)).toEqual([first.message!.text, second.message!.text]);
    expect(seen.filter((s) => s.chat === String(poisonChat)).map((s) => s.text)).toEqual([after.message!.text]);
    await settled([String(chat), String(poisonChat)]);
    const rows = await db.prisma.telegramUpdate.findMany({ where: { chatKey: { in: [String(chat), String(poisonChat)] } }, orderBy: { updateId: "asc" } });
    expect(rows.map((r) => [r.status, r.attempts, r.handledBy])).toEqual([
      ["DONE", 2, "B"],
      ["DONE", 1, "B"],
      ["FAILED", 4, "B"],
      ["DONE", 1, "B"],
    ]);
    expect(rows[2]?.lastError).toMatch(/set aside after 3 starts/);
    await b.inbox.stop();
  });

  it("leaves an update it could not finish in the inbox and finishes it later", async () => {
    const chat = 630_001;
    let failNext = true;
    const handled: string[] = [];
    const c = processInbox("C", [], new Map(), [], {
      handle: async (u) => {
        if (failNext) {
          failNext = false;
          throw new Error("database connection lost");
        }
        handled.push(u.message?.text ?? "");
      },
    });
    c.inbox.start();
    const u1 = textUpdate(chat, "one");
    const u2 = textUpdate(chat, "two");
    await deliver(c.inbox, u1);
    await deliver(c.inbox, u2);
    await expect.poll(() => handled, { timeout: 30_000, interval: 50 }).toEqual(["one", "two"]);
    const row = await db.prisma.telegramUpdate.findUniqueOrThrow({ where: { updateId: BigInt(u1.update_id) } });
    expect(row).toMatchObject({ status: "DONE", attempts: 2 });
    await c.inbox.stop();
  });

  it("a chat pinned to one process (a restore holding the pasted key) is handled there, wherever its updates arrive; the pin lapses when that process is gone", async () => {
    const seen: { proc: string; chat: string; text: string; at: number }[] = [];
    const a = processInbox("A", seen, new Map(), []);
    const b = processInbox("B", seen, new Map(), []);
    a.inbox.start();
    b.inbox.start();
    const chat = 640_001;
    expect(await pinChat(db.prisma, chat, "A")).toBe(true);
    for (const text of ["RESTORE step 1", "RESTORE step 2"]) await deliver(b.inbox, textUpdate(chat, text));
    await expect.poll(() => seen.length, { timeout: 30_000, interval: 50 }).toBe(2);
    expect(seen.map((s) => [s.proc, s.text])).toEqual([
      ["A", "RESTORE step 1"],
      ["A", "RESTORE step 2"],
    ]);
    await unpinChat(db.prisma, chat, "A");
    await a.inbox.stop();
    await deliver(b.inbox, textUpdate(chat, "after the restore"));
    await expect.poll(() => seen.length, { timeout: 30_000, interval: 50 }).toBe(3);
    expect(seen[2]).toMatchObject({ proc: "B" });

    // Pinned to a process that died: nobody renews the pin, it lapses, and B handles the chat.
    const orphan = 640_002;
    await acquireLease(db.prisma, `tg-pin:${orphan}`, 1_500, "dead-process");
    await deliver(b.inbox, textUpdate(orphan, "waits for the pin to lapse"));
    await expect.poll(() => seen.length, { timeout: 30_000, interval: 50 }).toBe(4);
    expect(seen[3]).toMatchObject({ proc: "B", chat: String(orphan) });
    await b.inbox.stop();
  });

  it("an update kicked while the chat's drain is past its last look is drained at once, not left for the sweeper", async () => {
    const prisma = createPrisma(db.url, { max: 4 });
    pools.push(prisma);
    const handled: string[] = [];
    const chat = 650_001;
    const second = textUpdate(chat, "sent right after the first was answered");
    const ref: { inbox?: UpdateInbox } = {};
    let injected = false;
    // Right after the drain's final look for rows found none, the next update of the chat is stored
    // and kicked, as Telegram's next webhook request does the moment the previous one was answered.
    const wrapped = new Proxy(prisma, {
      get(target, prop, receiver) {
        if (prop === "$queryRaw") {
          return async (strings: TemplateStringsArray, ...values: unknown[]) => {
            const result = await (target.$queryRaw as (s: TemplateStringsArray, ...v: unknown[]) => Promise<unknown>)(strings, ...values);
            if (!injected && strings.join("?").includes("SELECT EXISTS")) {
              injected = true;
              await deliver(ref.inbox!, second);
            }
            return result;
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as PrismaClient;
    // No sweeper to rescue it within the test's bound.
    const inbox = new UpdateInbox(wrapped, async (u) => void handled.push(u.message?.text ?? ""), logger, createMetrics(), { holder: "A", sweepEveryMs: 600_000 });
    ref.inbox = inbox;
    inbox.start();
    await deliver(inbox, textUpdate(chat, "first"));
    await expect.poll(() => handled, { timeout: 15_000, interval: 50 }).toEqual(["first", "sent right after the first was answered"]);
    expect(injected).toBe(true);
    await inbox.stop();
  });

  it("an update whose earlier start already moved the chat's stored state on is not applied twice; one that stopped before is handled again", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = `${uniquePrefix("inbox-stamp")}:conv:`;
    const storage = new RedisStorage<{ step: number }>(redis, prefix, 60);
    const applied: string[] = [];
    // Which update's first start "dies", and where (each only once).
    const crash = new Map<string, "after-write" | "before-write">([
      ["SALAH1", "after-write"],
      ["first", "before-write"],
    ]);
    const prisma = createPrisma(db.url, { max: 4 });
    pools.push(prisma);
    // A conversation step: read the state, reply, write the next state; "dies" where the test says.
    const inbox = new UpdateInbox(
      prisma,
      async (u) => {
        const key = updateChatKey(u);
        const text = u.message?.text ?? "";
        const dies = crash.get(text);
        crash.delete(text);
        const state = (await storage.read(key)) ?? { step: 0 };
        if (dies === "before-write") throw new Error("process died before the state was written");
        applied.push(`${text} at step ${state.step}`);
        await storage.write(key, { step: state.step + 1 });
        if (dies === "after-write") throw new Error("process died after the state was written");
      },
      logger,
      createMetrics(),
      { holder: "S", sweepEveryMs: 200, stateWritten: (chatKey, updateId) => stateAlreadyWritten(redis, [prefix], chatKey, updateId) },
    );
    inbox.start();
    const chat = 660_001;
    await deliver(inbox, textUpdate(chat, "SALAH1"));
    await deliver(inbox, textUpdate(chat, "SALAH2"));
    await expect.poll(() => applied, { timeout: 20_000, interval: 50 }).toEqual(["SALAH1 at step 0", "SALAH2 at step 1"]);
    const chat2 = 660_002;
    await deliver(inbox, textUpdate(chat2, "first"));
    await expect.poll(() => applied.filter((a) => a.startsWith("first")), { timeout: 20_000, interval: 50 }).toEqual(["first at step 0"]);
    await settled([String(chat), String(chat2)]);
    const rows = await db.prisma.telegramUpdate.findMany({ where: { chatKey: { in: [String(chat), String(chat2)] } }, orderBy: { updateId: "asc" } });
    expect(rows.map((r) => [r.status, r.attempts, r.lastError?.slice(0, 22) ?? null])).toEqual([
      ["DONE", 2, "an earlier start wrote"],
      ["DONE", 1, null],
      ["DONE", 2, null],
    ]);
    await inbox.stop();
    await deleteKeys(prefix.replace(/:conv:$/, ""));
    redis.disconnect();
  });

  it("a process that stalled past the chat's lease cannot put an older state back, and stops before its next update", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = `${uniquePrefix("inbox-fence")}:conv:`;
    const chat = 670_001;
    const key = String(chat);
    /** What each start did: update text, process, the lease token it ran under, the step it read. */
    const starts: { text: string; updateId: number; proc: string; fence: number; read: number }[] = [];
    const fenced: string[] = [];
    let atGate: () => void = () => undefined;
    const reachedGate = new Promise<void>((r) => (atGate = r));
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((r) => (openGate = r));
    // Process A's clock: moved forward by the test to stand for A being stopped for a minute.
    let aClockShift = 0;
    const processWith = (proc: "A" | "B") => {
      const storage = new RedisStorage<{ step: number }>(redis, prefix, 60, (_k, updateId) => fenced.push(`${proc}:${updateId}`));
      const prisma = createPrisma(db.url, { max: 4 });
      pools.push(prisma);
      return new UpdateInbox(
        prisma,
        async (u) => {
          const text = u.message?.text ?? "";
          const state = (await storage.read(key)) ?? { step: 0 };
          starts.push({ text, updateId: u.update_id, proc, fence: handlingUpdate.getStore()!.fence, read: state.step });
          if (proc === "A" && text === "slow" && starts.filter((s) => s.text === "slow").length === 1) {
            atGate();
            await gate;
          }
          await storage.write(key, { step: state.step + 1 });
        },
        logger,
        createMetrics(),
        // A's renewal timer would not fire within the test (60 s lease): as if A were stopped, not
        // merely slow. B takes the lease over once the test lets it lapse.
        proc === "A"
          ? { holder: "A", leaseTtlMs: 60_000, sweepEveryMs: 200, clock: () => performance.now() + aClockShift }
          : { holder: "B", leaseTtlMs: 60_000, sweepEveryMs: 200 },
      );
    };
    const a = processWith("A");
    const b = processWith("B");
    a.start();
    const state = async () => JSON.parse((await redis.get(prefix + key)) ?? "null") as { step: number } | null;
    try {
      await deliver(a, textUpdate(chat, "first"));
      await expect.poll(state, { timeout: 20_000 }).toEqual({ step: 1 });
      await deliver(a, textUpdate(chat, "slow"));
      await reachedGate;
      // A stalls holding the chat's lease; its lease lapses; B's sweeper takes the chat over and
      // handles "slow" again (A never wrote its state), to step 2.
      await db.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE key = ${`tg-chat:${key}`}`;
      b.start();
      await expect.poll(state, { timeout: 20_000 }).toEqual({ step: 2 });
      // The chat goes on at B meanwhile: step 3.
      await deliver(b, textUpdate(chat, "more"));
      await expect.poll(state, { timeout: 20_000 }).toEqual({ step: 3 });
      await settled([key]);
      await b.stop();
      // The customer's next message arrives while A is still stalled; then A wakes up, a minute later on its clock.
      const third = textUpdate(chat, "third");
      await a.receive(third);
      aClockShift = 60_000;
      openGate();
      // A's late write (step 2 from the step 1 it read) is refused: B's step 3 stays. A then asks
      // for its lease before "third", finds it gone, and handles "third" only under a new lease.
      await expect.poll(state, { timeout: 20_000 }).toEqual({ step: 4 });
      const slowA = starts.find((s) => s.text === "slow" && s.proc === "A")!;
      const slowB = starts.find((s) => s.text === "slow" && s.proc === "B")!;
      const third3 = starts.find((s) => s.text === "third")!;
      expect(fenced).toEqual([`A:${slowA.updateId}`]);
      expect(slowB.fence).toBeGreaterThan(slowA.fence);
      expect(third3).toMatchObject({ proc: "A", read: 3 });
      expect(third3.fence).toBeGreaterThan(slowB.fence);
      expect(starts.map((s) => `${s.text}:${s.proc}:${s.read}`)).toEqual(["first:A:0", "slow:A:1", "slow:B:1", "more:B:2", "third:A:3"]);
    } finally {
      openGate();
      await a.stop();
      await b.stop();
      await deleteKeys(prefix.replace(/:conv:$/, ""));
      redis.disconnect();
    }
  });

  it("orders by chat, else by user, else not at all", () => {
    expect(updateChatKey({ update_id: 1, callback_query: { id: "q", from: { id: 7, is_bot: false, first_name: "x" }, chat_instance: "c", message: { message_id: 1, date: 0, chat: { id: -100, type: "group", title: "g" } } } } as Update)).toBe("-100");
    expect(updateChatKey({ update_id: 2, callback_query: { id: "q", from: { id: 7, is_bot: false, first_name: "x" }, chat_instance: "c", inline_message_id: "i" } } as Update)).toBe("u7");
    expect(updateChatKey({ update_id: 3, poll: { id: "p" } } as unknown as Update)).toBe("x3");
  });
});
