/**
 * The pending queue's domain on real Postgres: two staff approving at the same instant (with and
 * without the two-person rule) pay the order once; staff card copies that Telegram will not edit
 * any more are set aside and logged while the others are edited; the list is oldest first and
 * shows each member only what they can act on.
 */
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveWithRule } from "../../../shop/pending/approval.js";
import { closeCards, recordCopy } from "../../../shop/pending/cards.js";
import { refreshCardCopies } from "../../../shop/pending/copies.js";
import { pendingItems } from "../../../shop/pending/items.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { failedVpsOrder, paymentUnderReview, userRow } from "../../support/factories.js";

let db: TestDatabase;
let code = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function staff() {
  const a = await userRow(db.prisma, 9_600_001, "Rina");
  const b = await userRow(db.prisma, 9_600_002, "Budi");
  return { a: { userId: a.id, role: "SELLER" as const }, b: { userId: b.id, role: "SELLER" as const } };
}

async function underReview(amountIdr: number) {
  const customer = await userRow(db.prisma, 9_600_010);
  return paymentUnderReview(db.prisma, customer.id, { amountIdr, uniqueCodeIdr: ++code });
}

describe("approvals at the same instant", () => {
  it("without the rule: one pays, the other is told it is no longer reviewable", async () => {
    const { a, b } = await staff();
    const payment = await underReview(100_000);
    const results = await Promise.all([a, b].map((reviewer, i) => approveWithRule(db.prisma, { paymentId: payment.id, reviewer, reviewerName: `S${i}`, secondAboveIdr: 0 })));
    expect(results.map((r) => r.result).sort()).toEqual(["not_reviewable", "paid"]);
    expect(await db.prisma.orderStatusHistory.count({ where: { orderId: payment.orderId, toStatus: "PAID" } })).toBe(1);
  });

  it("with the rule: two different first taps at once make one 1/2 and one approval, paid once", async () => {
    const { a, b } = await staff();
    const payment = await underReview(200_000);
    const results = await Promise.all([a, b].map((reviewer, i) => approveWithRule(db.prisma, { paymentId: payment.id, reviewer, reviewerName: `S${i}`, secondAboveIdr: 150_000 })));
    expect(results.map((r) => r.result).sort()).toEqual(["first_of_two", "paid"]);
    expect(await db.prisma.orderStatusHistory.count({ where: { orderId: payment.orderId, toStatus: "PAID" } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { targetId: String(payment.id), action: "payment.approve.first" } })).toBe(1);
  });

  it("with the rule: the same member twice at once is one 1/2 and one refusal, nothing paid", async () => {
    const { a } = await staff();
    const payment = await underReview(300_000);
    const results = await Promise.all([0, 1].map(() => approveWithRule(db.prisma, { paymentId: payment.id, reviewer: a, reviewerName: "Rina", secondAboveIdr: 150_000 })));
    expect(results.map((r) => r.result).sort()).toEqual(["first_of_two", "same_member"]);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
  });
});

describe("editing every copy of a card", () => {
  it("a copy Telegram will not edit is set aside and logged, never fatal; the others are edited", async () => {
    const { a } = await staff();
    const payment = await underReview(120_000);
    const key = `review:${payment.id}`;
    await recordCopy(db.prisma, key, 9_600_001, 11);
    await recordCopy(db.prisma, key, 9_600_002, 22);
    await closeCards(db.prisma, [key], "refunded-wallet", { userId: a.userId, name: "Rina" });
    const edits: Array<{ chat: number; text: string }> = [];
    const warnings: string[] = [];
    const api = new Api("1:x", {
      fetch: (async (_url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as { chat_id: number; text: string };
        if (body.chat_id === 9_600_002) return Response.json({ ok: false, error_code: 400, description: "Bad Request: message to edit not found" });
        edits.push({ chat: body.chat_id, text: body.text });
        return Response.json({ ok: true, result: { message_id: 11, date: 0, chat: { id: body.chat_id, type: "private" } } });
      }) as unknown as typeof fetch,
    });
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as never;
    const out = await refreshCardCopies({ prisma: db.prisma, api, t: (_l, k, p) => `${k} ${JSON.stringify(p ?? {})}`, secondAboveIdr: 0, logger }, key);
    expect(out).toEqual({ edited: 1, gone: 1, failed: 0 });
    expect(edits).toEqual([{ chat: 9_600_001, text: expect.stringContaining("pend-done-refunded-wallet") }]);
    expect(warnings).toEqual(["staff card copy can no longer be edited"]);
    const copies = await db.prisma.staffCardCopy.findMany({ where: { cardKey: key }, orderBy: { id: "asc" } });
    expect(copies.map((c) => [c.shownVersion, c.editError])).toEqual([
      [1, null],
      [0, "Bad Request: message to edit not found"],
    ]);
    // A second pass has nothing left to do.
    expect(await refreshCardCopies({ prisma: db.prisma, api, t: (_l, k) => k, secondAboveIdr: 0, logger }, key)).toEqual({ edited: 0, gone: 0, failed: 0 });
  });
});

describe("the list", () => {
  it("is oldest first and shows each member only what their permissions act on", async () => {
    await db.prisma.$executeRaw`UPDATE payments SET status = 'PAID' WHERE status = 'REVIEW'`;
    const customer = await userRow(db.prisma, 9_600_010);
    const newer = await underReview(130_000);
    const older = await underReview(140_000);
    await db.prisma.$executeRaw`UPDATE payments SET updated_at = now() - interval '3 hours' WHERE id = ${older.id}`;
    const failed = await failedVpsOrder(db.prisma, customer.id);
    const reviewer = await pendingItems(db.prisma, ["payments.review"]);
    expect(reviewer.map((i) => i.paymentId)).toEqual([older.id, newer.id]);
    const retrier = await pendingItems(db.prisma, ["provisioning.retry"]);
    expect(retrier.map((i) => [i.kind, i.orderId])).toEqual([["prov-failed", failed.id]]);
    expect((await pendingItems(db.prisma, ["payments.review", "provisioning.retry"])).map((i) => i.key)[0]).toBe(`review:${older.id}`);
  });
});
