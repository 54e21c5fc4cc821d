import type { Db, Order, PaymentGateway, PrismaClient } from "../../db/client.js";
import type { AvailabilityChecker } from "../catalog/availability.js";
import { ExternalServiceError } from "../http/resilient-fetch.js";
import { isPaused } from "../maintenance/selling.js";
import { walletBalance } from "../wallet/ledger.js";
import { checkAttemptLimits, withAttemptLock } from "./attempt-limits.js";
import { customerFee, type TripayChannel, type TripayClient } from "./gateways/tripay.js";
import { midtransOrderIdTaken, type MidtransClient } from "./gateways/midtrans.js";
import { startManualTransfer, type TransferInstructions } from "./manual-transfer.js";

/** One way to pay an order, with its fee and what the customer pays in total. */
export type MethodOption =
  | { kind: "tripay"; code: string; name: string; group: string; feeIdr: number; totalIdr: number }
  | { kind: "midtrans"; feeIdr: 0; totalIdr: number }
  | { kind: "wallet"; feeIdr: 0; totalIdr: number; balanceIdr: number; enough: boolean }
  | { kind: "manual"; feeIdr: 0; totalIdr: number };

/** Order ids Midtrans already knows that a start skips before giving up (see startMidtrans). */
const MIDTRANS_TAKEN_SKIPS = 3;

export type PayableOrder = Pick<Order, "id" | "reference" | "kind" | "status" | "totalIdr" | "paymentDeadline" | "planName" | "userId" | "durationMonths">;

export type PayableCheck = { ok: true; order: PayableOrder } | { ok: false; reason: "not_found" | "not_payable" | "sold_out"; status?: string };

export interface TripayStart {
  paymentId: number;
  channel: { code: string; name: string; type: string };
  payCode: string | null;
  qrString: string | null;
  checkoutUrl: string | null;
  payUrl: string | null;
  amountIdr: number;
  feeIdr: number;
  totalIdr: number;
  expiresAt: string;
}

/** A gateway problem the customer can act on (try again, or choose another method). */
export class PaymentUnavailableError extends Error {
  constructor(
    readonly gateway: "Tripay" | "Midtrans",
    cause: unknown,
  ) {
    super(`${gateway} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "PaymentUnavailableError";
  }
}

/** An open attempt is shown again only if it stays payable at least this long. */
const REUSE_MIN_LEFT_MS = 5 * 60_000;

/**
 * Starting payments: which methods an order can use (only the configured ones,
 * each with its fee and total shown before the customer commits), and opening
 * a payment attempt with the chosen gateway. Settling is `settle.ts`'s job.
 */
export class Checkout {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      tripay?: TripayClient;
      midtrans?: MidtransClient;
      /** https origin for gateway callbacks; without it the gateway's dashboard URL is used. */
      publicBaseUrl?: string;
      /** "Can this plan be created right now?" — no money is taken for a VPS that cannot be built. */
      availability?: AvailabilityChecker;
    },
  ) {}

  /**
   * The order's open attempt with this gateway and method, if it can still be paid for a while:
   * choosing the same method again shows it instead of opening another gateway transaction.
   */
  private openAttempt(db: Db, orderId: number, gateway: PaymentGateway, method: string) {
    return db.payment.findFirst({
      where: { orderId, gateway, method, status: "PENDING", OR: [{ expiresAt: null }, { expiresAt: { gt: new Date(Date.now() + REUSE_MIN_LEFT_MS) } }] },
      orderBy: { id: "desc" },
    });
  }

  /**
   * Throws PaymentAttemptLimitError when one more attempt would be too many. Checked before a
   * gateway call (no transaction opened for nothing), and again under the customer's attempt
   * lock where the attempt is recorded (`withAttemptLock`): that second check is the binding one.
   */
  private checkLimits(db: Db, order: PayableOrder): Promise<void> {
    return checkAttemptLimits(db, { orderId: order.id, userId: order.userId });
  }

  /** The order if this user may pay it now. */
  async payable(orderId: number, userId: number): Promise<PayableCheck> {
    const order = await this.deps.prisma.order.findFirst({ where: { id: orderId, userId } });
    if (!order) return { ok: false, reason: "not_found" };
    if (order.status !== "PENDING_PAYMENT" || (order.paymentDeadline && order.paymentDeadline.getTime() <= Date.now())) {
      return { ok: false, reason: "not_payable", status: order.status };
    }
    if (order.kind === "NEW_VPS" && order.planId && this.deps.availability) {
      const plan = await this.deps.prisma.plan.findUnique({ where: { id: order.planId }, include: { provider: { select: { code: true } } } });
      // An order that holds its unit of stock (createOrder took it) is not refused for the plan's
      // stock: taking the last unit left 0, and that must not make the order itself unpayable.
      const stock = order.stockHeld ? null : plan?.stock;
      if (!plan || !(await this.deps.availability.isAvailable({ ...plan, stock: stock ?? null, providerCode: plan.provider.code }))) return { ok: false, reason: "sold_out" };
    }
    return { ok: true, order };
  }

  private async tripayChannels(): Promise<TripayChannel[]> {
    if (!this.deps.tripay) return [];
    try {
      return await this.deps.tripay.listChannels();
    } catch {
      // A Tripay outage must not hide the other methods.
      return [];
    }
  }

  /** Payment methods for an order, in the order they are shown. */
  async methods(order: PayableOrder): Promise<MethodOption[]> {
    const options: MethodOption[] = [];
    // A gateway the breaker (or the owner) paused is not offered; the other methods still are.
    const tripayPaused = await isPaused(this.deps.prisma, "GATEWAY:TRIPAY");
    for (const ch of tripayPaused ? [] : await this.tripayChannels()) {
      if (ch.minimum_amount !== null && order.totalIdr < ch.minimum_amount) continue;
      if (ch.maximum_amount !== null && order.totalIdr > ch.maximum_amount) continue;
      const feeIdr = customerFee(ch, order.totalIdr);
      options.push({ kind: "tripay", code: ch.code, name: ch.name, group: ch.group, feeIdr, totalIdr: order.totalIdr + feeIdr });
    }
    if (this.deps.midtrans && !(await isPaused(this.deps.prisma, "GATEWAY:MIDTRANS"))) options.push({ kind: "midtrans", feeIdr: 0, totalIdr: order.totalIdr });
    if (order.kind !== "WALLET_TOPUP") {
      const balanceIdr = await walletBalance(this.deps.prisma, order.userId);
      options.push({ kind: "wallet", feeIdr: 0, totalIdr: order.totalIdr, balanceIdr, enough: balanceIdr >= order.totalIdr });
    }
    const banks = await this.deps.prisma.bankAccount.count({ where: { active: true } });
    if (banks > 0) options.push({ kind: "manual", feeIdr: 0, totalIdr: order.totalIdr });
    return options;
  }

  private description(order: PayableOrder): string {
    return order.kind === "WALLET_TOPUP" ? `Isi saldo ${order.reference}` : `${order.planName ?? "VPS"} (${order.durationMonths ?? 1} bln) ${order.reference}`;
  }

  /**
   * Opens a Tripay closed transaction (merchant_ref = our order reference) and
   * records the attempt. Re-choosing the same channel reuses the open attempt.
   */
  async startTripay(order: PayableOrder, channelCode: string, customer: { name: string; telegramId: number }): Promise<TripayStart> {
    const tripay = this.deps.tripay;
    if (!tripay) throw new PaymentUnavailableError("Tripay", "not configured");
    const shown = (attempt: { raw: unknown } | null) => (attempt?.raw && "paymentId" in (attempt.raw as object) ? (attempt.raw as unknown as TripayStart) : undefined);
    const existing = shown(await this.openAttempt(this.deps.prisma, order.id, "TRIPAY", channelCode));
    if (existing) return existing;
    if (await isPaused(this.deps.prisma, "GATEWAY:TRIPAY")) throw new PaymentUnavailableError("Tripay", "paused: its API keeps failing");
    await this.checkLimits(this.deps.prisma, order);
    const channel = (await tripay.listChannels()).find((c) => c.code === channelCode);
    if (!channel) throw new PaymentUnavailableError("Tripay", `channel ${channelCode} is not active`);
    const expiresAt = order.paymentDeadline ?? new Date(Date.now() + 24 * 3600_000);
    let tx;
    try {
      tx = await tripay.createTransaction({
        method: channelCode,
        merchantRef: order.reference,
        amount: order.totalIdr,
        customerName: customer.name || `Telegram ${customer.telegramId}`,
        customerEmail: `tg${customer.telegramId}@customers.invalid`,
        items: [{ name: this.description(order).slice(0, 100), price: order.totalIdr, quantity: 1, sku: order.reference }],
        callbackUrl: this.deps.publicBaseUrl ? `${this.deps.publicBaseUrl}/webhooks/tripay` : undefined,
        expiresAt,
      });
    } catch (err) {
      if (err instanceof ExternalServiceError) throw new PaymentUnavailableError("Tripay", err);
      throw err;
    }
    const start: Omit<TripayStart, "paymentId"> = {
      channel: { code: channel.code, name: channel.name, type: channel.type },
      payCode: tx.pay_code,
      qrString: tx.qr_string,
      checkoutUrl: tx.checkout_url,
      payUrl: tx.pay_url,
      amountIdr: order.totalIdr,
      feeIdr: tx.fee_customer,
      totalIdr: order.totalIdr + tx.fee_customer,
      expiresAt: new Date(tx.expired_time * 1000).toISOString(),
    };
    return withAttemptLock(this.deps.prisma, order.userId, async (db) => {
      // A second tap recorded its attempt while this one talked to Tripay: show that one (this
      // transaction is left to expire unpaid).
      const meanwhile = shown(await this.openAttempt(db, order.id, "TRIPAY", channelCode));
      if (meanwhile) return meanwhile;
      await this.checkLimits(db, order);
      const payment = await db.payment.create({
        data: {
          orderId: order.id,
          gateway: "TRIPAY",
          method: channelCode,
          gatewayReference: tx.reference,
          attemptRef: `${order.reference}-TP-${tx.reference}`,
          amountIdr: order.totalIdr,
          feeIdr: tx.fee_customer,
          totalIdr: order.totalIdr + tx.fee_customer,
          payCode: tx.pay_code,
          checkoutUrl: tx.checkout_url,
          qrString: tx.qr_string,
          expiresAt: new Date(tx.expired_time * 1000),
          raw: {},
        },
      });
      const result = { ...start, paymentId: payment.id };
      await db.payment.update({ where: { id: payment.id }, data: { raw: result } });
      return result;
    });
  }

  /**
   * Opens a Midtrans Snap payment page; Midtrans' order_id is unique per attempt. Choosing
   * Midtrans again while its page is still open shows the same page.
   */
  async startMidtrans(order: PayableOrder, customer: { name: string; telegramId: number }): Promise<{ paymentId: number; redirectUrl: string; totalIdr: number }> {
    const midtrans = this.deps.midtrans;
    if (!midtrans) throw new PaymentUnavailableError("Midtrans", "not configured");
    const shown = (attempt: { id: number; checkoutUrl: string | null; totalIdr: number } | null) =>
      attempt?.checkoutUrl ? { paymentId: attempt.id, redirectUrl: attempt.checkoutUrl, totalIdr: attempt.totalIdr } : undefined;
    const existing = shown(await this.openAttempt(this.deps.prisma, order.id, "MIDTRANS", "snap"));
    if (existing) return existing;
    if (await isPaused(this.deps.prisma, "GATEWAY:MIDTRANS")) throw new PaymentUnavailableError("Midtrans", "paused: its API keeps failing");
    await this.checkLimits(this.deps.prisma, order);
    const recorded = await this.deps.prisma.payment.count({ where: { orderId: order.id, gateway: "MIDTRANS" } });
    const minutesLeft = Math.max(15, Math.floor(((order.paymentDeadline?.getTime() ?? Date.now() + 86_400_000) - Date.now()) / 60_000));
    let attemptRef = "";
    let snap;
    for (let attempt = recorded + 1; !snap; attempt++) {
      attemptRef = `${order.reference}-MT${attempt}`;
      try {
        snap = await midtrans.createSnap({
          orderId: attemptRef,
          grossAmount: order.totalIdr,
          items: [{ id: order.reference, name: this.description(order).slice(0, 50), price: order.totalIdr, quantity: 1 }],
          customer: { firstName: customer.name || `Telegram ${customer.telegramId}` },
          expiryMinutes: minutesLeft,
          notificationUrl: this.deps.publicBaseUrl ? `${this.deps.publicBaseUrl}/webhooks/midtrans` : undefined,
        });
      } catch (err) {
        // An earlier start reached Midtrans with this order_id and stopped before recording it (its
        // process died, or Midtrans' answer was lost on the way back). Nobody holds that page: its
        // link is only ever shown once its row exists. The next number is free.
        if (midtransOrderIdTaken(err) && attempt < recorded + 1 + MIDTRANS_TAKEN_SKIPS) continue;
        if (err instanceof ExternalServiceError) throw new PaymentUnavailableError("Midtrans", err);
        throw err;
      }
    }
    return withAttemptLock(this.deps.prisma, order.userId, async (db) => {
      const meanwhile = shown(await this.openAttempt(db, order.id, "MIDTRANS", "snap"));
      if (meanwhile) return meanwhile;
      await this.checkLimits(db, order);
      const payment = await db.payment.create({
        data: {
          orderId: order.id,
          gateway: "MIDTRANS",
          method: "snap",
          attemptRef,
          amountIdr: order.totalIdr,
          totalIdr: order.totalIdr,
          checkoutUrl: snap.redirectUrl,
          // When the Snap page stops taking money (at least 15 minutes, see expiryMinutes).
          expiresAt: new Date(Date.now() + minutesLeft * 60_000),
        },
      });
      return { paymentId: payment.id, redirectUrl: snap.redirectUrl, totalIdr: order.totalIdr };
    });
  }

  /** Bank transfer with a unique amount (one per order, shown again when chosen again); the seller confirms it by hand. */
  async startManual(order: PayableOrder): Promise<TransferInstructions> {
    return startManualTransfer(this.deps.prisma, order, { checkLimits: (tx) => this.checkLimits(tx, order) });
  }
}
