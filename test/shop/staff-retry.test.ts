/**
 * A seller's /retry of a failed order (shop/provisioning/staff-actions.ts) names each retry
 * uniquely (its audit row): a run that failed before counting an attempt used to leave the next
 * retry with the job id of the last one, which the job outbox then took as already run, so
 * "retry started" was said while nothing was queued. Real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../jobs/queues.js";
import type { PrismaClient } from "../../db/client.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { retryProvisioning } from "../../shop/provisioning/staff-actions.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";
import { paidOutcome, settle } from "../payments/support.js";

let db: TestDatabase;
let prisma: PrismaClient;
let seller: { userId: number; role: "SELLER" };

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  seller = { userId: (await prisma.user.create({ data: { telegramId: 7_700_001n, firstName: "Penjual", role: "SELLER" } })).id, role: "SELLER" };
});

afterAll(async () => {
  await db?.drop();
});

const fail = (orderId: number, from: "PAID" | "PROVISIONING") => transitionOrder(prisma, orderId, "PROVISIONING_FAILED", { type: "SYSTEM", id: "test" }, { onlyFrom: [from] });

describe("retrying a failed order twice, no attempt counted in between", () => {
  it("gives each retry its own id, so the second one's provisioning job is a new job", async () => {
    const p = await createPendingOrder(prisma);
    await settle(prisma, p, paidOutcome(p.totalIdr));
    expect((await fail(p.orderId, "PAID")).ok).toBe(true);
    const first = await retryProvisioning({ prisma }, p.orderId, seller);
    // The run failed again before it counted an attempt (e.g. on the per-order lock).
    expect((await fail(p.orderId, "PROVISIONING")).ok).toBe(true);
    const second = await retryProvisioning({ prisma }, p.orderId, seller);

    expect(first).toMatchObject({ ok: true, attempt: 1 });
    expect(second).toMatchObject({ ok: true, attempt: 1 });
    if (!first.ok || !second.ok) throw new Error("retry refused");
    expect(first.retryId).toEqual(expect.any(Number));
    expect(second.retryId).not.toBe(first.retryId);
    // The ids the bot queues the provisioning job under (bot/features/provisioning.staff.ts).
    expect(jobId("provision", p.orderId, "retry", second.retryId!)).not.toBe(jobId("provision", p.orderId, "retry", first.retryId!));
    expect(await prisma.auditLog.count({ where: { action: "provisioning.retry", targetId: String(p.orderId) } })).toBe(2);
  });
});
