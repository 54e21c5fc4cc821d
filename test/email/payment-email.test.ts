/**
 * Done when: "an email with the invoice PDF reaches the local SMTP server after a payment".
 * The service's worker runs in-process (real queues on Redis, real Postgres); a Tripay payment
 * for a customer with a confirmed address is settled and its follow-up queued exactly as the
 * webhook route does; from there the service does the rest on its own: the payment follow-up
 * records "order.paid", queues the outbound job, and the outbound worker mails the copy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchSettled } from "../../jobs/dispatch-settlement.js";
import { QueueName } from "../../jobs/queues.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { startTestService, type TestService } from "../support/service.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";
import { paidOutcome, settle } from "../payments/support.js";
import { startSmtpSink, to, type SmtpSink } from "./smtp-sink.js";

let t: TestService;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  // Provisioning is not this file's subject (no cloud here): its queue is left unprocessed.
  t = await startTestService({ roles: ["worker"], env: { SMTP_URL: sink.url, EMAIL_FROM: '"Toko VPS" <toko@toko.test>' }, processors: ({ [QueueName.Provisioning]: _p, ...rest }) => rest });
});
afterAll(async () => {
  await t?.stop();
  await sink?.stop();
});

describe("after a payment", () => {
  it("an email with the invoice PDF reaches the SMTP server, once", async () => {
    const prisma = t.service.prisma;
    const p = await createPendingOrder(prisma);
    await prisma.user.update({ where: { id: p.userId }, data: { email: "pembeli@contoh.test", emailVerifiedAt: new Date() } });

    const settled = await settle(prisma, p, paidOutcome(p.totalIdr));
    expect(settled.settlement.result).toBe("paid");
    await dispatchSettled(t.service.queues, settled);

    const mail = await sink.waitFor(to("pembeli@contoh.test"), 20_000);
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
    expect(await prisma.emailDelivery.findUniqueOrThrow({ where: { id: event.emailDeliveries[0]!.id } })).toMatchObject({ toEmail: "pembeli@contoh.test", attempts: 1, messageId: mail.messageId });
    await dispatchSettled(t.service.queues, await settle(prisma, p, paidOutcome(p.totalIdr)));
    await waitForIdleQueues(t.service.queues, { except: [QueueName.Provisioning, QueueName.OwnerAlerts, QueueName.Notifications] });
    expect(sink.mails.filter(to("pembeli@contoh.test"))).toHaveLength(1);
  });
});
