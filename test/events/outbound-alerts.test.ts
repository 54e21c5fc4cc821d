/**
 * Which email copies that end FAILED reach the owner as an alert: only those that point at the
 * shop's own mail setup (the SMTP server refusing us, credentials). An address the customer must
 * fix (refused at RCPT TO) and email switched off on purpose (SMTP_URL unset) are recorded on the
 * row and stay quiet.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundProcessor } from "../../jobs/processors/outbound.processor.js";
import { QueueName, type Queues } from "../../jobs/queues.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Queues that only remember what was queued. */
function recordingQueues() {
  const queued: { name: string; payload: unknown }[] = [];
  const queues = { enqueue: async (name: string, payload: unknown) => void queued.push({ name, payload }) } as unknown as Queues;
  return { queues, alerts: () => queued.filter((q) => q.name === QueueName.OwnerAlerts) };
}

async function emailDeliveryRow(): Promise<number> {
  const user = await db.prisma.user.create({ data: { telegramId: BigInt(7_600_000 + Math.floor(Math.random() * 100_000)), email: "budi@example.com", emailVerifiedAt: new Date() } });
  const event = await db.prisma.customerEvent.create({ data: { userId: user.id, type: "ORDER_PAID", subjectKey: `order:${user.id}`, data: {} } });
  return (await db.prisma.emailDelivery.create({ data: { eventId: event.id, toEmail: "budi@example.com" } })).id;
}

const webhook = { encryptionKey: new Uint8Array(32), policy: { allowPrivate: true }, timeoutMs: 1000 };

describe("outbound email failures and the owner", () => {
  it("SMTP_URL unset: the copy is FAILED with the reason, no alert", async () => {
    const { queues, alerts } = recordingQueues();
    const id = await emailDeliveryRow();
    const result = await outboundProcessor({ prisma: db.prisma, queues, webhook })({ kind: "email", deliveryId: id });
    expect(result).toMatchObject({ outcome: "cancelled" });
    expect(await db.prisma.emailDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "FAILED", lastError: "SMTP_URL is not set" });
    expect(alerts()).toEqual([]);
  });

  it("a copy refused for the customer's address stays quiet; one refused for the shop's setup alerts", async () => {
    for (const [outcome, alerted] of [["cancelled", 0], ["failed", 1]] as const) {
      const { queues, alerts } = recordingQueues();
      const id = await emailDeliveryRow();
      const email = async () => ({ outcome, error: "550 5.1.1 no such mailbox" });
      await outboundProcessor({ prisma: db.prisma, queues, webhook, email })({ kind: "email", deliveryId: id });
      expect(alerts(), outcome).toHaveLength(alerted);
    }
  });
});
