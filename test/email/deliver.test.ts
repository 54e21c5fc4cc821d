/**
 * Email copies of customer events (shop/email/deliver.ts) on real Postgres, sent by the real
 * nodemailer transport to a local SMTP server and parsed back: the chat's own texts in the
 * customer's language, the invoice PDF with "payment received", never the root password, and
 * the delivery row's bookkeeping (Message-ID, attempts, the error, the next attempt, FAILED).
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ready, seal } from "../../shop/crypto/secretbox.js";
import { deliverEmail, type EmailDeliveryDeps } from "../../shop/email/deliver.js";
import { createMailer } from "../../shop/email/transport.js";
import { orderPaid, provisionFailed, vpsActive, vpsExpiring } from "../../shop/events/facts.js";
import { recordCustomerEvent } from "../../shop/events/record.js";
import type { TestDatabase } from "../support/db.js";
import { createPendingOrder, type PendingOrder } from "../webhooks/payments/harness.js";
import { paidOutcome, settle, vpsOf } from "../payments/support.js";
import { to, type SmtpSink } from "./smtp-sink.js";
import { emailTestbed } from "./testbed.js";

const bed = emailTestbed();
let db: TestDatabase;
let sink: SmtpSink;
let deps: EmailDeliveryDeps;

beforeAll(() => {
  ({ db, sink } = bed);
  deps = { prisma: db.prisma, mailer: bed.mailer, t: bed.t, shopName: "Toko VPS" };
});

let seq = 0;
/** A paid Tripay order whose customer confirmed `email` (language `lang`). */
async function paidOrderOf(lang: "id" | "en" = "id") {
  seq += 1;
  const p = await createPendingOrder(db.prisma);
  const email = `cust${seq}-${randomBytes(3).toString("hex")}@contoh.test`;
  await db.prisma.user.update({ where: { id: p.userId }, data: { email, emailVerifiedAt: new Date(), language: lang } });
  expect((await settle(db.prisma, p, paidOutcome(p.totalIdr))).settlement.result).toBe("paid");
  return { p, email };
}

/** Records an event the way the domain does and returns its email delivery's id. */
async function emailDeliveryOf(input: Parameters<typeof recordCustomerEvent>[1]): Promise<number> {
  const jobs = await recordCustomerEvent(db.prisma, input);
  const job = jobs.find((j) => j.kind === "email");
  expect(job, "an email delivery for a confirmed address").toBeDefined();
  return job!.deliveryId;
}

async function orderPaidDelivery(p: PendingOrder): Promise<number> {
  const order = await db.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } });
  const payment = await db.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } });
  return emailDeliveryOf(orderPaid(order, payment));
}

const row = (id: number) => db.prisma.emailDelivery.findUniqueOrThrow({ where: { id } });

describe("payment received", () => {
  it("sends the chat's text with the invoice PDF and records the Message-ID", async () => {
    const { p, email } = await paidOrderOf("id");
    const id = await orderPaidDelivery(p);
    const result = await deliverEmail(deps, id);
    expect(result.outcome).toBe("delivered");

    const mail = await sink.waitFor(to(email));
    expect(mail.subject).toBe(`Pembayaran diterima — pesanan ${p.orderReference}`);
    expect(mail.text).toContain(`✅ Pembayaran pesanan ${p.orderReference} diterima: Rp 61.170.`);
    expect(mail.text).toContain("detail login hanya dikirim di chat Telegram");
    expect(mail.text).toContain("hapus alamat di /settings");
    expect(mail.html).toContain(`Pembayaran pesanan ${p.orderReference} diterima`);
    expect(mail.attachments).toHaveLength(1);
    const pdf = mail.attachments[0]!;
    expect(pdf).toMatchObject({ filename: `invoice-${p.orderReference}.pdf`, contentType: "application/pdf" });
    expect(pdf.content.subarray(0, 5).toString("latin1")).toBe("%PDF-");

    const delivered = await row(id);
    expect(delivered).toMatchObject({ status: "DELIVERED", attempts: 1, lastError: null, messageId: mail.messageId });
    expect(delivered.sentAt).toBeInstanceOf(Date);
    // A second job for the same row sends nothing.
    expect(await deliverEmail(deps, id)).toMatchObject({ outcome: "skipped" });
    expect(sink.mails.filter(to(email))).toHaveLength(1);
  });

  it("in English for an English-speaking customer", async () => {
    const { p, email } = await paidOrderOf("en");
    await deliverEmail(deps, await orderPaidDelivery(p));
    const mail = await sink.waitFor(to(email));
    expect(mail.subject).toBe(`Payment received — order ${p.orderReference}`);
    expect(mail.text).toContain(`✅ Payment for order ${p.orderReference} received: Rp 61.170.`);
  });
});

describe("VPS notices", () => {
  it("VPS active: the chat's login message without the password line or the self-delete note", async () => {
    const { p, email } = await paidOrderOf("en");
    const password = `Sup3r-${randomBytes(6).toString("hex")}`;
    await ready();
    const key = randomBytes(32);
    const instance = await vpsOf(db.prisma, p);
    await db.prisma.instance.update({ where: { id: instance.id }, data: { rootPasswordEnc: Buffer.from(seal(key, new TextEncoder().encode(password))) } });
    const order = await db.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } });
    await deliverEmail(deps, await emailDeliveryOf(vpsActive(instance, order)));

    const mail = await sink.waitFor(to(email));
    expect(mail.subject).toBe(`Your VPS ${instance.label} is active`);
    expect(mail.text).toContain("✅ Your VPS is active!");
    expect(mail.text).toContain("IP: 203.0.113.9");
    expect(mail.text).toContain("Username: root");
    expect(mail.text).toContain("The root password is sent only in the Telegram chat, never by email.");
    for (const part of [mail.text ?? "", String(mail.html), mail.subject ?? ""]) {
      expect(part).not.toContain(password);
      expect(part).not.toMatch(/Password:/);
      expect(part).not.toContain("deletes itself");
    }
    expect(String(mail.html)).toContain("<b>Your VPS is active!</b>");
  });

  it("provisioning failed and expiring soon, from the chat's texts", async () => {
    const { p, email } = await paidOrderOf("id");
    const order = await db.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } });
    await deliverEmail(deps, await emailDeliveryOf(provisionFailed(order, 1, "cloud_error")));
    const failed = await sink.waitFor((m) => to(email)(m) && /gagal dibuat/.test(m.subject ?? ""));
    expect(failed.subject).toBe(`Pesanan ${p.orderReference}: VPS gagal dibuat`);
    expect(failed.text).toContain(`⚠️ VPS untuk pesanan ${p.orderReference} gagal dibuat.`);
    expect(failed.attachments).toHaveLength(0);

    const instance = await vpsOf(db.prisma, p, { expiresAt: new Date(Date.now() + 3 * 86_400_000 - 60_000) });
    await deliverEmail(deps, await emailDeliveryOf(vpsExpiring(instance, 3)));
    const expiring = await sink.waitFor((m) => to(email)(m) && /habis pada/.test(m.subject ?? ""));
    expect(expiring.text).toMatch(new RegExp(`⏰ VPS ${instance.label} \\(203\\.0\\.113\\.9\\) habis pada .+ \\(3 hari lagi\\)`));
  });
});

describe("the delivery row", () => {
  it("a refused attempt (451) is recorded and retried on schedule; the retry delivers", async () => {
    const { p, email } = await paidOrderOf();
    const id = await orderPaidDelivery(p);
    sink.refuseNext(1, 451, "4.3.0 try again later");
    const first = await deliverEmail(deps, id);
    expect(first).toMatchObject({ outcome: "retry", error: expect.stringContaining("451") });
    const after = await row(id);
    expect(after).toMatchObject({ status: "PENDING", attempts: 1, messageId: null });
    expect(after.lastError).toContain("try again later");
    expect(after.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(5_000);
    // Not due yet: a job arriving early does nothing; the job queued for that time does.
    expect(await deliverEmail(deps, id)).toMatchObject({ outcome: "skipped" });
    expect(await deliverEmail(deps, id, after.nextAttemptAt)).toMatchObject({ outcome: "delivered" });
    expect(await row(id)).toMatchObject({ status: "DELIVERED", attempts: 2, lastError: null });
    expect(sink.mails.filter(to(email))).toHaveLength(1);
  });

  it("a mail server that does not answer is a retry with the connection error; a 550 is final", async () => {
    const { p } = await paidOrderOf();
    const id = await orderPaidDelivery(p);
    const down = { ...deps, mailer: createMailer({ smtpUrl: "smtp://127.0.0.1:9", from: "toko@toko.test" }) };
    expect(await deliverEmail(down, id)).toMatchObject({ outcome: "retry", error: expect.stringMatching(/ECONNREFUSED|ESOCKET|ECONNECTION/) });

    const other = await paidOrderOf();
    const refused = await orderPaidDelivery(other.p);
    sink.refuseNext(1, 550, "5.1.1 no such mailbox");
    expect(await deliverEmail(deps, refused)).toMatchObject({ outcome: "failed", error: expect.stringContaining("550") });
    expect(await row(refused)).toMatchObject({ status: "FAILED", attempts: 1 });
  });

  it("a mailbox the server refuses at RCPT TO is the customer's to fix: FAILED, cancelled (no owner alert)", async () => {
    const { p } = await paidOrderOf();
    const id = await orderPaidDelivery(p);
    const to = (await row(id)).toEmail;
    sink.refuseRecipient(to);
    expect(await deliverEmail(deps, id)).toMatchObject({ outcome: "cancelled", reason: expect.stringMatching(/address refused.*550/) });
    expect(await row(id)).toMatchObject({ status: "FAILED", attempts: 1 });
  });

  it("uses up the schedule, then FAILED", async () => {
    const { p } = await paidOrderOf();
    const id = await orderPaidDelivery(p);
    const quick = { ...deps, retryDelaysMs: [0, 0] };
    sink.refuseNext(3, 421, "4.7.0 busy");
    expect((await deliverEmail(quick, id)).outcome).toBe("retry");
    expect((await deliverEmail(quick, id)).outcome).toBe("retry");
    expect((await deliverEmail(quick, id)).outcome).toBe("failed");
    expect(await row(id)).toMatchObject({ status: "FAILED", attempts: 3 });
  });

  it("sends nothing to an address removed (or changed) since the event", async () => {
    const { p, email } = await paidOrderOf();
    const id = await orderPaidDelivery(p);
    await db.prisma.user.update({ where: { id: p.userId }, data: { email: `new-${email}` } });
    expect(await deliverEmail(deps, id)).toMatchObject({ outcome: "cancelled" });
    expect(await row(id)).toMatchObject({ status: "FAILED", lastError: "address no longer confirmed by the customer" });
    expect(sink.mails.filter((m) => to(email)(m) || to(`new-${email}`)(m))).toHaveLength(0);
  });
});
