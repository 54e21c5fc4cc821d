/**
 * The wallet ledger (shop/wallet/*) against a real Postgres: idempotent postings, balances
 * derived by SUM, refunds, wallet payments, and double-spend races run as real parallel
 * transactions on a client whose pool lets every racer hold its own connection.
 *
 * Orders are inserted directly (no catalog needed): a NEW_VPS order carries the plan snapshot
 * columns the CHECK constraints require, with total = base (no discounts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type OrderStatus, type PrismaClient } from "../../db/client.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import {
  creditTopUp,
  LedgerError,
  lockWallet,
  payOrderFromWallet,
  postLedger,
  refundToWallet,
  walletAccount,
  walletBalance,
  walletHistory,
  type WalletPaymentResult,
} from "../../shop/wallet/ledger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
let racePrisma: PrismaClient;
let nextTelegramId = 9_100_000n;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  racePrisma = createPrisma(db.url, { max: 16, applicationName: "vps-shop:test-wallet-race" });
});

afterAll(async () => {
  await racePrisma?.$disconnect();
  await db?.drop();
});

async function newUser(role: "CUSTOMER" | "SELLER" | "OWNER" = "CUSTOMER"): Promise<number> {
  nextTelegramId += 1n;
  return (await prisma.user.create({ data: { telegramId: nextTelegramId, firstName: "Pembeli", role } })).id;
}

async function newVpsOrder(userId: number, totalIdr: number, status: OrderStatus = "PENDING_PAYMENT"): Promise<{ id: number; reference: string }> {
  return prisma.order.create({
    data: {
      reference: newOrderReference(),
      userId,
      kind: "NEW_VPS",
      status,
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "DO Basic 1 GB",
      providerCode: "DIGITALOCEAN",
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-22.04",
      imageName: "Ubuntu 22.04 LTS",
      providerImageRef: "ubuntu-22-04-x64",
      durationMonths: 1,
      basePriceIdr: totalIdr,
      totalIdr,
      snapshot: {},
    },
    select: { id: true, reference: true },
  });
}

/** A paid WALLET_TOPUP order with its Tripay payment (not yet credited). */
async function paidTopUpOrder(userId: number, amountIdr: number, gateway: "TRIPAY" | "MIDTRANS" | "MANUAL_TRANSFER" = "TRIPAY"): Promise<{ orderId: number; paymentId: number }> {
  const reference = newOrderReference();
  const order = await prisma.order.create({
    data: { reference, userId, kind: "WALLET_TOPUP", status: "PAID", basePriceIdr: amountIdr, totalIdr: amountIdr, snapshot: {}, paidAt: new Date() },
  });
  const payment = await prisma.payment.create({
    data: { orderId: order.id, gateway, method: "QRIS", attemptRef: `TOP-${reference}`, amountIdr, totalIdr: amountIdr, status: "PAID", paidAt: new Date() },
  });
  return { orderId: order.id, paymentId: payment.id };
}

async function topUp(userId: number, amountIdr: number, client: PrismaClient = prisma) {
  const { orderId, paymentId } = await paidTopUpOrder(userId, amountIdr);
  const credit = await creditTopUp(client, { userId, amountIdr, orderId, paymentId, gatewayCode: "TRIPAY" });
  return { orderId, paymentId, ...credit };
}

/** Rows written anywhere a wallet payment writes, to prove a refusal wrote nothing. */
async function footprint(userId: number, orderId: number) {
  const [payments, ledgerTransactions, ledgerEntries, history, wallets, order] = await Promise.all([
    prisma.payment.count({ where: { orderId } }),
    prisma.ledgerTransaction.count(),
    prisma.ledgerEntry.count(),
    prisma.orderStatusHistory.count({ where: { orderId } }),
    prisma.wallet.count({ where: { userId } }),
    prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, paidAt: true, updatedAt: true } }),
  ]);
  return { payments, ledgerTransactions, ledgerEntries, history, wallets, order };
}

function expectOk(r: WalletPaymentResult): Extract<WalletPaymentResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected a payment, got ${JSON.stringify(r)}`);
  return r;
}

describe("postLedger", () => {
  it("must run inside $transaction, and rejects unbalanced, single-leg, zero and mislabelled entries before writing", async () => {
    const u = await newUser();
    const before = await prisma.ledgerTransaction.count();
    const entries = [
      { account: "adjustments", amountIdr: -1_000 },
      { account: walletAccount(u), userId: u, amountIdr: 1_000 },
    ];
    await expect(postLedger(prisma, { kind: "ADJUSTMENT", idempotencyKey: `t:outside:${u}`, entries })).rejects.toMatchObject({ code: "not_in_transaction" });

    const attempt = (e: { account: string; userId?: number; amountIdr: number }[]) =>
      prisma.$transaction((tx) => postLedger(tx, { kind: "ADJUSTMENT", idempotencyKey: `t:bad:${u}:${Math.random()}`, entries: e }));
    await expect(attempt([{ account: "adjustments", amountIdr: -1_000 }, { account: walletAccount(u), userId: u, amountIdr: 999 }])).rejects.toMatchObject({ code: "unbalanced" });
    await expect(attempt([{ account: "adjustments", amountIdr: 0 }, { account: "sales", amountIdr: 0 }])).rejects.toMatchObject({ code: "invalid" });
    await expect(attempt([{ account: "sales", amountIdr: 1 }])).rejects.toMatchObject({ code: "invalid" });
    await expect(attempt([{ account: "adjustments", amountIdr: -1 }, { account: walletAccount(u), amountIdr: 1 }])).rejects.toMatchObject({ code: "invalid" });
    await expect(attempt([{ account: "adjustments", amountIdr: -1 }, { account: walletAccount(u), userId: u + 1, amountIdr: 1 }])).rejects.toMatchObject({ code: "invalid" });
    await expect(attempt([{ account: "sales", userId: u, amountIdr: -1 }, { account: walletAccount(u), userId: u, amountIdr: 1 }])).rejects.toMatchObject({ code: "invalid" });
    await expect(attempt([{ account: "salez", amountIdr: -1 }, { account: "sales", amountIdr: 1 }])).rejects.toThrow(/unknown ledger account "salez"/);
    await expect(attempt([{ account: "adjustments", amountIdr: -0.5 }, { account: "sales", amountIdr: 0.5 }])).rejects.toMatchObject({ code: "invalid" });
    expect(await prisma.ledgerTransaction.count()).toBe(before);
    expect(await walletBalance(prisma, u)).toBe(0);
  });

  it("is idempotent by key: the second post returns the first transaction and counts nothing twice", async () => {
    const u = await newUser();
    const input = {
      kind: "ADJUSTMENT" as const,
      idempotencyKey: `adjust:welcome:${u}`,
      entries: [
        { account: "adjustments", amountIdr: -25_000 },
        { account: walletAccount(u), userId: u, amountIdr: 25_000 },
      ],
      memo: "welcome bonus",
    };
    const first = await prisma.$transaction((tx) => postLedger(tx, input));
    const second = await prisma.$transaction((tx) => postLedger(tx, input));
    expect(first).toMatchObject({ created: true, kind: "ADJUSTMENT", idempotencyKey: input.idempotencyKey });
    expect(second).toMatchObject({ created: false, transactionId: first.transactionId });
    expect(second.entries).toEqual(expect.arrayContaining(first.entries));
    expect(await prisma.ledgerTransaction.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    expect(await prisma.ledgerEntry.count({ where: { transactionId: first.transactionId } })).toBe(2);
    expect(await walletBalance(prisma, u)).toBe(25_000);

    // Same key, different contents: a bug, not a retry.
    await expect(
      prisma.$transaction((tx) => postLedger(tx, { ...input, entries: [{ account: "adjustments", amountIdr: -1 }, { account: walletAccount(u), userId: u, amountIdr: 1 }] })),
    ).rejects.toMatchObject({ code: "idempotency_conflict" });
    expect(await walletBalance(prisma, u)).toBe(25_000);
  });

  it("8 parallel transactions posting one key: exactly one transaction exists and it is counted once", async () => {
    const u = await newUser();
    const key = `adjust:race:${u}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        racePrisma.$transaction((tx) =>
          postLedger(tx, {
            kind: "ADJUSTMENT",
            idempotencyKey: key,
            entries: [
              { account: "adjustments", amountIdr: -10_000 },
              { account: walletAccount(u), userId: u, amountIdr: 10_000 },
            ],
          }),
        ),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1);
    expect(await walletBalance(prisma, u)).toBe(10_000);
  });

  it("never lets a wallet go below zero unless allowOverdraft, and refuses REPEATABLE READ spends", async () => {
    const u = await newUser();
    await topUp(u, 5_000);
    const take = (amountIdr: number, allowOverdraft = false) =>
      prisma.$transaction((tx) =>
        postLedger(tx, {
          kind: "ADJUSTMENT",
          idempotencyKey: `adjust:take:${u}:${amountIdr}:${allowOverdraft}`,
          entries: [
            { account: walletAccount(u), userId: u, amountIdr: -amountIdr },
            { account: "adjustments", amountIdr },
          ],
          allowOverdraft,
        }),
      );
    await expect(take(5_001)).rejects.toMatchObject({ code: "overdraft" });
    expect(await walletBalance(prisma, u)).toBe(5_000);
    await take(6_000, true);
    expect(await walletBalance(prisma, u)).toBe(-1_000);
    // put it back so the ledger-wide invariants below still expect no negative wallet
    await prisma.$transaction((tx) =>
      postLedger(tx, { kind: "ADJUSTMENT", idempotencyKey: `adjust:restore:${u}`, entries: [{ account: "adjustments", amountIdr: -1_000 }, { account: walletAccount(u), userId: u, amountIdr: 1_000 }] }),
    );

    await expect(prisma.$transaction((tx) => lockWallet(tx, u), { isolationLevel: "RepeatableRead" })).rejects.toMatchObject({ code: "isolation" });
    await expect(lockWallet(prisma, u)).rejects.toBeInstanceOf(LedgerError);
  });
});

describe("walletBalance and walletHistory", () => {
  it("balance is the sum of the wallet entries; history pages newest first with a running balance", async () => {
    const u = await newUser();
    expect(await walletBalance(prisma, u)).toBe(0);
    expect(await walletHistory(prisma, u, { page: 1, pageSize: 2 })).toEqual({ items: [], page: 1, pageSize: 2, total: 0, totalPages: 1 });

    await topUp(u, 100_000);
    await topUp(u, 50_000);
    const order = await newVpsOrder(u, 60_000);
    expectOk(await payOrderFromWallet(prisma, { orderId: order.id, userId: u }));
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 60_000, orderId: order.id, reason: "provisioning failed" })).toMatchObject({ ok: true, created: true, balanceAfterIdr: 150_000 });

    const { _sum } = await prisma.ledgerEntry.aggregate({ where: { userId: u }, _sum: { amountIdr: true } });
    expect(await walletBalance(prisma, u)).toBe(_sum.amountIdr);
    expect(await walletBalance(prisma, u)).toBe(150_000);

    const page1 = await walletHistory(prisma, u, { page: 1, pageSize: 3 });
    expect(page1).toMatchObject({ page: 1, pageSize: 3, total: 4, totalPages: 2 });
    expect(page1.items.map((i) => [i.kind, i.amountIdr, i.balanceAfterIdr])).toEqual([
      ["REFUND", 60_000, 150_000],
      ["ORDER_PAYMENT", -60_000, 90_000],
      ["TOPUP", 50_000, 150_000],
    ]);
    expect(page1.items[1]).toMatchObject({ orderId: order.id, orderReference: order.reference, memo: `order ${order.reference}` });
    const page2 = await walletHistory(prisma, u, { page: 2, pageSize: 3 });
    expect(page2.items.map((i) => [i.kind, i.amountIdr, i.balanceAfterIdr])).toEqual([["TOPUP", 100_000, 100_000]]);
    expect(page2.items[0]?.createdAt).toBeInstanceOf(Date);
  });
});

describe("creditTopUp", () => {
  it("credits gateway → wallet once per payment, however often it is replayed", async () => {
    const u = await newUser();
    const { orderId, paymentId } = await paidTopUpOrder(u, 75_000);
    const input = { userId: u, amountIdr: 75_000, orderId, paymentId, gatewayCode: "TRIPAY" as const };
    const results = await Promise.all([creditTopUp(racePrisma, input), creditTopUp(racePrisma, input), creditTopUp(racePrisma, input)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await creditTopUp(prisma, input)).toMatchObject({ created: false, balanceAfterIdr: 75_000 });
    expect(await walletBalance(prisma, u)).toBe(75_000);

    const tx = await prisma.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: `topup:payment:${paymentId}` }, include: { entries: true } });
    expect(tx).toMatchObject({ kind: "TOPUP", orderId, paymentId });
    expect(tx.entries.map((e) => [e.account, e.userId, e.amountIdr]).sort()).toEqual([
      ["gateway:tripay", null, -75_000],
      [`wallet:${u}`, u, 75_000],
    ]);
    expect(await prisma.wallet.count({ where: { userId: u } })).toBe(1);
  });

  it("can join the settlement's transaction, and refuses references that do not belong together", async () => {
    const u = await newUser();
    const other = await newUser();
    const { orderId, paymentId } = await paidTopUpOrder(u, 20_000);
    // inside a caller's transaction that later fails: the credit rolls back with it
    await expect(
      prisma.$transaction(async (tx) => {
        await creditTopUp(tx, { userId: u, amountIdr: 20_000, orderId, paymentId, gatewayCode: "TRIPAY" });
        throw new Error("settlement failed");
      }),
    ).rejects.toThrow("settlement failed");
    expect(await walletBalance(prisma, u)).toBe(0);

    await expect(creditTopUp(prisma, { userId: other, amountIdr: 20_000, orderId, paymentId, gatewayCode: "TRIPAY" })).rejects.toMatchObject({ code: "invalid" });
    await expect(creditTopUp(prisma, { userId: u, amountIdr: 20_000, orderId, paymentId, gatewayCode: "MIDTRANS" })).rejects.toMatchObject({ code: "invalid" });
    await expect(creditTopUp(prisma, { userId: u, amountIdr: 20_001, orderId, paymentId, gatewayCode: "TRIPAY" })).rejects.toMatchObject({ code: "invalid" });
    await expect(creditTopUp(prisma, { userId: u, amountIdr: 0, orderId, paymentId, gatewayCode: "TRIPAY" })).rejects.toMatchObject({ code: "invalid" });
    const vps = await newVpsOrder(u, 20_000, "PAID");
    const vpsPayment = await prisma.payment.create({ data: { orderId: vps.id, gateway: "TRIPAY", attemptRef: `X-${vps.reference}`, amountIdr: 20_000, totalIdr: 20_000, status: "PAID" } });
    await expect(creditTopUp(prisma, { userId: u, amountIdr: 20_000, orderId: vps.id, paymentId: vpsPayment.id, gatewayCode: "TRIPAY" })).rejects.toThrow(/not a wallet top-up/);
    expect(await walletBalance(prisma, u)).toBe(0);

    expect(await creditTopUp(prisma, { userId: u, amountIdr: 20_000, orderId, paymentId, gatewayCode: "TRIPAY" })).toMatchObject({ created: true, balanceAfterIdr: 20_000 });
  });
});

describe("refundToWallet", () => {
  it("refunds → wallet once per order (also when raced), with one audit line", async () => {
    const seller = await newUser("SELLER");
    const u = await newUser();
    const order = await newVpsOrder(u, 54_000, "PROVISIONING_FAILED");
    const input = { userId: u, amountIdr: 54_000, orderId: order.id, reason: "provider out of capacity", createdById: seller };
    const raced = await Promise.all([refundToWallet(racePrisma, input), refundToWallet(racePrisma, input), refundToWallet(racePrisma, input)]);
    expect(raced.filter((r) => r.ok && r.created)).toHaveLength(1);
    expect(raced.every((r) => r.ok)).toBe(true);
    expect(await refundToWallet(prisma, input)).toMatchObject({ ok: true, created: false, balanceAfterIdr: 54_000 });
    expect(await refundToWallet(prisma, { ...input, amountIdr: 10_000 })).toEqual({ ok: false, reason: "already_refunded", refundedIdr: 54_000 });
    expect(await walletBalance(prisma, u)).toBe(54_000);

    const tx = await prisma.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: `refund:order:${order.id}` }, include: { entries: true } });
    expect(tx).toMatchObject({ kind: "REFUND", orderId: order.id, memo: "provider out of capacity", createdById: seller });
    expect(tx.entries.map((e) => [e.account, e.amountIdr]).sort()).toEqual([
      ["refunds", -54_000],
      [`wallet:${u}`, 54_000],
    ]);
    expect(await prisma.auditLog.findMany({ where: { targetType: "order", targetId: String(order.id) } })).toMatchObject([
      { action: "wallet.refund", actorType: "SELLER", actorUserId: seller, details: { userId: u, amountIdr: 54_000, transactionId: tx.id } },
    ]);
  });

  it("refuses unpaid orders, top-ups, other users' orders and more than was paid — writing nothing", async () => {
    const u = await newUser();
    const before = await prisma.ledgerTransaction.count();
    const unpaid = await newVpsOrder(u, 30_000);
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 30_000, orderId: unpaid.id, reason: "x" })).toEqual({ ok: false, reason: "not_refundable", status: "PENDING_PAYMENT" });
    const cancelled = await newVpsOrder(u, 30_000, "CANCELLED");
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 30_000, orderId: cancelled.id, reason: "x" })).toMatchObject({ ok: false, reason: "not_refundable" });
    const { orderId: topUpOrder } = await paidTopUpOrder(u, 30_000);
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 30_000, orderId: topUpOrder, reason: "x" })).toMatchObject({ ok: false, reason: "not_refundable" });
    const paid = await newVpsOrder(u, 30_000, "ACTIVE");
    expect(await refundToWallet(prisma, { userId: u + 999_999, amountIdr: 30_000, orderId: paid.id, reason: "x" })).toEqual({ ok: false, reason: "order_not_found" });
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 30_001, orderId: paid.id, reason: "x" })).toEqual({ ok: false, reason: "amount_exceeds_paid", paidIdr: 30_000 });
    expect(await prisma.ledgerTransaction.count()).toBe(before);
    expect(await walletBalance(prisma, u)).toBe(0);
    // a partial refund is fine
    expect(await refundToWallet(prisma, { userId: u, amountIdr: 10_000, orderId: paid.id, reason: "one week unused" })).toMatchObject({ ok: true, created: true, balanceAfterIdr: 10_000 });
  });
});

describe("payOrderFromWallet", () => {
  it("pays a PENDING_PAYMENT order: order PAID via the state machine, a WALLET payment, wallet → sales", async () => {
    const u = await newUser();
    await topUp(u, 100_000);
    const order = await newVpsOrder(u, 54_000);
    const r = expectOk(await payOrderFromWallet(prisma, { orderId: order.id, userId: u }));
    expect(r).toMatchObject({ paidIdr: 54_000, balanceAfterIdr: 46_000 });
    expect(await walletBalance(prisma, u)).toBe(46_000);

    const row = await prisma.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(row).toMatchObject({ status: "PAID", paymentFeeIdr: 0 });
    expect(row.paidAt).toBeInstanceOf(Date);
    expect(await prisma.orderStatusHistory.findMany({ where: { orderId: order.id }, select: { fromStatus: true, toStatus: true, actorType: true, actorId: true, reason: true } })).toEqual([
      { fromStatus: "PENDING_PAYMENT", toStatus: "PAID", actorType: "CUSTOMER", actorId: String(u), reason: "paid from wallet" },
    ]);
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: r.paymentId } })).toMatchObject({
      orderId: order.id,
      gateway: "WALLET",
      status: "PAID",
      attemptRef: `WAL-${order.reference}`,
      amountIdr: 54_000,
      feeIdr: 0,
      totalIdr: 54_000,
    });
    const tx = await prisma.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: `order:${order.reference}:wallet` }, include: { entries: true } });
    expect(tx).toMatchObject({ id: r.transactionId, kind: "ORDER_PAYMENT", orderId: order.id, paymentId: r.paymentId });
    expect(tx.entries.map((e) => [e.account, e.userId, e.amountIdr]).sort()).toEqual([
      ["sales", null, 54_000],
      [`wallet:${u}`, u, -54_000],
    ]);

    // paying it again is refused: it is not awaiting payment any more
    expect(await payOrderFromWallet(prisma, { orderId: order.id, userId: u })).toEqual({ ok: false, reason: "not_payable", status: "PAID", kind: "NEW_VPS" });
    expect(await walletBalance(prisma, u)).toBe(46_000);
  });

  it("insufficient balance: typed refusal and nothing written (not even the wallet row)", async () => {
    const u = await newUser();
    const order = await newVpsOrder(u, 60_000);
    const before = await footprint(u, order.id);
    expect(before.wallets).toBe(0);
    expect(await payOrderFromWallet(prisma, { orderId: order.id, userId: u })).toEqual({ ok: false, reason: "insufficient", balanceIdr: 0, neededIdr: 60_000 });
    expect(await footprint(u, order.id)).toEqual(before);

    await topUp(u, 59_999);
    const funded = await footprint(u, order.id);
    expect(await payOrderFromWallet(prisma, { orderId: order.id, userId: u })).toEqual({ ok: false, reason: "insufficient", balanceIdr: 59_999, neededIdr: 60_000 });
    expect(await footprint(u, order.id)).toEqual(funded);

    await topUp(u, 1);
    expect(await payOrderFromWallet(prisma, { orderId: order.id, userId: u })).toMatchObject({ ok: true, balanceAfterIdr: 0 });
  });

  it("refuses orders that are not PENDING_PAYMENT, not the user's, or top-ups — writing nothing", async () => {
    const u = await newUser();
    const stranger = await newUser();
    await topUp(u, 500_000);
    for (const status of ["PAYMENT_REVIEW", "PAID", "EXPIRED", "CANCELLED", "ACTIVE", "REFUNDED"] as const) {
      const order = await newVpsOrder(u, 50_000, status);
      const before = await footprint(u, order.id);
      expect(await payOrderFromWallet(prisma, { orderId: order.id, userId: u })).toEqual({ ok: false, reason: "not_payable", status, kind: "NEW_VPS" });
      expect(await footprint(u, order.id)).toEqual(before);
    }
    const mine = await newVpsOrder(u, 50_000);
    const before = await footprint(stranger, mine.id);
    expect(await payOrderFromWallet(prisma, { orderId: mine.id, userId: stranger })).toEqual({ ok: false, reason: "not_found" });
    expect(await payOrderFromWallet(prisma, { orderId: 987_654_321, userId: u })).toEqual({ ok: false, reason: "not_found" });
    expect(await footprint(stranger, mine.id)).toEqual(before);

    const topUpOrder = await prisma.order.create({
      data: { reference: newOrderReference(), userId: u, kind: "WALLET_TOPUP", basePriceIdr: 10_000, totalIdr: 10_000, snapshot: {} },
    });
    expect(await payOrderFromWallet(prisma, { orderId: topUpOrder.id, userId: u })).toEqual({ ok: false, reason: "not_payable", status: "PENDING_PAYMENT", kind: "WALLET_TOPUP" });
    expect(await walletBalance(prisma, u)).toBe(500_000);
  });

  it("a free order (total 0) is paid without a ledger posting", async () => {
    const u = await newUser();
    const order = await newVpsOrder(u, 0);
    const r = expectOk(await payOrderFromWallet(prisma, { orderId: order.id, userId: u }));
    expect(r).toMatchObject({ transactionId: null, paidIdr: 0, balanceAfterIdr: 0 });
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "PAID" });
  });
});

describe("double spending", () => {
  it("balance 100.000, two orders of 60.000 paid in parallel: exactly one succeeds", async () => {
    for (let round = 0; round < 3; round++) {
      const u = await newUser();
      await topUp(u, 100_000);
      const [a, b] = [await newVpsOrder(u, 60_000), await newVpsOrder(u, 60_000)];
      const results = await Promise.all([payOrderFromWallet(racePrisma, { orderId: a.id, userId: u }), payOrderFromWallet(racePrisma, { orderId: b.id, userId: u })]);
      const wins = results.filter((r) => r.ok);
      expect(wins).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: "insufficient", balanceIdr: 40_000, neededIdr: 60_000 }]);
      expect(await walletBalance(prisma, u)).toBe(40_000);
      const statuses = (await prisma.order.findMany({ where: { id: { in: [a.id, b.id] } }, select: { status: true } })).map((o) => o.status).sort();
      expect(statuses).toEqual(["PAID", "PENDING_PAYMENT"]);
      expect(await prisma.payment.count({ where: { orderId: { in: [a.id, b.id] } } })).toBe(1);
    }
  });

  it("the same order paid 6 times in parallel: exactly one payment, charged once", async () => {
    const u = await newUser();
    await topUp(u, 200_000);
    const order = await newVpsOrder(u, 60_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => payOrderFromWallet(racePrisma, { orderId: order.id, userId: u })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok)) expect(r).toEqual({ ok: false, reason: "not_payable", status: "PAID", kind: "NEW_VPS" });
    expect(await walletBalance(prisma, u)).toBe(140_000);
    expect(await prisma.payment.count({ where: { orderId: order.id } })).toBe(1);
    expect(await prisma.orderStatusHistory.count({ where: { orderId: order.id } })).toBe(1);
  });

  it("balance 100.000, five orders of 30.000 paid in parallel: exactly three succeed", async () => {
    const u = await newUser();
    await topUp(u, 100_000);
    const orders = await Promise.all(Array.from({ length: 5 }, () => newVpsOrder(u, 30_000)));
    const results = await Promise.all(orders.map((o) => payOrderFromWallet(racePrisma, { orderId: o.id, userId: u })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(await walletBalance(prisma, u)).toBe(10_000);
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({ reason: "insufficient", balanceIdr: 10_000 });
  });
});

/** Small deterministic PRNG (mulberry32) so a failing sequence can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("ledger invariants over many random operations", () => {
  it("every transaction balances, every wallet = sum of its entries = the model, none negative", async () => {
    const seed = 20261121;
    const random = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const amount = () => (1 + Math.floor(random() * 150)) * 1_000;

    const users = await Promise.all(Array.from({ length: 5 }, () => newUser()));
    const model = new Map(users.map((u) => [u, 0]));
    const pending: { id: number; userId: number; total: number }[] = [];
    const paid: { id: number; userId: number; total: number }[] = [];
    const credits: Parameters<typeof creditTopUp>[1][] = [];

    for (let batch = 0; batch < 30; batch++) {
      const ops: (() => Promise<void>)[] = [];
      for (let i = 0; i < 5; i++) {
        const roll = random();
        const u = pick(users);
        if (roll < 0.3) {
          const amountIdr = amount();
          const gatewayCode = pick(["TRIPAY", "MIDTRANS", "MANUAL_TRANSFER"] as const);
          ops.push(async () => {
            const { orderId, paymentId } = await paidTopUpOrder(u, amountIdr, gatewayCode);
            const input = { userId: u, amountIdr, orderId, paymentId, gatewayCode };
            if ((await creditTopUp(racePrisma, input)).created) model.set(u, model.get(u)! + amountIdr);
            credits.push(input);
          });
        } else if (roll < 0.5) {
          const total = amount();
          ops.push(async () => {
            const o = await newVpsOrder(u, total);
            pending.push({ id: o.id, userId: u, total });
          });
        } else if (roll < 0.75 && pending.length > 0) {
          const o = pending.splice(Math.floor(random() * pending.length), 1)[0]!;
          // sometimes the wrong user tries, sometimes the same order twice at once
          const payer = random() < 0.1 ? pick(users) : o.userId;
          const twice = random() < 0.2;
          ops.push(async () => {
            const rs = await Promise.all((twice ? [1, 2] : [1]).map(() => payOrderFromWallet(racePrisma, { orderId: o.id, userId: payer })));
            const ok = rs.filter((r) => r.ok);
            expect(ok.length).toBeLessThanOrEqual(1);
            if (ok.length === 1) {
              model.set(payer, model.get(payer)! - o.total);
              paid.push(o);
            } else if (payer === o.userId) {
              pending.push(o);
            }
          });
        } else if (roll < 0.9 && paid.length > 0) {
          const o = pick(paid);
          const amountIdr = 1_000 * (1 + Math.floor(random() * (o.total / 1_000)));
          ops.push(async () => {
            const r = await refundToWallet(racePrisma, { userId: o.userId, amountIdr, orderId: o.id, reason: "random refund" });
            if (r.ok && r.created) model.set(o.userId, model.get(o.userId)! + amountIdr);
          });
        } else if (credits.length > 0) {
          const replay = pick(credits);
          ops.push(async () => {
            expect((await creditTopUp(racePrisma, replay)).created).toBe(false);
          });
        }
      }
      await Promise.all(ops.map((op) => op()));
    }

    // Every ledger transaction: ≥ 2 entries summing to zero (and none without entries).
    const unbalanced = await prisma.$queryRaw<{ id: number }[]>`
      SELECT t.id FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
      GROUP BY t.id HAVING COUNT(e.id) < 2 OR COALESCE(SUM(e.amount_idr), 0) <> 0`;
    expect(unbalanced).toEqual([]);
    const [{ total }] = await prisma.$queryRaw<[{ total: bigint | null }]>`SELECT SUM(amount_idr) AS total FROM ledger_entries`;
    expect(Number(total ?? 0)).toBe(0);

    // Wallet entries always name their owner, and only wallet entries carry a user.
    const mislabelled = await prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM ledger_entries
       WHERE (account LIKE 'wallet:%' AND (user_id IS NULL OR account <> 'wallet:' || user_id))
          OR (account NOT LIKE 'wallet:%' AND user_id IS NOT NULL)`;
    expect(mislabelled).toEqual([]);

    // For every user: walletBalance = SQL sum of their wallet entries = the model, never negative.
    const sums = await prisma.$queryRaw<{ user_id: number; balance: bigint }[]>`
      SELECT user_id, SUM(amount_idr) AS balance FROM ledger_entries WHERE account LIKE 'wallet:%' GROUP BY user_id`;
    const bySql = new Map(sums.map((s) => [s.user_id, Number(s.balance)]));
    for (const [userId, balance] of bySql) {
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(await walletBalance(prisma, userId)).toBe(balance);
    }
    for (const u of users) expect({ u, balance: bySql.get(u) ?? 0 }).toEqual({ u, balance: model.get(u) });

    // Every wallet-paid order has exactly one PAID payment and one ORDER_PAYMENT posting.
    const paidIds = paid.map((o) => o.id);
    expect(await prisma.payment.count({ where: { orderId: { in: paidIds }, gateway: "WALLET", status: "PAID" } })).toBe(paidIds.length);
    expect(await prisma.ledgerTransaction.count({ where: { orderId: { in: paidIds }, kind: "ORDER_PAYMENT" } })).toBe(paidIds.length);
    expect(paidIds.length).toBeGreaterThan(5);
    expect(credits.length).toBeGreaterThan(5);
  });
});
