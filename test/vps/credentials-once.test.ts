/**
 * The root password and the invoice reach the customer once (jobs/processors/notifications.processor.ts):
 * the credentials message is protected (no forwarding or saving), its sent message id is recorded
 * right after the send, so a retry after a failed delete-job enqueue or a duplicate follow-up days
 * later sends nothing again; an order's invoice likewise. The Bot API is a recording fetch.
 */
import { Api } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { createI18n, LocaleCache } from "../../bot/i18n.js";
import { notificationsProcessor } from "../../jobs/processors/notifications.processor.js";
import type { Queues } from "../../jobs/queues.js";
import { ready, seal } from "../../shop/crypto/secretbox.js";
import { recordingFetch, type RecordedCall } from "../support/bot-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_TOKEN } from "../support/service.js";
import { DAY, encryptionKey, newPaidOrder, NOW } from "../provisioning/fixtures.js";

const TTL_MS = 30 * 60_000;
let db: TestDatabase;
let prisma: PrismaClient;
let calls: RecordedCall[];
let enqueued: Array<{ payload: Record<string, unknown>; jobId?: string; delay?: number }>;
let failEnqueues = 0;
let process: ReturnType<typeof notificationsProcessor>;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma, NOW);
  await ready();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(() => {
  const recorder = recordingFetch();
  calls = recorder.calls;
  enqueued = [];
  failEnqueues = 0;
  const queues = {
    enqueue: async (_queue: string, payload: Record<string, unknown>, opts: { jobId?: string; delay?: number } = {}) => {
      if (failEnqueues > 0) {
        failEnqueues -= 1;
        throw new Error("Redis connection lost");
      }
      enqueued.push({ payload, jobId: opts.jobId, delay: opts.delay });
    },
  } as unknown as Queues;
  process = notificationsProcessor({
    api: new Api(TEST_TOKEN, { fetch: recorder.fetch }),
    i18n: createI18n(new LocaleCache()),
    prisma,
    shopName: "Toko Uji",
    encryptionKey,
    queues,
    credentialsTtlMs: TTL_MS,
  });
});

/** A paid order with an ACTIVE instance whose sealed root password is `password`. */
async function vpsWithPassword(password: string) {
  const order = await newPaidOrder(prisma, { provider: "LINODE" });
  const user = await prisma.user.findUniqueOrThrow({ where: { id: order.userId } });
  const instance = await prisma.instance.create({
    data: {
      orderId: order.id,
      userId: order.userId,
      providerCode: "LINODE",
      providerInstanceId: String(order.id + 70_000),
      label: `vps-${order.id}`,
      region: "ap-south",
      planId: order.planId,
      planCode: order.planCode!,
      imageCode: order.imageCode!,
      ipv4: "203.0.113.9",
      status: "ACTIVE",
      rootPasswordEnc: Buffer.from(seal(encryptionKey, new TextEncoder().encode(password))),
      expiresAt: new Date(NOW.getTime() + 30 * DAY),
    },
  });
  return { order, instance, chatId: Number(user.telegramId) };
}

const sends = (method: string) => calls.filter((c) => c.method === method);

describe("credentials message", () => {
  it("is protected, and a failed delete-job enqueue after the send does not send it again on the retry", async () => {
    const { instance, chatId } = await vpsWithPassword("Ketupat-Lebaran-2026x");
    const job = { chatId, key: "vps-ready", params: {}, credentials: { instanceId: instance.id } };
    failEnqueues = 1;
    await expect(process(job)).rejects.toThrow(/Redis connection lost/);
    expect(sends("sendMessage")).toHaveLength(1);
    expect(sends("sendMessage")[0]!.payload).toMatchObject({ chat_id: chatId, protect_content: true, parse_mode: "HTML" });
    expect(String(sends("sendMessage")[0]!.payload.text)).toContain("Ketupat-Lebaran-2026x");
    const marked = await prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
    expect(marked.credentialsMessageId).toEqual(expect.any(Number));

    // The job's retry: nothing sent, only the self-delete scheduled.
    expect(await process(job)).toEqual({ messageId: marked.credentialsMessageId, alreadySent: true });
    expect(sends("sendMessage")).toHaveLength(1);
    expect(enqueued).toEqual([{ payload: { chatId, deleteMessageId: marked.credentialsMessageId }, jobId: `delete-${chatId}-${marked.credentialsMessageId}`, delay: expect.any(Number) }]);
    expect(enqueued[0]!.delay).toBeGreaterThan(TTL_MS - 60_000); // what is left of the TTL
    expect(enqueued[0]!.delay).toBeLessThanOrEqual(TTL_MS);
  });

  it("a staff copy (orders console resend) retried after its send sends nothing again and still deletes itself", async () => {
    const { order, instance, chatId } = await vpsWithPassword("Soto-Betawi-2026c");
    await process({ chatId, key: "vps-ready", params: {}, credentials: { instanceId: instance.id } });
    const resend = await prisma.auditLog.create({ data: { actorType: "OWNER", action: "order.resend_credentials", targetType: "order", targetId: String(order.id), details: {} } });
    const copy = { chatId, key: "vps-ready", params: {}, credentials: { instanceId: instance.id, copy: true as const, copyId: resend.id } };
    calls.length = 0;
    enqueued.length = 0;
    failEnqueues = 1;
    await expect(process(copy)).rejects.toThrow(/Redis connection lost/);
    expect(sends("sendMessage")).toHaveLength(1);
    // The retry: nothing sent again, the copy's self-delete scheduled.
    const retried = (await process(copy)) as { messageId: number; alreadySent?: boolean };
    expect(retried.alreadySent).toBe(true);
    const copyMessageId = retried.messageId;
    expect(copyMessageId).not.toBe((await prisma.instance.findUniqueOrThrow({ where: { id: instance.id } })).credentialsMessageId);
    expect(sends("sendMessage")).toHaveLength(1);
    expect(enqueued).toEqual([{ payload: { chatId, deleteMessageId: copyMessageId }, jobId: `delete-${chatId}-${copyMessageId}`, delay: expect.any(Number) }]);
    expect(enqueued[0]!.delay).toBeGreaterThan(TTL_MS - 60_000);
  });

  it("a duplicate days later (another job id, e.g. a late duplicate follow-up) sends nothing", async () => {
    const { instance, chatId } = await vpsWithPassword("Rendang-Padang-2026y");
    const first = await process({ chatId, key: "vps-ready", params: {}, credentials: { instanceId: instance.id } });
    await prisma.instance.update({ where: { id: instance.id }, data: { credentialsSentAt: new Date(Date.now() - 3 * DAY) } });
    enqueued.length = 0;
    expect(await process({ chatId, key: "vps-ready", params: {}, credentials: { instanceId: instance.id } })).toEqual({ messageId: first.messageId, alreadySent: true });
    expect(sends("sendMessage")).toHaveLength(1);
    expect(enqueued.map((e) => e.delay)).toEqual([0]); // long past its TTL: delete now (a no-op if gone)
  });
});

describe("invoice", () => {
  it("the paid notice with the invoice PDF is sent once per order, however many follow-ups ask", async () => {
    const { order, chatId } = await vpsWithPassword("Sate-Madura-2026z");
    await prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", attemptRef: `T-${order.reference}`, amountIdr: order.totalIdr, totalIdr: order.totalIdr, status: "PAID", paidAt: NOW } });
    const job = { chatId, key: "notify-payment-received", params: { reference: order.reference, total: "Rp 1", next: "t:notify-next-provision" }, document: { kind: "invoice" as const, orderId: order.id } };
    const first = await process(job);
    expect(first).toMatchObject({ invoice: order.reference });
    expect(sends("sendDocument")).toHaveLength(1);
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ invoiceMessageId: first.messageId, invoiceSentAt: expect.any(Date) });
    expect(await process(job)).toEqual({ messageId: first.messageId, alreadySent: true });
    expect(sends("sendDocument")).toHaveLength(1);
    expect(sends("sendMessage")).toHaveLength(0);

    // A staff copy is sent (the invoice went out before), once per resend however often its job runs.
    const resend = await prisma.auditLog.create({ data: { actorType: "OWNER", action: "order.resend_invoice", targetType: "order", targetId: String(order.id), details: {} } });
    const copy = { ...job, document: { ...job.document, copy: true as const, copyId: resend.id } };
    const sentCopy = await process(copy);
    expect(sends("sendDocument")).toHaveLength(2);
    expect(await process(copy)).toEqual({ messageId: sentCopy.messageId, alreadySent: true });
    expect(sends("sendDocument")).toHaveLength(2);
  });
});

describe("recording a sent message", () => {
  it("retries the write while Postgres is restarting instead of failing the job (a retry would send it again)", async () => {
    const { afterSend } = await import("../../jobs/processors/notifications.processor.js");
    let calls = 0;
    const waits: number[] = [];
    const result = await afterSend(
      async () => {
        if (++calls < 4) throw new Error("the database system is starting up");
        return "written";
      },
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(result).toBe("written");
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    await expect(afterSend(async () => Promise.reject(new Error("down")), async () => undefined)).rejects.toThrow("down");
  });
});
