import type { PaymentGateway, PrismaClient } from "../../db/client.js";
import { midtransEventKey, midtransOutcome, type MidtransClient } from "./gateways/midtrans.js";
import { tripayEventKey, tripayTransactionOutcome, type TripayClient } from "./gateways/tripay.js";
import { settleAndRecord, type Settled } from "./settle.js";

export interface ReconcileDeps {
  prisma: PrismaClient;
  tripay?: TripayClient;
  midtrans?: MidtransClient;
}

export interface ReconcileOptions {
  now?: Date;
  /** Leave an attempt to its callback this long, and ask again no sooner (default 10 min). */
  quietMinutes?: number;
  /** Attempts older than this are no longer asked about (default 48 h; the gateways expire them sooner). */
  lookbackHours?: number;
  /** Most attempts asked about per run (default 50). */
  limit?: number;
}

/**
 * One attempt asked about: the gateway's status and, when it said more than "pending", what the
 * settlement did (`settled`, with the payment's status and review reason, so even a duplicate
 * can re-queue the follow-up it may have lost).
 */
export type ReconcileResult =
  | { paymentId: number; gateway: PaymentGateway; status: string; settled: Settled }
  | { paymentId: number; gateway: PaymentGateway; status: string; settled?: undefined }
  | { paymentId: number; gateway: PaymentGateway; error: string };

/**
 * Asks Tripay and Midtrans about attempts that are still PENDING here some minutes after they
 * were opened, and applies what the gateway says through the same settlement as the
 * callbacks, with the same event keys.
 *
 * Why: a callback can be lost for good. Tripay retries a failed delivery every 2 minutes, at
 * most 3 times, so an outage of the web role longer than about 6 minutes (a restart, a network
 * cut, a 503 under overload) would leave a customer who paid with an order that later expires.
 * With this job the payment is found within `quietMinutes`: applied normally before the order's
 * deadline, or (after it) as a late payment that goes to a seller, never dropped.
 *
 * Exactly once across both paths: the event key is the callback's ("<reference>:<STATUS>" for
 * Tripay, "<order_id>:<transaction_status>:<fraud_status>" for Midtrans), so whichever of the
 * callback and this check comes second is a duplicate. "Still pending" answers change nothing.
 * Each attempt is marked checked before the gateway is asked, so a gateway that keeps failing is
 * asked again only after `quietMinutes`, and one failing attempt does not stop the others.
 */
export async function reconcileOpenPayments(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<ReconcileResult[]> {
  const now = opts.now ?? new Date();
  const quietMs = (opts.quietMinutes ?? 10) * 60_000;
  const gateways: PaymentGateway[] = [...(deps.tripay ? (["TRIPAY"] as const) : []), ...(deps.midtrans ? (["MIDTRANS"] as const) : [])];
  if (gateways.length === 0) return [];
  const quietSince = new Date(now.getTime() - quietMs);
  const due = await deps.prisma.payment.findMany({
    where: {
      status: "PENDING",
      gateway: { in: gateways },
      createdAt: { lte: quietSince, gte: new Date(now.getTime() - (opts.lookbackHours ?? 48) * 3_600_000) },
      OR: [{ statusCheckedAt: null }, { statusCheckedAt: { lte: quietSince } }],
    },
    select: { id: true, gateway: true, gatewayReference: true, attemptRef: true },
    orderBy: [{ statusCheckedAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
    take: opts.limit ?? 50,
  });

  const results: ReconcileResult[] = [];
  for (const payment of due) {
    await deps.prisma.payment.update({ where: { id: payment.id }, data: { statusCheckedAt: now } });
    try {
      results.push(await checkOne(deps, payment, now));
    } catch (error) {
      results.push({ paymentId: payment.id, gateway: payment.gateway, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

async function checkOne(
  deps: ReconcileDeps,
  payment: { id: number; gateway: PaymentGateway; gatewayReference: string | null; attemptRef: string },
  now: Date,
): Promise<ReconcileResult> {
  const base = { paymentId: payment.id, gateway: payment.gateway };
  if (payment.gateway === "TRIPAY") {
    if (!payment.gatewayReference) return { ...base, error: "no Tripay reference stored for this attempt" };
    const tx = await deps.tripay!.transactionDetail(payment.gatewayReference);
    const outcome = tripayTransactionOutcome(tx, now);
    if (outcome.kind === "pending") return { ...base, status: tx.status };
    const settled = await settleAndRecord(deps.prisma, {
      key: { gateway: "TRIPAY", gatewayReference: payment.gatewayReference },
      outcome,
      eventKey: tripayEventKey(payment.gatewayReference, tx.status),
      source: "tripay",
      actor: { type: "GATEWAY", id: `tripay:${payment.gatewayReference} (status check)` },
      now,
    });
    return { ...base, status: tx.status, settled };
  }
  const status = await deps.midtrans!.status(payment.attemptRef);
  if (!status) return { ...base, status: "unknown at Midtrans" };
  const outcome = midtransOutcome(status, now);
  if (outcome.kind === "pending") return { ...base, status: status.transaction_status };
  const settled = await settleAndRecord(deps.prisma, {
    key: { attemptRef: payment.attemptRef },
    outcome,
    eventKey: midtransEventKey(payment.attemptRef, status),
    source: "midtrans",
    actor: { type: "GATEWAY", id: `midtrans:${status.transaction_id ?? payment.attemptRef} (status check)` },
    now,
  });
  return { ...base, status: status.transaction_status, settled };
}
