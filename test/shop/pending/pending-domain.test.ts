/**
 * The pending queue's domain on real Postgres: two staff approving at the same instant (with and
 * without the two-person rule) pay the order once; staff card copies that Telegram will not edit
 * any more are set aside and logged while the others are edited; the list is oldest first and
 * shows each member only what they can act on.
 */
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveWithRule } from "../../../shop/pending/approval.js";
import { renderCard } from "../../../shop/pending/card-view.js";
import { cardKeys, cardState, closeCards, paymentCardKeys, recordCopy } from "../../../shop/pending/cards.js";
import { refreshCardCopies } from "../../../shop/pending/copies.js";
import { pendingItems } from "../../../shop/pending/items.js";
import { configRoster } from "../../../shop/users/staff.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { failedVpsOrder, paymentUnderReview, userRow } from "../../support/factories.js";

let db: TestDatabase;
let code = 0;
/** Rina and Budi (below) are sellers. */
const roster = configRoster({ ownerIds: [], sellerIds: [9_600_001, 9_600_002] });

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
    const results = await Promise.all([a, b].map((reviewer, i) => approveWithRule(db.prisma, { paymentId: payment.id, reviewer, reviewerName: `S${i}`, secondAboveIdr: 0, roster })));
    expect(results.map((r) => r.result).sort()).toEqual(["not_reviewable", "paid"]);
    expect(await db.prisma.orderStatusHistory.count({ where: { orderId: payment.orderId, toStatus: "PAID" } })).toBe(1);
  });

  it("with the rule: two different first taps at once make one 1/2 and one approval, paid once", async () => {
    const { a, b } = await staff();
    const payment = await underReview(200_000);
    const results = await Promise.all([a, b].map((reviewer, i) => approveWithRule(db.prisma, { paymentId: payment.id, reviewer, reviewerName: `S${i}`, secondAboveIdr: 150_000, roster })));
    expect(results.map((r) => r.result).sort()).toEqual(["first_of_two", "paid"]);
    expect(await db.prisma.orderStatusHistory.count({ where: { orderId: payment.orderId, toStatus: "PAID" } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { targetId: String(payment.id), action: "payment.approve.first" } })).toBe(1);
  });

  it("with the rule: the same member twice at once is one 1/2 and one refusal, nothing paid", async () => {
    const { a } = await staff();
    const payment = await underReview(300_000);
    const results = await Promise.all([0, 1].map(() => approveWithRule(db.prisma, { paymentId: payment.id, reviewer: a, reviewerName: "Rina", secondAboveIdr: 150_000, roster })));
    expect(results.map((r) => r.result).sort()).toEqual(["first_of_two", "same_member"]);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
  });
});

describe("the two-person rule has no way around it", () => {
  const approve = (reviewer: { userId: number; role: "SELLER" }, paymentId: number, r = roster) =>
    approveWithRule(db.prisma, { paymentId, reviewer, reviewerName: "S", secondAboveIdr: 150_000, roster: r });

  it("a closed card whose payment is still approvable starts a fresh first approval, never an approval alone", async () => {
    const { a, b } = await staff();
    const payment = await underReview(200_000);
    await closeCards(db.prisma, [cardKeys.review(payment.id)], "rejected", { userId: a.userId, name: "Rina" });
    expect((await approve(b, payment.id)).result).toBe("first_of_two");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
    expect(await cardState(db.prisma, cardKeys.review(payment.id))).toMatchObject({ outcome: null, firstApproverId: b.userId });
    expect((await approve(a, payment.id)).result).toBe("paid");
  });

  it("underpaid money under review is judged by what approving settles (the order's total)", async () => {
    const { a } = await staff();
    const payment = await underReview(200_000);
    await db.prisma.payment.update({ where: { id: payment.id }, data: { receivedIdr: 10_000 } });
    expect((await approve(a, payment.id)).result).toBe("first_of_two");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
  });

  it("a first approval whose giver no longer holds payments.review does not count", async () => {
    const { a, b } = await staff();
    const payment = await underReview(200_000);
    expect((await approve(a, payment.id)).result).toBe("first_of_two");
    const withoutRina = configRoster({ ownerIds: [], sellerIds: [9_600_002] });
    expect((await approve(b, payment.id, withoutRina)).result).toBe("first_of_two");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
  });

  it("a first approval of another amount does not count", async () => {
    const { a, b } = await staff();
    const payment = await underReview(200_000);
    expect((await approve(a, payment.id)).result).toBe("first_of_two");
    await db.prisma.payment.update({ where: { id: payment.id }, data: { receivedIdr: 900_000 } });
    expect((await approve(b, payment.id)).result).toBe("first_of_two");
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: "REVIEW" });
    expect((await approve(a, payment.id)).result).toBe("paid");
  });

  it("a decision that did not end money under review leaves its review card open, with its buttons", async () => {
    const { a } = await staff();
    const payment = await underReview(100_000);
    await closeCards(db.prisma, await paymentCardKeys(db.prisma, payment.id, { review: false }), "approved", { userId: a.userId, name: "Rina" });
    const card = await renderCard(db.prisma, cardKeys.review(payment.id), (k) => k, "id", { secondAboveIdr: 0 });
    expect(card?.open).toBe(true);
    expect(card?.buttons.length).toBeGreaterThan(0);
  });
});

describe("editing every copy of a card", () => {
  it("two refreshes of one card at once never leave a copy showing the older state", async () => {
    const { a } = await staff();
    const payment = await underReview(120_000);
    const key = cardKeys.review(payment.id);
    await recordCopy(db.prisma, key, 9_600_001, 31);
    await db.prisma.$executeRaw`UPDATE staff_cards SET version = 1, first_approver_id = ${a.userId}, first_approver_name = 'Rina', first_approved_at = now() WHERE key = ${key}`;
    const shown: string[] = [];
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const api = new Api("1:x", {
      fetch: (async (_url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as { chat_id: number; text: string };
        if (++calls === 1) await held;
        shown.push(body.text);
        return Response.json({ ok: true, result: { message_id: 31, date: 0, chat: { id: body.chat_id, type: "private" } } });
      }) as unknown as typeof fetch,
    });
    const deps = { prisma: db.prisma, api, t: (_l: string, k: string) => k, secondAboveIdr: 100_000 };
    const first = refreshCardCopies(deps, key);
    await expect.poll(() => calls, { timeout: 20_000 }).toBe(1);
    await closeCards(db.prisma, [key], "approved", { userId: a.userId, name: "Rina" });
    let secondDone = false;
    const second = refreshCardCopies(deps, key).finally(() => (secondDone = true));
    const waiting = async () => (await db.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)[0]!.n;
    await expect.poll(async () => secondDone || (await waiting()) > 0, { timeout: 20_000 }).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(shown.at(-1)).toContain("pend-done-approved");
  });


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

describe("a card's buttons", () => {
  it("show a reader only what their permissions act on (no Refund without orders.refund)", async () => {
    const customer = await userRow(db.prisma, 9_600_010);
    const failed = await failedVpsOrder(db.prisma, customer.id);
    const episode = (await db.prisma.orderStatusHistory.findFirst({ where: { orderId: failed.id, toStatus: "PROVISIONING_FAILED" }, orderBy: { id: "desc" } }))?.id ?? 0;
    const render = (permissions?: string[]) => renderCard(db.prisma, cardKeys.provisioning(failed.id, episode), (k) => k, "id", { secondAboveIdr: 0, permissions });
    const data = async (permissions?: string[]) => (await render(permissions))!.buttons.flat().map((b) => b.data);
    expect(await data(["provisioning.retry"])).toEqual([`prov:retry:${failed.id}`]);
    expect(await data(["provisioning.retry", "orders.refund"])).toEqual([`prov:retry:${failed.id}`, `prov:refund:${failed.id}`]);
  });
});
