/**
 * Customer journeys through the chat: a fake Telegram user talks to the real bot process
 * (/start, /catalog, provider, plan, period, OS, coupon, confirm, "Bayar sekarang", a method)
 * and pays at the gateway or from the wallet. The bot may be SIGKILLed, Redis wiped (the flow's
 * state with it) or PostgreSQL restarting at any step: a step that gets no answer starts the
 * flow again, as a customer would; once the order exists, a payment screen that never comes is
 * finished through the domain instead (the order and the money are what the invariants are about).
 */
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import { dispatchSettlement } from "../../jobs/dispatch-settlement.js";
import { payOrderFromWallet } from "../../shop/wallet/ledger.js";
import { markPaid, newCustomer, payable, payAtGateway, topUp, type ChaosPlan, type JourneyContext, type OrderRecord } from "./journeys.js";
import { retrying, sleep } from "./options.js";

const STEP = { timeoutMs: 30_000 };
const REFERENCE = /✅ Pesanan (ORD-\d{8}-[A-Z0-9]{5}) dibuat\./;

type ChatPay = "qris" | "midtrans" | "wallet";

/** Presses, then waits for the answer; throws on no answer (the caller starts over). */
async function step(user: FakeUser, press: () => Promise<unknown>, answer: RegExp) {
  await press();
  return user.waitForMessage(answer, STEP);
}

/** Walks the catalog to a confirmed order; returns its reference and the "order created" message. */
async function orderThroughCatalog(ctx: JourneyContext, user: FakeUser, userId: number, plan: ChaosPlan) {
  for (let attempt = 1; Date.now() < ctx.deadline(); attempt++) {
    const since = new Date();
    try {
      await step(user, () => user.sendText("/catalog"), /Pilih penyedia cloud/);
      await step(user, () => user.pressButton(plan.providerButton), /pilih paket/);
      await step(user, () => user.pressButton(plan.planButton), /Pilih durasi sewa/);
      await step(user, () => user.pressButton(/^1 bulan · /), /Pilih sistem operasi/);
      await step(user, () => user.pressButton("Ubuntu 22.04 LTS"), /Punya kode kupon\?/);
      await step(user, () => user.pressButton("Lewati"), /Ringkasan pesanan/);
      const created = await step(user, () => user.pressButton("✅ Konfirmasi pesanan"), REFERENCE);
      return { reference: REFERENCE.exec(created.text ?? "")![1]!, messageId: created.messageId };
    } catch {
      // The confirmation may have been taken although its answer never came: then the order exists.
      const placed = await ctx.prisma.order.findFirst({ where: { userId, kind: "NEW_VPS", createdAt: { gte: since } }, orderBy: { id: "desc" } }).catch(() => null);
      if (placed) return { reference: placed.reference, messageId: undefined };
      await sleep(1_000 * Math.min(attempt, 5));
    }
  }
  throw new Error("chat: no order placed before the deadline");
}

/** The payment screen in the chat; true when the chosen method got as far as money changing hands. */
async function payInChat(ctx: JourneyContext, user: FakeUser, order: { id: number; reference: string }, created: number | undefined, method: ChatPay): Promise<boolean> {
  const payNow = created !== undefined ? { messageId: created, text: "💳 Bayar sekarang" } : "💳 Bayar sekarang";
  try {
    await step(user, () => user.pressButton(payNow), new RegExp(`Pilih cara bayar — pesanan ${order.reference}`));
    if (method === "wallet") {
      await step(user, () => user.pressButton(/^💰 Saldo Rp [\d.]+ · bayar /), /dari saldo Anda\?/);
      await step(user, () => user.pressButton("✅ Ya, bayar dari saldo"), /dibayar dari saldo/);
      return true;
    }
    if (method === "qris") {
      await user.pressButton(/^QRIS by ShopeePay · /);
      await user.waitFor((m) => m.media?.kind === "photo" && (m.caption ?? "").includes("QRIS — pindai"), STEP);
    } else await step(user, () => user.pressButton("💳 Midtrans (kartu, e-wallet, VA)"), /Tekan tombol di bawah/);
    // The attempt the customer was shown (recorded before the bot answered).
    const gateway = method === "qris" ? "TRIPAY" : "MIDTRANS";
    const shown = await ctx.prisma.payment.findFirstOrThrow({ where: { orderId: order.id, gateway, status: "PENDING" }, orderBy: { id: "desc" } });
    if (method === "qris") await ctx.gateway.payTripay(shown.gatewayReference!);
    else await ctx.gateway.payMidtrans(shown.attemptRef);
    return true;
  } catch {
    return false;
  }
}

/** One chat customer: orders through the catalog and pays by QRIS, Midtrans or (after a top-up) the wallet. */
export async function chatJourney(ctx: JourneyContext, telegramId: number, plan: ChaosPlan, method: ChatPay): Promise<OrderRecord> {
  const customer = await newCustomer(ctx, telegramId);
  const user = ctx.fakes.telegram.user(telegramId);
  await retrying("chat /start", () => step(user, () => user.sendText("/start"), /Halo, /), { deadline: ctx.deadline() });
  const placed = await orderThroughCatalog(ctx, user, customer.userId, plan);
  const order = await retrying("read chat order", () => ctx.prisma.order.findUniqueOrThrow({ where: { reference: placed.reference } }), { deadline: ctx.deadline() });
  if (method === "wallet") await topUp(ctx, customer, telegramId, 100_000, order.totalIdr);
  const record: OrderRecord = {
    reference: order.reference,
    orderId: order.id,
    kind: "NEW_VPS",
    telegramId,
    userId: customer.userId,
    via: "chat",
    pay: method === "qris" ? "tripay" : method,
    paid: false,
    placedAt: Date.now(),
    totalIdr: order.totalIdr,
  };
  ctx.records.push(record);
  if (await payInChat(ctx, user, order, placed.messageId, method)) {
    markPaid(record);
    return record;
  }
  ctx.problems.push(`chat payment screen for ${order.reference} (${method}) did not answer; finished through the domain`);
  const walletPaid = await ctx.prisma.payment.findFirst({ where: { orderId: order.id, gateway: "WALLET" } }).catch(() => null);
  if (walletPaid) {
    // The bot took the money but its answer was lost: its follow-up may be lost too (recovery's job).
    markPaid(record);
    return record;
  }
  if (method === "wallet") {
    const r = await retrying("wallet pay", () => payOrderFromWallet(ctx.prisma, { orderId: order.id, userId: customer.userId }), { deadline: ctx.deadline() });
    if (r.ok) {
      markPaid(record);
      await dispatchSettlement(ctx.queues, { result: "paid", orderId: order.id, paymentId: r.paymentId }).catch(() => undefined);
    }
    return record;
  }
  record.pay = await payAtGateway(ctx, await payable(ctx, order.id, customer.userId), { name: customer.name, telegramId }, method === "qris" ? "tripay" : "midtrans");
  markPaid(record);
  return record;
}
