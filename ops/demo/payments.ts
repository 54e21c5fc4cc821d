import sharp from "sharp";
import type { FakeMidtrans } from "../fakes/midtrans/server.js";
import type { FakeUser } from "../fakes/telegram/users.js";
import type { FakeTripay } from "../fakes/tripay/server.js";
import type { ChatCommand } from "./chat-client.js";

/** Demo credentials of the local fake gateways (never real keys). */
export const DEMO_TRIPAY = { apiKey: "DEV-demoTripayApiKey0001", privateKey: "demo-tripay-private-key-0001", merchantCode: "T0001" } as const;
export const DEMO_MIDTRANS_SERVER_KEY = "SB-Mid-server-demoKey0123456789";

/** A payment waiting at one of the fake gateways. */
export interface OpenGatewayPayment {
  gateway: "Tripay" | "Midtrans";
  /** What `pay()` takes: the Tripay reference or the Midtrans order_id. */
  id: string;
  /** Our order reference (ORD-… / TOP-…). */
  orderReference: string;
  method: string;
  amountIdr: number;
  createdAtMs: number;
}

const rupiah = (n: number) => `Rp ${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;

/** Unpaid Tripay transactions and Midtrans transactions not settled yet, oldest first. */
export function openGatewayPayments(tripay: FakeTripay, midtrans: FakeMidtrans): OpenGatewayPayment[] {
  const open: OpenGatewayPayment[] = [];
  tripay.transactions().forEach((t) => {
    if (t.status !== "UNPAID") return;
    open.push({ gateway: "Tripay", id: t.reference, orderReference: t.merchant_ref, method: t.payment_method, amountIdr: t.amount, createdAtMs: t.created_at * 1000 });
  });
  midtrans.transactions().forEach((t) => {
    if (t.transaction_status !== null && t.transaction_status !== "pending") return;
    open.push({ gateway: "Midtrans", id: t.order_id, orderReference: t.order_id.replace(/-MT\d+$/, ""), method: "snap", amountIdr: t.gross_amount, createdAtMs: t.created_at });
  });
  // Stable sort: within one second Tripay's (second-resolution) times keep their list order.
  return open.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

/** A made-up bank-app screenshot (JPEG, no text so no fonts are needed) for the manual-transfer flow. */
export async function sampleTransferProof(): Promise<Buffer> {
  const block = (width: number, height: number, r: number, g: number, b: number, top: number, left: number) => ({
    input: { create: { width, height, channels: 3 as const, background: { r, g, b } } },
    top,
    left,
  });
  return sharp({ create: { width: 540, height: 960, channels: 3, background: { r: 244, g: 246, b: 251 } } })
    .composite([
      block(540, 140, 0, 96, 175, 0, 0), // app bar
      block(120, 120, 46, 160, 67, 200, 210), // "success" tick
      block(420, 36, 60, 60, 60, 380, 60), // amount line
      block(300, 24, 150, 150, 150, 450, 60),
      block(360, 24, 150, 150, 150, 500, 60),
      block(240, 24, 150, 150, 150, 550, 60),
      block(420, 80, 0, 96, 175, 820, 60), // button
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * The demo chat's payment commands: `:pay` completes a payment at the fake Tripay or
 * Midtrans (which then calls this shop's webhook, signed like the real gateway),
 * `:payments` lists what is open, `:proof` sends a sample transfer screenshot.
 */
export function demoPaymentCommands(opts: {
  tripay: FakeTripay;
  midtrans: FakeMidtrans;
  /** Where the gateways' callbacks go (the service's /webhooks/tripay and /webhooks/midtrans). */
  tripayCallbackUrl: () => string;
  midtransNotificationUrl: () => string;
  user: FakeUser;
}): ChatCommand[] {
  const { tripay, midtrans } = opts;
  const describe = (p: OpenGatewayPayment) => `${p.gateway} ${p.method} · ${p.orderReference} · ${rupiah(p.amountIdr)} (${p.id})`;
  return [
    {
      name: "pay",
      args: "[order]",
      help: "pay the newest open Tripay/Midtrans payment (or that order's) at the fake gateway",
      async run(args, io) {
        const open = openGatewayPayments(tripay, midtrans);
        const wanted = args.trim().toUpperCase();
        const matching = wanted === "" ? open : open.filter((p) => p.orderReference === wanted || p.id.toUpperCase() === wanted);
        const target = matching.at(-1);
        if (target === undefined) {
          io.print([
            wanted === ""
              ? "(no open Tripay/Midtrans payment — choose a Tripay or Midtrans method under 💳 Bayar sekarang first)"
              : `(no open Tripay/Midtrans payment for ${wanted}; :payments lists them)`,
          ]);
          return;
        }
        const sent =
          target.gateway === "Tripay"
            ? await tripay.pay(target.id, { callbackUrl: opts.tripayCallbackUrl() })
            : await midtrans.pay(target.id, { transactionStatus: "settlement", notificationUrl: opts.midtransNotificationUrl() });
        const answer = sent.status !== undefined ? `HTTP ${sent.status}` : `failed: ${sent.error ?? "unknown error"}`;
        io.print([`(paid at the fake ${describe(target)} → callback to the shop: ${answer})`]);
      },
    },
    {
      name: "payments",
      help: "list open payments at the fake Tripay/Midtrans",
      run(_args, io) {
        const open = openGatewayPayments(tripay, midtrans);
        io.print(open.length === 0 ? ["(no open Tripay/Midtrans payments)"] : open.map((p) => `• ${describe(p)}`));
      },
    },
    {
      name: "proof",
      args: "[order]",
      help: "send a sample bank-transfer screenshot as a photo (after 🏦 Transfer bank)",
      async run(args, io) {
        const bytes = await sampleTransferProof();
        const caption = args.trim() ? `Bukti transfer ${args.trim().toUpperCase()}` : undefined;
        await opts.user.sendPhoto(bytes, caption !== undefined ? { caption } : {});
        io.print([`(photo sent: sample transfer screenshot, ${bytes.length} bytes${caption ? `, caption "${caption}"` : ""})`]);
      },
    },
  ];
}
