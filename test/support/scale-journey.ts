/**
 * The customer of the scale tests (test/scale/cluster.test.ts, test/scale/network-split.test.ts):
 * a chat at the fake Telegram that walks the catalog by buttons, types a few coupon codes without
 * waiting (Telegram queues them; the bot must answer them in order), orders, pays (wallet, QRIS by
 * Tripay, or Midtrans) and waits for its VPS. `stage` says how far it got, for the moment a test
 * kills or cuts a host and for the failure message.
 */
import type { PrismaClient } from "../../db/client.js";
import type { BotMessageState, FakeTelegram, FakeUser } from "../../ops/fakes/telegram/index.js";
import { fundWallet } from "../bot/reseller-chat.js";
import { GatewayDriver } from "../chaos/gateway.js";
import type { ChaosPlan } from "../chaos/journeys.js";

export type Pay = "wallet" | "qris" | "midtrans";

export interface ScaleChat {
  id: number;
  user: FakeUser;
  plan: ChaosPlan;
  pay: Pay;
  stage: "waiting" | "browsing" | "ordered" | "paid" | "active";
  /** When each stage began (ms since the epoch): a test prints the timeline of a slow run. */
  stagedAt: Partial<Record<ScaleChat["stage"], number>>;
  reference?: string;
  /** The bot's answers to the typed coupon codes, in the order they appeared. */
  codeAnswers?: string[];
  error?: string;
}

/** The bot's notices that something went wrong (an error, a button it no longer knows). */
export const BOT_ERROR = /terjadi kesalahan|sudah tidak berlaku|sudah kedaluwarsa\. Berikut/;
const REFERENCE = /✅ Pesanan (ORD-\d{8}-[A-Z0-9]{5}) dibuat\./;
const UNKNOWN_CODE = /Kode kupon (\S+) tidak dikenal/;

/**
 * `count` customers with ids from `firstId`, paying by wallet, QRIS and Midtrans in turn over the
 * plans in turn; the wallet payers get Rp 500.000 first (`fundTag` makes the top-ups' keys unique).
 */
export async function scaleCustomers(prisma: PrismaClient, fake: FakeTelegram, opts: { count: number; firstId: number; plans: ChaosPlan[]; fundTag: string }): Promise<ScaleChat[]> {
  const pays: Pay[] = ["wallet", "qris", "midtrans"];
  const chats: ScaleChat[] = [];
  for (let i = 0; i < opts.count; i++) {
    const id = opts.firstId + i;
    const name = `Pelanggan ${i + 1}`;
    const chat: ScaleChat = { id, user: fake.user(id, { firstName: name, languageCode: "id" }), plan: opts.plans[i % opts.plans.length]!, pay: pays[i % pays.length]!, stage: "waiting", stagedAt: { waiting: Date.now() } };
    if (chat.pay === "wallet") {
      const row = await prisma.user.upsert({ where: { telegramId: BigInt(id) }, create: { telegramId: BigInt(id), firstName: name, language: "id" }, update: {} });
      await fundWallet(prisma, row.id, 500_000, `${opts.fundTag}-fund-${id}`);
    }
    chats.push(chat);
  }
  return chats;
}

/** The gateways' payer, with a seeded random for its choices (so a run can be told again). */
export function seededGatewayDriver(gateways: { tripay: ConstructorParameters<typeof GatewayDriver>[0]; midtrans: ConstructorParameters<typeof GatewayDriver>[1] }, webUrl: string, seed: number): GatewayDriver {
  let random = seed;
  return new GatewayDriver(gateways.tripay, gateways.midtrans, webUrl, () => ((random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31), () => Date.now() + 120_000);
}

function enter(chat: ScaleChat, stage: ScaleChat["stage"]): void {
  chat.stage = stage;
  chat.stagedAt[stage] = Date.now();
}

/** One customer's whole journey; see the file comment. Fails at once on the bot's error notice (no use waiting it out). */
export async function customerJourney(chat: ScaleChat, opts: { prisma: PrismaClient; fake: FakeTelegram; gateway: GatewayDriver; codes: string[]; stepMs: number; activeMs?: number }): Promise<void> {
  const { user, plan } = chat;
  const shown = async (want: (m: BotMessageState) => boolean, what: string, since?: number) => {
    const m = await user.waitFor((x) => !x.deleted && (want(x) || BOT_ERROR.test(x.text ?? "")), { timeoutMs: opts.stepMs, ...(since !== undefined ? { since } : {}) });
    if (BOT_ERROR.test(m.text ?? "")) {
      // What the Bot API refused around then (the usual cause of the notice), for the failure message.
      const refused = opts.fake.calls
        .filter((c) => c.status >= 400 && c.at >= Date.now() - 120_000)
        .map((c) => `${c.method}: ${String((c.response as { description?: string }).description)}`);
      throw new Error(`chat ${chat.id}: the bot answered ${JSON.stringify(m.text)} instead of ${what}; Bot API calls refused lately: ${JSON.stringify([...new Set(refused)])}`);
    }
    return m;
  };
  const step = async (press: () => Promise<unknown>, answer: RegExp) => {
    await press();
    return shown((m) => answer.test(m.text ?? m.caption ?? ""), String(answer));
  };
  enter(chat, "browsing");
  await step(() => user.sendText("/start"), /Halo, /);
  await step(() => user.sendText("/catalog"), /Pilih penyedia cloud/);
  await step(() => user.pressButton(plan.providerButton), /pilih paket/);
  await step(() => user.pressButton(plan.planButton), /Pilih durasi sewa/);
  await step(() => user.pressButton(/^1 bulan · /), /Pilih sistem operasi/);
  await step(() => user.pressButton("Ubuntu 22.04 LTS"), /Punya kode kupon\?/);
  const since = user.mark();
  for (const code of opts.codes) await user.sendText(code);
  await shown(() => user.messages().filter((m) => UNKNOWN_CODE.test(m.text ?? "")).length >= opts.codes.length, "the typed codes' answers", since);
  chat.codeAnswers = user.messages().flatMap((m) => UNKNOWN_CODE.exec(m.text ?? "")?.[1] ?? []);
  await step(() => user.pressButton("Lewati"), /Ringkasan pesanan/);
  const created = await step(() => user.pressButton("✅ Konfirmasi pesanan"), REFERENCE);
  chat.reference = REFERENCE.exec(created.text ?? "")![1]!;
  enter(chat, "ordered");
  await step(() => user.pressButton({ messageId: created.messageId, text: "💳 Bayar sekarang" }), new RegExp(`Pilih cara bayar — pesanan ${chat.reference}`));
  if (chat.pay === "wallet") {
    await step(() => user.pressButton(/^💰 Saldo Rp [\d.]+ · bayar /), /dari saldo Anda\?/);
    await step(() => user.pressButton("✅ Ya, bayar dari saldo"), /dibayar dari saldo/);
  } else {
    const order = await opts.prisma.order.findUniqueOrThrow({ where: { reference: chat.reference } });
    if (chat.pay === "qris") {
      await user.pressButton(/^QRIS by ShopeePay · /);
      await shown((m) => m.media?.kind === "photo" && (m.caption ?? "").includes("QRIS — pindai"), "the QRIS picture");
    } else await step(() => user.pressButton("💳 Midtrans (kartu, e-wallet, VA)"), /Tekan tombol di bawah/);
    const attempt = await opts.prisma.payment.findFirstOrThrow({ where: { orderId: order.id, gateway: chat.pay === "qris" ? "TRIPAY" : "MIDTRANS", status: "PENDING" }, orderBy: { id: "desc" } });
    if (chat.pay === "qris") await opts.gateway.payTripay(attempt.gatewayReference!);
    else await opts.gateway.payMidtrans(attempt.attemptRef);
  }
  enter(chat, "paid");
  await user.waitForMessage(/VPS aktif!/, { timeoutMs: opts.activeMs ?? 150_000 });
  enter(chat, "active");
}
