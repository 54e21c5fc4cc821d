/**
 * The outside world of a chaos run, all in the runner process: the fake Telegram, Tripay,
 * Midtrans and clouds, the clouds behind fault proxies (500, 429, lost answers, resets by rate),
 * and the environment every role process gets.
 */
import { randomBytes } from "node:crypto";
import { startFakeClouds, type FakeCloud, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFaultProxy, type FaultProxy, type ProxyFaultRule } from "../../ops/fakes/clouds/fault-proxy.js";
import { startFakeMidtrans, type FakeMidtrans } from "../../ops/fakes/midtrans/server.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { startFakeTripay, type FakeTripay } from "../../ops/fakes/tripay/server.js";
import { freePort } from "../../ops/demo/local-services.js";

export const CHAOS_TOKEN = "424243:CHAOS-token-bbbbbbbbbbbbbbbbbbbbbbbb";
export const OWNER_ID = 9_100_001;
export const SELLER_ID = 9_100_002;
const TRIPAY = { apiKey: "DEV-chaosTripayApiKey01", privateKey: "chaos-tripay-private-0123456789", merchantCode: "T4243" } as const;
const MIDTRANS_SERVER_KEY = "SB-Mid-server-chaos0123456789";

export interface ChaosFakes {
  telegram: FakeTelegram;
  tripay: FakeTripay;
  midtrans: FakeMidtrans;
  clouds: FakeClouds;
  /** One fault proxy per cloud, in the order digitalocean, vultr, linode. */
  proxies: FaultProxy[];
  /** The web role's origin (fixed port, so restarts keep it). */
  webUrl: string;
  /** Environment of every role process. */
  env: Record<string, string>;
  cloudList(): FakeCloud[];
  /** Turns the cloud faults on (rates below) or off. */
  cloudFaults(on: boolean): void;
  /** When the fake received each bot message ("chatId:messageId" → ms since the epoch), to line duplicates up with the kills. */
  sentAt: Map<string, number>;
  /** Faults injected so far, summed over the clouds. */
  faultStats(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Cloud trouble while the chaos lasts: some calls refused with 500 or 429 (Retry-After 1 s),
 * a few connections reset, and some creates carried out whose answer never arrives (the
 * "exactly one server per order" case). Rates are per request; polls make most of them.
 */
const FAULTS: ProxyFaultRule[] = [
  { method: "POST", path: /\/(droplets|instances|linode\/instances)$/, rate: 0.1, fault: "lost-answer" },
  { rate: 0.04, fault: { status: 500 } },
  { rate: 0.03, fault: { status: 429, retryAfter: 1 } },
  { rate: 0.01, fault: "reset" },
];

export async function startChaosFakes(opts: { databaseUrl: string; redisUrl: string; dataDir: string }): Promise<ChaosFakes> {
  const telegram = await startFakeTelegram({ token: CHAOS_TOKEN });
  const tripay = await startFakeTripay({ ...TRIPAY });
  const midtrans = await startFakeMidtrans({ serverKey: MIDTRANS_SERVER_KEY });
  // Boots of ~1 s: provisioning polls a few times, so a kill often lands mid-provisioning.
  const clouds = await startFakeClouds({ bootDelayMs: 1_000, ipDelayMs: 200, actionDelayMs: 200 });
  const list = [clouds.digitalocean, clouds.vultr, clouds.linode];
  const proxies = await Promise.all(list.map((c) => startFaultProxy(c.origin)));
  const via = (i: number) => proxies[i]!.url(list[i]!.url.slice(list[i]!.origin.length));
  const httpPort = await freePort();
  const webUrl = `http://127.0.0.1:${httpPort}`;
  tripay.setCallbackUrl(`${webUrl}/webhooks/tripay`);
  midtrans.setNotificationUrl(`${webUrl}/webhooks/midtrans`);
  // Owner and seller have chats, so alerts and review cards have somewhere to land.
  telegram.user(OWNER_ID, { firstName: "Pemilik" });
  telegram.user(SELLER_ID, { firstName: "Penjual" });
  const sentAt = new Map<string, number>();
  telegram.subscribe((e) => {
    if (e.type === "bot-message" && e.change === "sent") sentAt.set(`${e.state.chatId}:${e.state.messageId}`, Date.now());
  });

  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: CHAOS_TOKEN,
    TELEGRAM_API_ROOT: telegram.url,
    BOT_MODE: "polling",
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    QUEUE_PREFIX: "chaos",
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(httpPort),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    DATA_DIR: opts.dataDir,
    OWNER_IDS: String(OWNER_ID),
    SELLER_IDS: String(SELLER_ID),
    LOG_LEVEL: "info",
    BOT_RATE_LIMIT_PER_10S: "1000",
    TRIPAY_API_KEY: TRIPAY.apiKey,
    TRIPAY_PRIVATE_KEY: TRIPAY.privateKey,
    TRIPAY_MERCHANT_CODE: TRIPAY.merchantCode,
    TRIPAY_API_URL: tripay.url,
    MIDTRANS_SERVER_KEY,
    MIDTRANS_API_URL: midtrans.apiUrl,
    MIDTRANS_SNAP_URL: midtrans.snapUrl,
    DO_API_TOKEN: clouds.env.DO_API_TOKEN,
    DO_API_URL: via(0),
    VULTR_API_KEY: clouds.env.VULTR_API_KEY,
    VULTR_API_URL: via(1),
    LINODE_API_TOKEN: clouds.env.LINODE_API_TOKEN,
    LINODE_API_URL: via(2),
    // A killed worker's provisioning job is taken over after 10 s (production: 2 min).
    PROVISION_JOB_LOCK_MS: "10000",
    PROVISION_POLL_MS: "300",
    PROVISION_DEADLINE_MINUTES: "30",
    SHUTDOWN_TIMEOUT_MS: "10000",
  };

  return {
    telegram,
    tripay,
    midtrans,
    clouds,
    proxies,
    webUrl,
    env,
    sentAt,
    cloudList: () => list,
    cloudFaults: (on) => proxies.forEach((p) => p.setRules(on ? FAULTS : [])),
    faultStats: () => {
      const sum: Record<string, number> = {};
      for (const p of proxies) for (const [k, v] of Object.entries(p.stats())) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    },
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all([tripay.stop(), midtrans.stop(), clouds.stop()]);
      await telegram.stop();
    },
  };
}
