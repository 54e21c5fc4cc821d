/**
 * The pending queue end to end through the bot (real Postgres, Redis, queues and the real
 * notifications worker; a recording wire instead of Telegram): a customer's transfer screenshot
 * reaches every reviewer as a card and shows in /pending for two sellers; one approves; every
 * copy of the card (pushes and cards opened from /pending) is edited to say who approved; the
 * order is PAID once; a second tap is told who handled it; a seller removed from SELLER_IDS
 * (the bot restarted with the new config) taps an old Approve button and is refused. Then the
 * two-person rule, and overdue reminders that a Redis wipe does not repeat.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import { notificationsProcessor } from "../../jobs/processors/notifications.processor.js";
import { runPendingReminders } from "../../jobs/processors/pending-reminders.js";
import { QueueName } from "../../jobs/queues.js";
import { createRedis } from "../../jobs/redis.js";
import { closeWorkers, registerWorkers } from "../../jobs/workers.js";
import { createCore, scheduleTable } from "../../ops/runtime.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { buttonsOf, recordingFetch, TEST_BOT_INFO, textsSince, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { failedVpsOrder, openTransfer, paymentUnderReview, userRow } from "../support/factories.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { testEnv } from "../support/service.js";

const OWNER: TestUser = { id: 9_500_001, first_name: "Pemilik" };
const RINA: TestUser = { id: 9_500_002, first_name: "Rina" };
const BUDI: TestUser = { id: 9_500_003, first_name: "Budi" };
const CUSTOMER: TestUser = { id: 9_500_010, first_name: "Pembeli" };

let db: TestDatabase;
let files: Server;
let apiRoot: string;
const prefix = uniquePrefix("pending");
const running: Array<{ close(): Promise<void> }> = [];

async function serveScreenshot(): Promise<void> {
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#3366aa" } }).jpeg().toBuffer();
  files = createServer((_req, res) => res.writeHead(200, { "content-type": "image/jpeg", "content-length": jpeg.length }).end(jpeg));
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  apiRoot = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
}

/** One "deploy": core, bot and a notifications worker over the shared database and Redis prefix (the previous one stopped). */
async function boot(sellerIds: number[], env: Record<string, string> = {}) {
  for (const earlier of running.splice(0)) await earlier.close();
  const config = loadConfig(testEnv(db, prefix, 3000, apiRoot, { SELLER_IDS: sellerIds.join(","), OWNER_IDS: String(OWNER.id), BOT_RATE_LIMIT_PER_10S: "100000", ...env }));
  const logger = createLogger({ role: "test", level: config.logLevel });
  const core = createCore(config, logger);
  const recorder = recordingFetch();
  const wire: typeof fetch = async (input, init) => {
    if (String(input).endsWith("/getFile")) return Response.json({ ok: true, result: { file_id: "f1", file_unique_id: "u1", file_size: 2048, file_path: "photos/proof.jpg" } });
    return recorder.fetch(input, init);
  };
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch: wire });
  const workerRedis = createRedis(config.redisUrl, "worker");
  const process = notificationsProcessor({
    api: bot.api,
    i18n: core.i18n,
    prisma: core.prisma,
    shopName: "Toko",
    encryptionKey: config.encryptionKey,
    queues: core.queues,
    credentialsTtlMs: 60_000,
    secondStaffAboveIdr: config.pending.secondStaffAboveIdr,
    logger,
  });
  const workers: Worker[] = registerWorkers({ connection: workerRedis, prefix, processors: { [QueueName.Notifications]: { process } }, logger, metrics: core.metrics, queues: core.queues });
  const instance = {
    bot,
    core,
    config,
    calls: recorder.calls,
    async close() {
      await closeWorkers(workers);
      await core.queues.close();
      workerRedis.disconnect();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
    },
  };
  running.push(instance);
  return instance;
}
type Instance = Awaited<ReturnType<typeof boot>>;

async function tap(app: Instance, user: TestUser, data: string, messageId = 1): Promise<RecordedCall[]> {
  const from = app.calls.length;
  await app.bot.handleUpdate(updates.callback(user, data, messageId));
  return app.calls.slice(from);
}

async function say(app: Instance, user: TestUser, text: string): Promise<RecordedCall[]> {
  const from = app.calls.length;
  await app.bot.handleUpdate(updates.text(user, text));
  return app.calls.slice(from);
}

async function sendScreenshot(app: Instance) {
  await app.bot.handleUpdate({
    update_id: Math.floor(Math.random() * 1e9),
    message: {
      message_id: 77,
      date: Math.floor(Date.now() / 1000),
      chat: { id: CUSTOMER.id, type: "private", first_name: CUSTOMER.first_name },
      from: { is_bot: false, ...CUSTOMER },
      photo: [{ file_id: "f1", file_unique_id: "u1", width: 320, height: 240, file_size: 2048 }],
    },
  });
}

/** Waits for a state (the worker runs in the background), never for a fixed time. */
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answerOf = (calls: RecordedCall[]) => calls.find((c) => c.method === "answerCallbackQuery")?.payload.text as string | undefined;
const copiesOf = (key: string) => db.prisma.staffCardCopy.findMany({ where: { cardKey: key }, orderBy: { id: "asc" } });
const customerId = async () => (await userRow(db.prisma, CUSTOMER.id, CUSTOMER.first_name)).id;
let uniqueCode = 500;
const newTransfer = async (amountIdr = 60_000) => openTransfer(db.prisma, await customerId(), { amountIdr, uniqueCodeIdr: ++uniqueCode });

/** The customer's screenshot for an open transfer, through the bot; returns its proof id. */
async function proofFor(app: Instance, paymentId: number): Promise<number> {
  await sendScreenshot(app);
  const proof = await until("the screenshot stored", () => db.prisma.transferProof.findFirst({ where: { paymentId, status: "PENDING" } }), (p) => p !== null);
  return proof!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await serveScreenshot();
});
afterAll(async () => {
  for (const app of running) await app.close().catch(() => undefined);
  await new Promise((resolve) => files?.close(resolve));
  await deleteKeys(prefix);
  await db?.drop();
});

describe("a transfer screenshot in the pending queue", () => {
  it("reaches two sellers, one approves, every copy says who, PAID once, the second tap is told, a removed seller is refused", async () => {
    const app = await boot([RINA.id, BUDI.id]);
    for (const u of [OWNER, RINA, BUDI, CUSTOMER]) await say(app, u, "/start");
    const payment = await newTransfer();
    const proofId = await proofFor(app, payment.id);
    const key = `proof:${proofId}`;
    // The push reached every reviewer, each message recorded as a copy of the card.
    const pushed = await until("three pushed copies", () => copiesOf(key), (c) => c.length === 3);
    expect(pushed.map((c) => Number(c.chatId)).sort()).toEqual([OWNER.id, RINA.id, BUDI.id].sort());

    // Both sellers see it in /pending, oldest first with its age, and open its card.
    const cardMessage: Record<number, number> = {};
    for (const seller of [RINA, BUDI]) {
      const list = await say(app, seller, "/pending");
      const text = textsSince(list).join("\n");
      expect(text).toContain(payment.order.reference);
      expect(text).toMatch(/Antrean tindakan staf: 1 menunggu/);
      expect(text).toMatch(/\d+ mnt/);
      const open = buttonsOf(list.find((c) => c.method === "sendMessage")).find((b) => b.data === `pq:pf:${proofId}`);
      expect(open).toBeDefined();
      const opened = await tap(app, seller, open!.data!);
      const card = opened.find((c) => c.method === "sendMessage")!;
      expect(String(card.payload.text)).toContain(payment.order.reference);
      expect(buttonsOf(card).map((b) => b.data)).toEqual([`rev:view:${proofId}`, `rev:ok:${payment.id}`, `rev:no:${payment.id}`]);
      cardMessage[seller.id] = (await copiesOf(key)).at(-1)!.messageId;
    }
    expect(await copiesOf(key)).toHaveLength(5);

    // Rina approves (confirmation, then the decision).
    expect(textsSince(await tap(app, RINA, `rev:ok:${payment.id}`)).join("\n")).toContain("Yakin setujui");
    const decided = await tap(app, RINA, `rev:ok2:${payment.id}`, 4242);
    expect(textsSince(decided).join("\n")).toContain("Disetujui oleh Rina");
    expect(await db.prisma.order.findUniqueOrThrow({ where: { id: payment.orderId } })).toMatchObject({ status: "PAID" });

    // Every copy, Budi's card from /pending included, is edited to say who approved, without buttons.
    await until("every copy edited", () => copiesOf(key), (c) => c.every((copy) => copy.shownVersion >= 1));
    const budiEdit = app.calls.find((c) => c.method === "editMessageText" && c.payload.chat_id === BUDI.id && c.payload.message_id === cardMessage[BUDI.id]);
    expect(String(budiEdit?.payload.text)).toMatch(/✅ Disetujui oleh Rina \d\d:\d\d/);
    expect(buttonsOf(budiEdit)).toEqual([]);
    const editedChats = app.calls.filter((c) => c.method === "editMessageText" && String(c.payload.text).includes("Disetujui oleh Rina")).map((c) => c.payload.chat_id);
    expect(new Set(editedChats)).toEqual(new Set([OWNER.id, RINA.id, BUDI.id]));

    // Budi taps his (stale) buttons: told who handled it, nothing changes.
    expect(answerOf(await tap(app, BUDI, `rev:ok:${payment.id}`))).toMatch(/^Sudah ditangani oleh Rina \d\d:\d\d\.$/);
    expect(textsSince(await tap(app, BUDI, `rev:ok2:${payment.id}`)).join("\n")).toMatch(/Sudah ditangani oleh Rina/);
    expect(answerOf(await tap(app, BUDI, `rev:no:${payment.id}`))).toMatch(/Sudah ditangani oleh Rina/);
    const paid = await db.prisma.orderStatusHistory.count({ where: { orderId: payment.orderId, toStatus: "PAID" } });
    expect(paid).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: "payment.approve", targetId: String(payment.id) } })).toBe(1);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PAID" });
    // The queue is empty again.
    expect(textsSince(await say(app, BUDI, "/pending")).join("\n")).toContain("Tidak ada yang menunggu");

    // Another screenshot, pushed to Budi too; then Budi is removed from SELLER_IDS and the bot restarts.
    const second = await newTransfer(61_000);
    const secondProof = await proofFor(app, second.id);
    await until("the second push", () => copiesOf(`proof:${secondProof}`), (c) => c.length === 3);

    const after = await boot([RINA.id]);
    for (const data of [`rev:ok:${second.id}`, `rev:ok2:${second.id}`]) expect(answerOf(await tap(after, BUDI, data)), data).toBe("Hanya penjual yang bisa melakukan ini.");
    expect(answerOf(await tap(after, BUDI, `pq:pf:${secondProof}`))).toBe("Tombol ini sudah tidak berlaku. Berikut tampilan terbaru.");
    expect(textsSince(await say(after, BUDI, "/pending"))).toEqual(["Maaf, saya tidak mengerti. Ketik /start untuk membuka menu."]);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "PENDING" });
    expect(await db.prisma.transferProof.findUniqueOrThrow({ where: { id: secondProof } })).toMatchObject({ status: "PENDING" });
    // Rina, still listed, settles it.
    await tap(after, RINA, `rev:ok2:${second.id}`);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "PAID" });
  });
});

describe("a failed provisioning in the pending queue", () => {
  it("opened by two sellers, retried by one: both cards say who, the other's retry is told who handled it", async () => {
    const app = await boot([RINA.id, BUDI.id]);
    const order = await failedVpsOrder(db.prisma, await customerId());
    const failure = await db.prisma.orderStatusHistory.create({ data: { orderId: order.id, fromStatus: "PROVISIONING", toStatus: "PROVISIONING_FAILED", actorType: "SYSTEM", reason: "test" } });
    const key = `prov:${order.id}:${failure.id}`;
    for (const seller of [RINA, BUDI]) {
      const list = await say(app, seller, "/pending");
      expect(textsSince(list).join("\n")).toContain(order.reference);
      const card = (await tap(app, seller, `pq:pv:${order.id}`)).find((c) => c.method === "sendMessage")!;
      expect(String(card.payload.text)).toContain("Provisioning gagal");
      expect(buttonsOf(card).map((b) => b.data)).toEqual([`prov:retry:${order.id}`, `prov:refund:${order.id}`]);
    }
    expect(await copiesOf(key)).toHaveLength(2);

    expect(textsSince(await tap(app, RINA, `prov:retry:${order.id}`)).join("\n")).toContain("dijalankan lagi");
    await until("both cards edited", () => copiesOf(key), (c) => c.every((copy) => copy.shownVersion >= 1));
    const budiCopy = (await copiesOf(key)).find((c) => Number(c.chatId) === BUDI.id)!;
    const edit = app.calls.findLast((c) => c.method === "editMessageText" && c.payload.chat_id === BUDI.id && c.payload.message_id === budiCopy.messageId);
    expect(String(edit?.payload.text)).toMatch(/🔁 Dicoba lagi oleh Rina \d\d:\d\d/);
    expect(textsSince(await tap(app, BUDI, `prov:retry:${order.id}`))).toEqual([expect.stringMatching(/^Sudah ditangani oleh Rina \d\d:\d\d\.$/)]);
    expect(await db.prisma.auditLog.count({ where: { action: "provisioning.retry", targetId: String(order.id) } })).toBe(1);
  });
});

describe("the two-person rule", () => {
  it("above the threshold: the first approval is 1/2 on every copy, the same member cannot be the second, another member settles it", async () => {
    const app = await boot([RINA.id, BUDI.id], { APPROVAL_SECOND_STAFF_ABOVE_IDR: "50000" });
    const payment = await newTransfer(70_000);
    const proofId = await proofFor(app, payment.id);
    const key = `proof:${proofId}`;
    await until("pushed copies", () => copiesOf(key), (c) => c.length === 3);

    const first = await tap(app, RINA, `rev:ok2:${payment.id}`);
    expect(textsSince(first).join("\n")).toContain("(1/2)");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PENDING" });
    await until("copies show 1/2", () => copiesOf(key), (c) => c.every((copy) => copy.shownVersion >= 1));
    const budiCopy = (await copiesOf(key)).find((c) => Number(c.chatId) === BUDI.id)!;
    const edit = app.calls.findLast((c) => c.method === "editMessageText" && c.payload.chat_id === BUDI.id && c.payload.message_id === budiCopy.messageId);
    expect(String(edit?.payload.text)).toMatch(/Disetujui 1\/2 oleh Rina \d\d:\d\d/);
    // Still open: the buttons stay for the second member.
    expect(buttonsOf(edit).map((b) => b.data)).toContain(`rev:ok:${payment.id}`);

    expect(answerOf(await tap(app, RINA, `rev:ok2:${payment.id}`))).toBe("Anda sudah memberi persetujuan pertama. Persetujuan kedua harus dari staf lain.");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PENDING" });

    await tap(app, BUDI, `rev:ok2:${payment.id}`);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PAID" });
    const audits = await db.prisma.auditLog.findMany({ where: { targetType: "payment", targetId: String(payment.id) }, orderBy: { id: "asc" } });
    const rina = await userRow(db.prisma, RINA.id);
    const budi = await userRow(db.prisma, BUDI.id);
    expect(audits.map((a) => [a.action, a.actorUserId])).toEqual([
      ["payment.approve.first", rina.id],
      ["payment.approve", budi.id],
    ]);
    await until("copies show the approval", () => copiesOf(key), (c) => c.every((copy) => copy.shownVersion >= 2));
    const final = app.calls.findLast((c) => c.method === "editMessageText" && c.payload.chat_id === RINA.id);
    expect(String(final?.payload.text)).toMatch(/Disetujui oleh Budi/);

    // At or below the threshold one approval is enough.
    const small = await newTransfer(40_000);
    await proofFor(app, small.id);
    await tap(app, RINA, `rev:ok2:${small.id}`);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: small.id } })).toMatchObject({ status: "PAID" });
  });
});

describe("the orders console's mark-paid", () => {
  it("above the threshold takes two members too: the first is 1/2, the same member cannot be the second, another member settles it", async () => {
    const app = await boot([BUDI.id], { APPROVAL_SECOND_STAFF_ABOVE_IDR: "50000", OWNER_IDS: `${OWNER.id},${RINA.id}` });
    const order = await db.prisma.order.create({
      data: { reference: newOrderReference(), userId: await customerId(), kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", basePriceIdr: 90_000, totalIdr: 90_000, snapshot: {} },
    });
    const payment = await db.prisma.payment.create({
      data: { orderId: order.id, gateway: "TRIPAY", method: "QRIS", attemptRef: `TP-${order.reference}`, amountIdr: 90_000, totalIdr: 90_000, status: "PENDING" },
    });
    const markPaid = async (user: TestUser, reason: string) => {
      await tap(app, user, `oc:mp:${payment.id}`);
      return textsSince(await say(app, user, reason)).join("\n");
    };
    expect(await markPaid(OWNER, "dicek di dasbor Tripay")).toContain("(1/2)");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PENDING" });
    expect(await markPaid(OWNER, "sekali lagi")).toContain("Persetujuan kedua harus dari staf lain");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PENDING" });
    await markPaid(RINA, "saya cek juga, uang masuk");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "PAID" });
    const owner = await userRow(db.prisma, OWNER.id);
    const rina = await userRow(db.prisma, RINA.id);
    const audits = await db.prisma.auditLog.findMany({ where: { targetType: "payment", targetId: String(payment.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => [a.action, a.actorUserId])).toEqual([
      ["payment.mark-paid.first", owner.id],
      ["payment.mark_paid", rina.id],
    ]);
  });
});

describe("overdue reminders", () => {
  it("remind the staff on duty once per item and interval, recorded in Postgres: a Redis wipe does not repeat them", async () => {
    const app = await boot([RINA.id]);
    const review = await paymentUnderReview(db.prisma, await customerId(), { amountIdr: 80_000 });
    await db.prisma.$executeRaw`UPDATE payments SET updated_at = now() - interval '2 hours' WHERE id = ${review.id}`;
    const settings = { remindAfterMs: 30 * 60_000, remindEveryMs: 60 * 60_000, staff: app.config };
    const deps = { prisma: db.prisma, queues: app.core.queues, i18n: app.core.i18n, ...settings };
    const reminders = () => db.prisma.jobOutbox.findMany({ where: { jobId: { startsWith: "pend-remind-" } }, orderBy: { id: "asc" } });

    const first = await runPendingReminders(deps, "2026-12-03T10:00");
    expect(first.reminded).toContain(`review:${review.id}`);
    const sent = await reminders();
    expect(sent.map((r) => (r.payload as { chatId: number }).chatId).sort()).toEqual([OWNER.id, RINA.id].sort());
    await until("the reminder delivered", async () => app.calls.filter((c) => c.method === "sendMessage" && String(c.payload.text).includes(review.order.reference) && String(c.payload.text).includes("menunggu lebih dari 30 menit")), (c) => c.length === 2);

    // The next tick, and a tick after Redis lost everything: nothing again within the interval.
    expect((await runPendingReminders(deps, "2026-12-03T10:05")).reminded).toEqual([]);
    await deleteKeys(prefix);
    expect((await runPendingReminders(deps, "2026-12-03T10:10")).reminded).toEqual([]);
    expect(await reminders()).toHaveLength(2);

    // An interval later it is due again (once).
    await db.prisma.$executeRaw`UPDATE payments SET updated_at = updated_at - interval '61 minutes' WHERE id = ${review.id}`;
    expect((await runPendingReminders(deps, "2026-12-03T11:05")).reminded).toEqual([`review:${review.id}`]);
    expect(await reminders()).toHaveLength(4);
    // The scheduler carries the pass.
    expect(scheduleTable(app.core.queues).map((e) => e.name)).toContain("pending-reminders");
  });
});
