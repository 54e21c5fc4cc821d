import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareProofImage, storeProof } from "../../shop/payments/proofs/transfer-proofs.js";
import { failedVpsOrder, openTransfer, paymentUnderReview, userRow } from "../support/factories.js";
import { CUSTOMER, MEMBERS, OWNER, staffHarness, type StaffHarness } from "./staff-harness.js";

let h: StaffHarness;
let tokens: Record<"owner" | "customer" | "catalog" | "viewer" | "support", string>;
let customerId: number;

beforeAll(async () => {
  h = await staffHarness();
  customerId = (await userRow(h.prisma, CUSTOMER.id, CUSTOMER.first_name)).id;
  tokens = {
    owner: await h.login(OWNER),
    customer: await h.login(CUSTOMER),
    catalog: await h.login(MEMBERS.catalog),
    viewer: await h.login(MEMBERS.viewer),
    support: await h.login(MEMBERS.support),
  };
});
afterAll(async () => {
  await h?.close();
});

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

async function firstPlan() {
  return h.prisma.plan.findFirstOrThrow({ orderBy: { id: "asc" }, include: { prices: { orderBy: { durationMonths: "asc" } } } });
}

/** An open manual transfer with a screenshot waiting for review. */
async function transferWithScreenshot(uniqueCodeIdr: number) {
  const transfer = await openTransfer(h.prisma, customerId, { uniqueCodeIdr });
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#aa3366" } }).jpeg().toBuffer();
  const prepared = await prepareProofImage(jpeg);
  if (!prepared.ok) throw new Error(prepared.reason);
  const proof = await storeProof(h.prisma, { key: h.config.encryptionKey, orderId: transfer.orderId, userId: customerId, paymentId: transfer.id, image: prepared.image });
  return { transfer, proof };
}

/** Every staff route, with the permission the bot's command for the same screen checks. */
const ROUTES: Array<{ method: string; path: string; body?: unknown; permission: string }> = [
  { method: "GET", path: "/app/api/staff/pending", permission: "payments.review" },
  { method: "GET", path: "/app/api/staff/pending/proofs/1/image", permission: "payments.review" },
  { method: "POST", path: "/app/api/staff/pending/payments/1/approve", permission: "payments.review" },
  { method: "POST", path: "/app/api/staff/pending/payments/1/reject", body: { reason: "blurry" }, permission: "payments.review" },
  { method: "GET", path: "/app/api/staff/orders", permission: "orders.view" },
  { method: "GET", path: "/app/api/staff/orders/1", permission: "orders.view" },
  { method: "POST", path: "/app/api/staff/orders/1/notes", body: { note: "x" }, permission: "orders.manage" },
  { method: "POST", path: "/app/api/staff/orders/1/cancel", body: { reason: "xyz" }, permission: "orders.manage" },
  { method: "POST", path: "/app/api/staff/orders/1/retry", permission: "provisioning.retry" },
  { method: "POST", path: "/app/api/staff/orders/1/refund", permission: "orders.refund" },
  { method: "GET", path: "/app/api/staff/catalog", permission: "catalog.manage" },
  { method: "PUT", path: "/app/api/staff/catalog/plans/1/prices/1", body: { priceIdr: 1000 }, permission: "catalog.manage" },
  { method: "PUT", path: "/app/api/staff/catalog/plans/1/prices/1/active", body: { active: false }, permission: "catalog.manage" },
  { method: "PUT", path: "/app/api/staff/catalog/plans/1/tiers/1/prices/1", body: { priceIdr: null }, permission: "catalog.manage" },
  { method: "PUT", path: "/app/api/staff/catalog/plans/1/active", body: { active: false }, permission: "catalog.manage" },
  { method: "PUT", path: "/app/api/staff/catalog/plans/1/stock", body: { stock: 1 }, permission: "catalog.manage" },
  { method: "GET", path: "/app/api/staff/coupons", permission: "coupons.manage" },
  { method: "POST", path: "/app/api/staff/coupons", body: { code: "NOPE1", kind: "PERCENT", value: 5 }, permission: "coupons.manage" },
  { method: "GET", path: "/app/api/staff/coupons/1", permission: "coupons.manage" },
  { method: "PUT", path: "/app/api/staff/coupons/1/active", body: { active: false }, permission: "coupons.manage" },
  { method: "GET", path: "/app/api/staff/customers?q=sari", permission: "customers.view" },
  { method: "GET", path: "/app/api/staff/customers/1", permission: "customers.view" },
  { method: "GET", path: "/app/api/staff/customers/1/ledger", permission: "customers.view" },
  { method: "GET", path: "/app/api/staff/customers/tiers", permission: "customers.manage" },
  { method: "PUT", path: "/app/api/staff/customers/1/tier", body: { tierId: null }, permission: "customers.manage" },
  { method: "PUT", path: "/app/api/staff/customers/1/ban", body: { banned: false, reason: "test" }, permission: "customers.manage" },
  { method: "GET", path: "/app/api/staff/stats?days=7", permission: "stats.view" },
];

describe("staff API: who may use it", () => {
  it("refuses a request without a session (401) and every staff route to a customer (403), changing nothing", async () => {
    expect((await h.app.request("/app/api/staff/orders")).status).toBe(401);
    const audits = await h.prisma.auditLog.count();
    const prices = await h.prisma.planPrice.findMany({ orderBy: { id: "asc" } });
    for (const r of ROUTES) {
      const res = await h.call(tokens.customer, r.method, r.path, r.body);
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(await json(res)).toMatchObject({ error: "forbidden" });
    }
    expect(await h.prisma.auditLog.count()).toBe(audits);
    expect(await h.prisma.planPrice.findMany({ orderBy: { id: "asc" } })).toEqual(prices);
  });

  it("refuses a member every route whose permission they lack (403), and lets them use the ones they hold", async () => {
    for (const r of ROUTES) {
      const res = await h.call(tokens.catalog, r.method, r.path, r.body);
      if (r.permission === "catalog.manage") expect(res.status, `${r.method} ${r.path}`).not.toBe(403);
      else expect(res.status, `${r.method} ${r.path}`).toBe(403);
    }
  });

  it("answers the owner's /me with every permission and a customer's with none", async () => {
    expect(await json(await h.call(tokens.owner, "GET", "/app/api/staff/me"))).toMatchObject({ staffRole: "owner" });
    expect(await json(await h.call(tokens.customer, "GET", "/app/api/staff/me"))).toEqual({ permissions: [], staffRole: null });
  });

  it("takes a power away at the next request when the chat takes the permission away (same session)", async () => {
    const token = await h.login(MEMBERS.catalog);
    expect((await h.call(token, "GET", "/app/api/staff/catalog")).status).toBe(200);
    await h.prisma.staffRole.update({ where: { name: MEMBERS.catalog.role }, data: { permissions: ["orders.view"] } });
    try {
      expect((await h.call(token, "GET", "/app/api/staff/catalog")).status).toBe(403);
      const plan = await firstPlan();
      const res = await h.call(token, "PUT", `/app/api/staff/catalog/plans/${plan.id}/prices/1`, { priceIdr: 1_234 });
      expect(res.status).toBe(403);
      expect((await firstPlan()).prices[0]!.priceIdr).toBe(plan.prices[0]!.priceIdr);
    } finally {
      await h.prisma.staffRole.update({ where: { name: MEMBERS.catalog.role }, data: { permissions: MEMBERS.catalog.permissions } });
    }
  });
});

describe("catalog & price editor", () => {
  it("lists plans × durations and saves a price through setPlanPrice, audited with before and after", async () => {
    const grid = await json(await h.call(tokens.catalog, "GET", "/app/api/staff/catalog"));
    expect(grid.durations).toEqual([1, 3, 12]);
    const rows = grid.rows as Array<{ id: number; prices: Record<string, { priceIdr: number }> }>;
    const row = rows[0]!;
    const before = row.prices["3"]!.priceIdr;
    const res = await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/${row.id}/prices/3`, { priceIdr: before + 5_000 });
    expect(res.status).toBe(200);
    const price = await h.prisma.planPrice.findUniqueOrThrow({ where: { planId_durationMonths: { planId: row.id, durationMonths: 3 } } });
    expect(price.priceIdr).toBe(before + 5_000);
    const member = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(MEMBERS.catalog.id) } });
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "plan.price.update", targetId: String(row.id) }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actorUserId: member.id, actorType: "SELLER", targetType: "plan" });
    expect(audit.details).toMatchObject({ before: { priceIdr: before }, after: { priceIdr: before + 5_000 }, durationMonths: 3 });
  });

  it("sets and takes away a reseller tier's price in the same table, audited", async () => {
    const grid = await json(await h.call(tokens.catalog, "GET", "/app/api/staff/catalog"));
    const tier = (grid.tiers as Array<{ id: number; code: string }>).find((x) => x.code === "RESELLER")!;
    const row = (grid.rows as Array<{ id: number; resellerPrices: Record<string, Record<string, number>> }>)[0]!;
    expect(row.resellerPrices[String(tier.id)]).toMatchObject({ "3": expect.any(Number) });
    const path = `/app/api/staff/catalog/plans/${row.id}/tiers/${tier.id}/prices/1`;
    const audited = () => h.prisma.auditLog.count({ where: { action: "plan.reseller_price.update", targetId: String(row.id) } });
    const before = await audited();
    expect((await h.call(tokens.catalog, "PUT", path, { priceIdr: 61_000 })).status).toBe(200);
    const key = { tierId_planId_durationMonths: { tierId: tier.id, planId: row.id, durationMonths: 1 } };
    expect((await h.prisma.resellerPrice.findUniqueOrThrow({ where: key })).priceIdr).toBe(61_000);
    expect((await h.call(tokens.catalog, "PUT", path, { priceIdr: null })).status).toBe(200);
    expect(await h.prisma.resellerPrice.findUnique({ where: key })).toBeNull();
    expect(await audited()).toBe(before + 2);
    expect((await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/${row.id}/tiers/99999/prices/1`, { priceIdr: 5_000 })).status).toBe(404);
  });

  it("refuses a bad price with a clear message and changes nothing", async () => {
    const plan = await firstPlan();
    const audits = await h.prisma.auditLog.count();
    for (const body of [{ priceIdr: "75.000" }, { priceIdr: 0 }, { priceIdr: 12.5 }, {}]) {
      const res = await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/${plan.id}/prices/1`, body);
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: "bad_request", message: expect.stringContaining("rupiah") });
    }
    expect((await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/999999/prices/1`, { priceIdr: 5_000 })).status).toBe(404);
    expect((await firstPlan()).prices).toEqual(plan.prices);
    expect(await h.prisma.auditLog.count()).toBe(audits);
  });

  it("switches a duration off and refuses a stock number that changed since the form opened", async () => {
    const plan = await firstPlan();
    expect((await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/${plan.id}/prices/12/active`, { active: false })).status).toBe(200);
    expect((await h.prisma.planPrice.findUniqueOrThrow({ where: { planId_durationMonths: { planId: plan.id, durationMonths: 12 } } })).active).toBe(false);
    const res = await h.call(tokens.catalog, "PUT", `/app/api/staff/catalog/plans/${plan.id}/stock`, { stock: 5, expected: 3 });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: "stock_changed", current: plan.stock });
  });
});

describe("orders table and timeline", () => {
  it("filters the table and opens an order's card with its timeline", async () => {
    const failed = await failedVpsOrder(h.prisma, customerId);
    await h.prisma.orderStatusHistory.create({ data: { orderId: failed.id, fromStatus: "PROVISIONING", toStatus: "PROVISIONING_FAILED", actorType: "SYSTEM", reason: "cloud said no" } });
    await openTransfer(h.prisma, customerId);
    const all = await json(await h.call(tokens.viewer, "GET", "/app/api/staff/orders"));
    expect((all.rows as unknown[]).length).toBe(2);
    const onlyFailed = await json(await h.call(tokens.viewer, "GET", "/app/api/staff/orders?status=PROVISIONING_FAILED&provider=DIGITALOCEAN&q=%40sari"));
    expect((onlyFailed.rows as Array<{ reference: string }>).map((r) => r.reference)).toEqual([failed.reference]);
    expect((await h.call(tokens.viewer, "GET", "/app/api/staff/orders?status=NOPE")).status).toBe(400);
    expect((await h.call(tokens.viewer, "GET", "/app/api/staff/orders?from=2026-02-31")).status).toBe(400);

    const card = await json(await h.call(tokens.viewer, "GET", `/app/api/staff/orders/${failed.reference}`));
    expect(card.order).toMatchObject({ reference: failed.reference, status: "PROVISIONING_FAILED" });
    expect(card.timeline).toEqual([expect.objectContaining({ from: "PROVISIONING", to: "PROVISIONING_FAILED", actor: "SYSTEM", reason: "cloud said no" })]);
    expect((await h.call(tokens.viewer, "GET", "/app/api/staff/orders/ORD-NOPE-0000")).status).toBe(404);
  });

  it("adds a note and cancels an unpaid order (audited, the customer told once); a second cancel is refused", async () => {
    const open = await openTransfer(h.prisma, customerId, { uniqueCodeIdr: 456 });
    const orderId = open.order.id;
    expect((await h.call(tokens.viewer, "POST", `/app/api/staff/orders/${orderId}/notes`, { note: "called the customer" })).status).toBe(403);
    expect((await h.call(tokens.support, "POST", `/app/api/staff/orders/${orderId}/notes`, { note: "called the customer" })).status).toBe(200);
    expect((await h.call(tokens.support, "POST", `/app/api/staff/orders/${orderId}/cancel`, { reason: "x" })).status).toBe(400);
    expect((await h.call(tokens.support, "POST", `/app/api/staff/orders/${orderId}/cancel`, { reason: "customer asked" })).status).toBe(200);
    const second = await h.call(tokens.support, "POST", `/app/api/staff/orders/${orderId}/cancel`, { reason: "customer asked" });
    expect(second.status).toBe(409);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("CANCELLED");
    const actions = (await h.prisma.auditLog.findMany({ where: { targetType: "order", targetId: String(orderId) }, orderBy: { id: "asc" } })).map((a) => a.action);
    expect(actions).toEqual(["order.note", "order.cancel"]);
    expect(h.queued.filter((j) => j.jobId === `oc-cancelled-${orderId}`)).toHaveLength(1);
    const card = await json(await h.call(tokens.support, "GET", `/app/api/staff/orders/${orderId}`));
    expect(card.notes).toEqual([expect.objectContaining({ text: "called the customer" })]);
  });
});

describe("failed provisioning from the order card", () => {
  it("retries provisioning once (audited, the job queued with the retry's id); a member without provisioning.retry is refused", async () => {
    const failed = await failedVpsOrder(h.prisma, customerId);
    expect((await h.call(tokens.support, "POST", `/app/api/staff/orders/${failed.id}/retry`)).status).toBe(403);
    const res = await h.call(tokens.owner, "POST", `/app/api/staff/orders/${failed.id}/retry`);
    expect(res.status).toBe(200);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("PROVISIONING");
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "provisioning.retry", targetId: String(failed.id) } });
    expect(h.queued.filter((j) => j.name === "provisioning" && j.jobId === `provision-${failed.id}-retry-${audit.id}`)).toHaveLength(1);
    const again = await h.call(tokens.owner, "POST", `/app/api/staff/orders/${failed.id}/retry`);
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: "refused", message: expect.stringContaining("running or queued") });
  });

  it("refunds a failed order to the wallet once, audited, the customer told", async () => {
    const failed = await failedVpsOrder(h.prisma, customerId);
    const res = await h.call(tokens.owner, "POST", `/app/api/staff/orders/${failed.id}/refund`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ amountIdr: 75_000 });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("REFUNDED");
    expect(await h.prisma.auditLog.count({ where: { action: "order.refund", targetId: String(failed.id) } })).toBe(1);
    expect((await h.call(tokens.owner, "POST", `/app/api/staff/orders/${failed.id}/refund`)).status).toBe(409);
    expect(h.queued.filter((j) => j.jobId === `refunded-${failed.id}`)).toHaveLength(1);
    const card = await json(await h.call(tokens.support, "GET", `/app/api/staff/customers/${customerId}`));
    expect(card).toMatchObject({ wallet: { balanceIdr: 75_000 } });
  });
});

describe("pending, coupons, customers, stats", () => {
  it("lists what waits for review to a reviewer, oldest first", async () => {
    const review = await paymentUnderReview(h.prisma, customerId, { amountIdr: 70_000 });
    const body = await json(await h.call(tokens.support, "GET", "/app/api/staff/pending"));
    expect(body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "review", reference: review.order.reference, expectedIdr: 70_000 })]));
    expect((body.items as Array<{ kind: string }>).some((i) => i.kind === "prov-failed")).toBe(false); // support cannot retry provisioning
  });

  it("approves a payment in review as the card's ✅ does: settled once, audited, the follow-up queued", async () => {
    const review = await paymentUnderReview(h.prisma, customerId, { amountIdr: 80_000, uniqueCodeIdr: 311 });
    expect((await h.call(tokens.viewer, "POST", `/app/api/staff/pending/payments/${review.id}/approve`)).status).toBe(403);
    const res = await h.call(tokens.support, "POST", `/app/api/staff/pending/payments/${review.id}/approve`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ result: "paid" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).status).toBe("PAID");
    expect(h.queued.filter((j) => j.name === "payment-followups" && j.jobId === `paid-${review.id}`)).toHaveLength(1);
    const again = await h.call(tokens.support, "POST", `/app/api/staff/pending/payments/${review.id}/approve`);
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: "not_possible" });
  });

  it("takes two different members to approve more than APPROVAL_SECOND_STAFF_ABOVE_IDR", async () => {
    const review = await paymentUnderReview(h.prisma, customerId, { amountIdr: 250_000, uniqueCodeIdr: 312 });
    expect(await json(await h.call(tokens.support, "POST", `/app/api/staff/pending/payments/${review.id}/approve`))).toMatchObject({ result: "first_of_two", amountIdr: 250_312 });
    const same = await h.call(tokens.support, "POST", `/app/api/staff/pending/payments/${review.id}/approve`);
    expect(same.status).toBe(409);
    expect(await json(same)).toMatchObject({ error: "same_member" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).status).toBe("REVIEW");
    expect(await json(await h.call(tokens.owner, "POST", `/app/api/staff/pending/payments/${review.id}/approve`))).toEqual({ result: "paid" });
  });

  it("refuses a transfer screenshot with a reason as the card's ❌ does: audited, the cards edited, the customer told; a reason is required", async () => {
    const { transfer, proof } = await transferWithScreenshot(314);
    const path = `/app/api/staff/pending/payments/${transfer.id}/reject`;
    expect((await h.call(tokens.viewer, "POST", path, { reason: "blurry" })).status).toBe(403);
    for (const body of [{}, { reason: "   " }, { reason: "x".repeat(501) }]) {
      const bad = await h.call(tokens.support, "POST", path, body);
      expect(bad.status).toBe(400);
      expect(await json(bad)).toMatchObject({ error: "bad_reason" });
    }
    expect((await h.prisma.transferProof.findUniqueOrThrow({ where: { id: proof.proofId } })).status).toBe("PENDING");
    const res = await h.call(tokens.support, "POST", path, { reason: "  amount not visible  " });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ result: "rejected" });
    expect(await h.prisma.transferProof.findUniqueOrThrow({ where: { id: proof.proofId } })).toMatchObject({ status: "REJECTED", rejectReason: "amount not visible" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: transfer.id } })).status).toBe("PENDING");
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "payment.reject", targetId: String(transfer.id) } });
    expect(audit.details).toMatchObject({ reason: "amount not visible" });
    expect(h.queued.some((j) => j.name === "notifications" && (j.payload as { key?: string }).key === "notify-proof-rejected")).toBe(true);
    const again = await h.call(tokens.support, "POST", path, { reason: "again" });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: "not_possible" });
  });

  it("gives money under review back with a reason (to the wallet), never just refuses it; one person is enough", async () => {
    const review = await paymentUnderReview(h.prisma, customerId, { amountIdr: 260_000, uniqueCodeIdr: 315 });
    const path = `/app/api/staff/pending/payments/${review.id}/reject`;
    const plain = await h.call(tokens.support, "POST", path, { reason: "not ours" });
    expect(plain.status).toBe(409);
    expect(await json(plain)).toMatchObject({ error: "not_possible", message: expect.stringContaining("given back") });
    expect((await h.call(tokens.support, "POST", path, { reason: "x", to: "bank" })).status).toBe(400);
    const res = await h.call(tokens.support, "POST", path, { reason: "paid twice", to: "wallet" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ result: "returned", to: "wallet", amountIdr: 260_315 });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).status).toBe("REFUNDED");
    expect(await h.prisma.auditLog.count({ where: { action: "payment.refund_wallet", targetId: String(review.id) } })).toBe(1);
    expect(h.queued.some((j) => j.name === "notifications" && j.jobId === `review-returned-${review.id}`)).toBe(true);
  });

  it("shows a transfer screenshot to a reviewer only", async () => {
    const { proof } = await transferWithScreenshot(313);
    const res = await h.call(tokens.support, "GET", `/app/api/staff/pending/proofs/${proof.proofId}/image`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBeGreaterThan(0);
    expect((await h.call(tokens.viewer, "GET", `/app/api/staff/pending/proofs/${proof.proofId}/image`)).status).toBe(403);
    expect((await h.call(tokens.support, "GET", `/app/api/staff/pending/proofs/999999/image`)).status).toBe(404);
  });

  it("switches a coupon off (audited) and creates one with the console's rules", async () => {
    const list = await json(await h.call(tokens.owner, "GET", "/app/api/staff/coupons"));
    const coupon = (list.rows as Array<{ id: number; code: string }>)[0]!;
    expect((await h.call(tokens.owner, "PUT", `/app/api/staff/coupons/${coupon.id}/active`, { active: false })).status).toBe(200);
    expect(await h.prisma.auditLog.count({ where: { action: "coupon.disable", targetId: String(coupon.id) } })).toBe(1);
    const made = await h.call(tokens.owner, "POST", "/app/api/staff/coupons", { code: "mini10", kind: "PERCENT", value: 10, maxDiscountIdr: 20_000, validTo: "2030-12-31" });
    expect(made.status).toBe(201);
    expect(await h.prisma.coupon.findUniqueOrThrow({ where: { code: "MINI10" } })).toMatchObject({ value: 10, active: true });
    expect((await h.call(tokens.owner, "POST", "/app/api/staff/coupons", { code: "mini10", kind: "PERCENT", value: 10 })).status).toBe(409);
    const bad = await h.call(tokens.owner, "POST", "/app/api/staff/coupons", { code: "BAD100", kind: "PERCENT", value: 100 });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: "value" });
  });

  it("finds a customer and shows their card and ledger", async () => {
    const found = await json(await h.call(tokens.support, "GET", "/app/api/staff/customers?q=%40sari"));
    expect(found.customers).toEqual([expect.objectContaining({ id: customerId, telegramId: CUSTOMER.id })]);
    const card = await json(await h.call(tokens.support, "GET", `/app/api/staff/customers/${customerId}`));
    expect(card).toMatchObject({ id: customerId, wallet: { balanceIdr: expect.any(Number) } });
    expect(await json(await h.call(tokens.support, "GET", `/app/api/staff/customers/${customerId}/ledger`))).toMatchObject({ page: 1 });
    expect((await h.call(tokens.support, "PUT", `/app/api/staff/customers/${customerId}/tier`, { tierId: null })).status).toBe(403);
  });

  it("a tier set or taken away in the app reaches the chat at once (the cached copy is dropped)", async () => {
    const profile = { id: 7_100_021, first_name: "Wati" };
    const user = await userRow(h.prisma, profile.id, profile.first_name);
    const tier = await h.prisma.resellerTier.findFirstOrThrow({ where: { active: true } });
    await h.prisma.user.update({ where: { id: user.id }, data: { resellerTierId: tier.id } });
    // The chat has seen the reseller (its copy sits in Redis for minutes).
    expect((await h.chatUsers().fresh(profile)).resellerTierId).toBe(tier.id);
    expect((await h.call(tokens.owner, "PUT", `/app/api/staff/customers/${user.id}/tier`, { tierId: null })).status).toBe(200);
    expect((await h.chatUsers().resolve(profile)).resellerTierId).toBeNull();
  });

  it("bans a customer with a reason (audited; their session is refused at once) and lifts the ban", async () => {
    const other = { id: 7_100_020, first_name: "Joko" };
    const token = await h.login(other);
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(other.id) } });
    expect((await h.call(tokens.support, "PUT", `/app/api/staff/customers/${user.id}/ban`, { banned: true, reason: "fraud" })).status).toBe(403);
    expect((await h.call(tokens.owner, "PUT", `/app/api/staff/customers/${user.id}/ban`, { banned: true, reason: "" })).status).toBe(400);
    expect((await h.call(tokens.owner, "PUT", `/app/api/staff/customers/${user.id}/ban`, { banned: true, reason: "chargeback fraud" })).status).toBe(200);
    const refused = await h.call(token, "GET", "/app/api/staff/me");
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "banned" });
    const owner = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(OWNER.id) } });
    const self = await h.call(tokens.owner, "PUT", `/app/api/staff/customers/${owner.id}/ban`, { banned: true, reason: "oops" });
    expect(self.status).toBe(409);
    expect((await h.call(tokens.owner, "PUT", `/app/api/staff/customers/${user.id}/ban`, { banned: false, reason: "paid back" })).status).toBe(200);
    expect((await h.prisma.auditLog.findMany({ where: { targetType: "user", targetId: String(user.id) }, orderBy: { id: "asc" } })).map((a) => a.action)).toEqual(["customer.ban", "customer.unban"]);
    expect((await h.call(await h.login(other), "GET", "/app/api/staff/me")).status).toBe(200);
  });

  it("gives the numbers behind the charts for 7, 30 or 90 days and refuses other periods", async () => {
    const body = await json(await h.call(tokens.owner, "GET", "/app/api/staff/stats?days=7"));
    expect(body.days).toBe(7);
    expect((body.data as { daily: unknown[] }).daily).toHaveLength(7);
    expect(body.totals).toMatchObject({ users: { total: expect.any(Number) } });
    expect((await h.call(tokens.owner, "GET", "/app/api/staff/stats?days=5")).status).toBe(400);
  });
});
