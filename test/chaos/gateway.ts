/**
 * The payment gateways' side of a chaos run. The fake Tripay and Midtrans mark a payment paid
 * and send the signed callback to the web role; like the real gateways, a delivery that did
 * not get HTTP 200 (web killed, database restarting) is sent again until it does. On top of
 * that the runner plays the gateways' bad habits: the same callback twice at once, once more
 * seconds later, and callbacks out of order (a Midtrans "pending" after its "settlement", an
 * expired Tripay attempt reported around the paid one).
 */
import type { FakeMidtrans, FakeMidtransNotification } from "../../ops/fakes/midtrans/server.js";
import type { FakeTripay, FakeTripayCallback } from "../../ops/fakes/tripay/server.js";
import { sleep } from "./options.js";

/** Nothing listens here: a notification sent here is recorded by the fake but reaches nobody (yet). */
const NOWHERE = "http://127.0.0.1:9/held-back";

export interface DeliveryStats {
  /** Callbacks the gateways sent (first deliveries). */
  sent: number;
  /** Re-sends after a failed delivery (no answer or not 200). */
  retried: number;
  /** Deliberate duplicates and late/out-of-order deliveries. */
  duplicates: number;
  outOfOrder: number;
  /** Deliveries that never got 200 before the deadline (lost unless reconcile finds them). */
  undelivered: number;
  /** Answers other than 200 that are not worth retrying (4xx): should never happen. */
  refused: Array<{ url: string; status: number; body: string }>;
}

type Wire = { url: string; body: string; headers: Record<string, string> };

export class GatewayDriver {
  readonly stats: DeliveryStats = { sent: 0, retried: 0, duplicates: 0, outOfOrder: 0, undelivered: 0, refused: [] };
  /** Late duplicates still on their way; awaited before the run settles. */
  private readonly late: Promise<unknown>[] = [];

  constructor(
    private readonly tripay: FakeTripay,
    private readonly midtrans: FakeMidtrans,
    private readonly webUrl: string,
    private readonly random: () => number,
    private readonly deadline: () => number,
  ) {}

  private tripayWire(cb: FakeTripayCallback): Wire {
    return {
      url: `${this.webUrl}/webhooks/tripay`,
      body: cb.rawBody,
      headers: { "content-type": "application/json", "x-callback-signature": cb.signature, "x-callback-event": "payment_status", "user-agent": "TriPay-Callback/fake" },
    };
  }

  private midtransWire(n: FakeMidtransNotification): Wire {
    return { url: `${this.webUrl}/webhooks/midtrans`, body: n.rawBody, headers: { "content-type": "application/json", accept: "application/json", "user-agent": "Veritrans/fake" } };
  }

  /** One POST; the HTTP status, or undefined when nothing answered. */
  private async post(w: Wire): Promise<{ status?: number; body?: string }> {
    try {
      const res = await fetch(w.url, { method: "POST", headers: w.headers, body: w.body, signal: AbortSignal.timeout(20_000) });
      return { status: res.status, body: await res.text() };
    } catch {
      return {};
    }
  }

  /** Sends until HTTP 200 (the gateways' retry), backing off up to 5 s, until the deadline. */
  private async deliver(w: Wire, first?: { status?: number; body?: string }): Promise<void> {
    let answer = first ?? (await this.post(w));
    let pause = 500;
    while (answer.status !== 200) {
      if (answer.status !== undefined && answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        this.stats.refused.push({ url: w.url, status: answer.status, body: (answer.body ?? "").slice(0, 300) });
        return;
      }
      if (Date.now() > this.deadline()) {
        this.stats.undelivered++;
        return;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 5_000);
      this.stats.retried++;
      answer = await this.post(w);
    }
  }

  /** A duplicate of a delivered callback: sometimes at the same moment, sometimes seconds later. */
  private duplicate(w: Wire): Promise<void> | undefined {
    const roll = this.random();
    if (roll < 0.25) {
      this.stats.duplicates++;
      return this.deliver(w);
    }
    if (roll < 0.5) {
      this.stats.duplicates++;
      const delay = 1_000 + Math.floor(this.random() * 8_000);
      this.late.push(sleep(delay).then(() => this.deliver(w)));
    }
    return undefined;
  }

  /** Tripay: the customer paid transaction `reference`; `expireFirst`/`expireAfter`: another attempt of the order expires around it. */
  async payTripay(reference: string, other?: { reference: string; before: boolean }): Promise<void> {
    const expire = async () => {
      this.stats.outOfOrder++;
      const cb = await this.tripay.pay(other!.reference, { status: "EXPIRED" });
      await this.deliver(this.tripayWire(cb), cb);
    };
    if (other?.before) await expire();
    this.stats.sent++;
    const cb = await this.tripay.pay(reference);
    const wire = this.tripayWire(cb);
    await Promise.all([this.deliver(wire, cb), this.duplicate(wire)]);
    if (other && !other.before) await expire();
  }

  /** Midtrans: settled; half the time its earlier "pending" notification arrives only afterwards. */
  async payMidtrans(orderId: string): Promise<void> {
    let pending: FakeMidtransNotification | undefined;
    if (this.random() < 0.5) pending = await this.midtrans.pay(orderId, { transactionStatus: "pending", notificationUrl: NOWHERE });
    this.stats.sent++;
    const settled = await this.midtrans.pay(orderId, { transactionStatus: "settlement" });
    const wire = this.midtransWire(settled);
    await Promise.all([this.deliver(wire, settled), this.duplicate(wire)]);
    if (pending) {
      this.stats.outOfOrder++;
      await this.deliver(this.midtransWire(pending));
    }
  }

  /** Waits for the late duplicates. */
  async drain(): Promise<void> {
    await Promise.all(this.late);
  }
}
