/**
 * Done when: "an email with the invoice PDF reaches the local SMTP server after a payment".
 * The service runs in-process (bot and worker roles, real queues on Redis, real Postgres, the
 * fake Telegram over HTTP, a local SMTP server). The customer confirms an address in /settings
 * in the chat, with the code read from the mailbox; a Tripay payment of theirs is settled and its
 * follow-up queued exactly as the webhook route does; from there the service does the rest on
 * its own: the payment follow-up records "order.paid" and queues the outbound job, the outbound
 * worker mails the copy (and the chat gets its invoice as before).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchSettled } from "../../jobs/dispatch-settlement.js";
import { QueueName } from "../../jobs/queues.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { startTestService, type TestService } from "../support/service.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";
import { paidOutcome, settle } from "../payments/support.js";
import { codeIn, startSmtpSink, to, type SmtpSink } from "./smtp-sink.js";

let t: TestService;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  // Provisioning is not this file's subject (no cloud here): its queue is left unprocessed.
  t = await startTestService({
    roles: ["bot", "worker"],
    env: { SMTP_URL: sink.url, EMAIL_FROM: '"Toko VPS" <toko@toko.test>', BOT_RATE_LIMIT_PER_10S: "1000" },
    processors: ({ [QueueName.Provisioning]: _p, ...rest }) => rest,
  });
});
afterAll(async () => {
  await t?.stop();
  await sink?.stop();
});

describe("after a payment", () => {
  it("a customer confirms an address in the chat, pays, and the invoice PDF reaches their mailbox, once", async () => {
    const prisma = t.service.prisma;
    const WAIT = { timeoutMs: 15_000 };
    const chat = t.fake.user(9_720_001, { firstName: "Sari", languageCode: "id" });
    await chat.sendText("/start");
    await chat.waitForMessage("Halo, Sari!", WAIT);
    await chat.sendText("/settings");
    await chat.waitForMessage("Pengaturan", WAIT);
    await chat.pressButton("📧 Salinan email: mati");
    await chat.waitForMessage("Salinan email", WAIT);
    await chat.pressButton("➕ Tambah alamat email");
    await chat.waitForMessage("Ketik alamat email Anda", WAIT);
    await chat.sendText("sari@contoh.test");
    await chat.waitForMessage("Kode 6 angka sudah dikirim ke sari@contoh.test", WAIT);
    await chat.sendText(codeIn(await sink.waitFor(to("sari@contoh.test"))));
    await chat.waitForMessage("sari@contoh.test terkonfirmasi", WAIT);

    const user = await prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(chat.id) } });
    const p = await createPendingOrder(prisma);
    await prisma.order.update({ where: { id: p.orderId }, data: { userId: user.id } });
    const settled = await settle(prisma, p, paidOutcome(p.totalIdr));
    expect(settled.settlement.result).toBe("paid");
    await dispatchSettled(t.service.queues, settled);

    const mail = await sink.waitFor((m) => to("sari@contoh.test")(m) && m.attachments.length > 0, 20_000);
    expect(mail.from?.text).toBe('"Toko VPS" <toko@toko.test>');
    expect(mail.subject).toBe(`Pembayaran diterima — pesanan ${p.orderReference}`);
    expect(mail.text).toContain(`Pembayaran pesanan ${p.orderReference} diterima: Rp 61.170.`);
    const [pdf] = mail.attachments;
    expect(pdf).toMatchObject({ filename: `invoice-${p.orderReference}.pdf`, contentType: "application/pdf" });
    expect(pdf!.content.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf!.content.length).toBeGreaterThan(1000);

    // The delivery log says so, and a duplicate of the payment's follow-up mails nothing more.
    const event = await prisma.customerEvent.findUniqueOrThrow({ where: { type_subjectKey: { type: "ORDER_PAID", subjectKey: `order:${p.orderId}` } }, include: { emailDeliveries: true } });
    await expect.poll(async () => (await prisma.emailDelivery.findUniqueOrThrow({ where: { id: event.emailDeliveries[0]!.id } })).status).toBe("DELIVERED");
    expect(await prisma.emailDelivery.findUniqueOrThrow({ where: { id: event.emailDeliveries[0]!.id } })).toMatchObject({ toEmail: "sari@contoh.test", attempts: 1, messageId: mail.messageId });
    // The chat's own copy, as before: the invoice document with the same text as its caption.
    const inChat = await chat.waitForMessage(`Pembayaran pesanan ${p.orderReference} diterima`, WAIT);
    expect(inChat.message.document?.file_name).toBe(`invoice-${p.orderReference}.pdf`);
    await dispatchSettled(t.service.queues, await settle(prisma, p, paidOutcome(p.totalIdr)));
    await waitForIdleQueues(t.service.queues, { except: [QueueName.Provisioning, QueueName.OwnerAlerts] });
    // The confirmation code and the invoice: two emails, no more.
    expect(sink.mails.filter(to("sari@contoh.test")).map((m) => m.attachments.length)).toEqual([0, 1]);
  });
});
