import type { ProviderCode, PrismaClient } from "../../db/client.js";
import type { CloudProvider } from "../cloud/provider.js";
import type { MidtransClient } from "./gateways/midtrans.js";
import type { TripayClient } from "./gateways/tripay.js";
import type { Settled } from "./settle.js";
import type { OutboundJob } from "../events/record.js";

/** A job id, as its parts (the job layer joins them): the same parts always name the same job. */
export type WorkId = ReadonlyArray<string | number>;

/** A button under a message: `t:<key>` texts are translated at send time. */
export interface NoticeButton {
  text: string;
  data: string;
}

/**
 * What a payment follow-up asks the rest of the service to do once its own writes are
 * committed. The domain decides, the job layer queues each item under its id, so a retried
 * follow-up that decides the same again queues nothing twice.
 */
export type FollowupWork =
  /** A message rendered in the recipient's language at send time (`t:<key>` params translated too). */
  | {
      kind: "notify";
      id: WorkId;
      chatId: number;
      key: string;
      locale?: string;
      params: Record<string, string | number>;
      buttons?: NoticeButton[][];
      invoiceOrderId?: number;
      /** A staff card (shop/pending/cards.ts): the sent message is recorded as one of its copies. */
      card?: string;
    }
  | { kind: "provision"; orderId: number }
  | { kind: "run-action"; actionId: number }
  | { kind: "alert-owner"; id?: WorkId; severity: "info" | "warning" | "critical"; title: string; detail?: string }
  /** A settlement made here: its own follow-up (or, for a duplicate, the one it may have lost). */
  | { kind: "settled"; settled: Settled }
  /** Deliveries of a customer event recorded here (shop/events/record.ts): webhook, email copy. */
  | { kind: "outbound"; jobs: OutboundJob[] };

export interface FollowupOutcome {
  work: FollowupWork[];
  /** What the job reports as its result. */
  summary: Record<string, unknown>;
  /**
   * A step after the decisions failed (e.g. powering off a held VPS at a provider that is down):
   * the work is queued first, then the job fails with this error and is retried.
   */
  failAfterWork?: Error;
}

export interface FollowupDeps {
  prisma: PrismaClient;
  tripay?: TripayClient;
  midtrans?: MidtransClient;
  /** For a VPS held after a gateway refund: powered off at its provider. */
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  staff: { sellerIds: number[]; ownerIds: number[] };
  /** A calendar date in the customer's language (rendering belongs to the chat side). */
  formatDate(date: Date, locale: string): string;
}

/** A follow-up that can never succeed (bad data, not a passing failure): do not retry it. */
export class PermanentFollowupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentFollowupError";
  }
}

/** The payment with what its messages need (its order, the customer's chat and language). */
export async function loadPayment(deps: Pick<FollowupDeps, "prisma">, paymentId: number) {
  const payment = await deps.prisma.payment.findUnique({ where: { id: paymentId }, include: { order: { include: { user: true } } } });
  if (!payment) throw new PermanentFollowupError(`payment ${paymentId} not found`);
  return { payment, order: payment.order, chatId: Number(payment.order.user.telegramId), locale: payment.order.user.language };
}
