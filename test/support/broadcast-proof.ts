/**
 * Plumbing for the broadcast proofs (test/process/broadcast-kill.process.test.ts and
 * test/bench/broadcast.bench.ts): many customers seeded in one INSERT, a fake Telegram with
 * flood control, worker processes spawned for real (so they can be SIGKILLed), a broadcast
 * confirmed through the domain functions in this process, and a recorder that reads every
 * send the fake answered, so "who got the broadcast how many times" comes from Telegram's
 * side, not from our own rows. Imports nothing from vitest: the bench runs outside it.
 */
import { startFakeTelegram, type ApiCall, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { broadcastEnqueuer } from "../../jobs/broadcast-runs.js";
import { createCore } from "../../ops/runtime.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { confirmBroadcast, createDraft, getBroadcast, updateDraft, type BroadcastStaff, type BroadcastView } from "../../shop/broadcasts/index.js";
import type { PrismaClient } from "../../db/client.js";
import { pollUntil, spawnService, type ServiceProcess } from "../process/helpers.js";
import { deleteKeys } from "./redis.js";
import { freePort, OWNER_ID, TEST_TOKEN, testEnv } from "./service.js";

/** First telegram_id of the seeded customers (ids FIRST+1 … FIRST+n). */
export const FIRST_CUSTOMER_ID = 7_100_000_000;

/** Inserts `count` customers (language 'id', distinct telegram ids) in one statement. */
export async function seedCustomers(prisma: PrismaClient, count: number): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO users (telegram_id, language, first_name, updated_at)
    SELECT ${FIRST_CUSTOMER_ID}::bigint + g, 'id', 'Pelanggan ' || g, now()
    FROM generate_series(1, ${count}::int) AS g`;
}

/** The owner's user row (OWNER_IDS of testEnv), as the staff that composes the broadcast. */
export async function ownerStaff(prisma: PrismaClient): Promise<BroadcastStaff> {
  const row = await prisma.user.upsert({
    where: { telegramId: BigInt(OWNER_ID) },
    create: { telegramId: BigInt(OWNER_ID), role: "OWNER", firstName: "Owner" },
    update: { role: "OWNER" },
  });
  return { userId: row.id, role: "OWNER" };
}

/** One send the fake answered that carried the broadcast's marker. */
export interface SendRecord {
  chatId: number;
  at: number;
  status: number;
  retryAfter?: number;
}

const isSend = (method: string) => /^(send|copy)/i.test(method) && method.toLowerCase() !== "sendchataction";

function carries(call: ApiCall, marker: string): boolean {
  const p = call.params;
  return [p.text, p.caption].some((v) => typeof v === "string" && v.includes(marker));
}

/**
 * Watches the fake's calls: every send carrying `marker` (the broadcast text), every 429 the fake
 * answered (any method: the progress edits count against the same global limit), and lets a
 * test act synchronously on the n-th delivered message (SIGKILL at an exact point).
 */
export class SendRecorder {
  readonly sends: SendRecord[] = [];
  readonly tooMany: Array<{ method: string; at: number; retryAfter?: number; broadcast: boolean }> = [];
  private delivered = 0;
  private readonly triggers: Array<{ at: number; fn: () => void }> = [];
  private readonly unsubscribe: () => void;

  constructor(
    fake: FakeTelegram,
    private readonly marker: string,
  ) {
    this.unsubscribe = fake.subscribe((e) => {
      if (e.type !== "call") return;
      const call = e.call;
      const broadcast = isSend(call.method) && carries(call, marker);
      const retryAfter = (call.response as { parameters?: { retry_after?: number } } | undefined)?.parameters?.retry_after;
      if (call.status === 429) this.tooMany.push({ method: call.method, at: call.at, retryAfter, broadcast });
      if (!broadcast) return;
      this.sends.push({ chatId: Number(call.params.chat_id), at: call.at, status: call.status, ...(retryAfter !== undefined ? { retryAfter } : {}) });
      if (call.status !== 200) return;
      this.delivered++;
      for (const t of this.triggers.filter((x) => x.at === this.delivered)) t.fn();
    });
  }

  /** Broadcast messages the fake delivered so far. */
  get deliveredCount(): number {
    return this.delivered;
  }

  /** Runs `fn` synchronously when the n-th broadcast message has been delivered. */
  onDelivered(n: number, fn: () => void): void {
    if (this.delivered >= n) fn();
    else this.triggers.push({ at: n, fn });
  }

  /** Delivered broadcast messages (status 200), in arrival order of their requests. */
  ok(): SendRecord[] {
    return this.sends.filter((s) => s.status === 200).sort((a, b) => a.at - b.at);
  }

  perChat(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const s of this.ok()) counts.set(s.chatId, (counts.get(s.chatId) ?? 0) + 1);
    return counts;
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** A delivery row as the worker left it. */
export interface DeliveryRow {
  telegramId: number;
  status: string;
  error: string | null;
}

export async function deliveryRows(prisma: PrismaClient, broadcastId: number): Promise<DeliveryRow[]> {
  const rows = await prisma.$queryRaw<Array<{ telegram_id: bigint; status: string; error: string | null }>>`
    SELECT u.telegram_id, d.status::text AS status, d.error
    FROM broadcast_deliveries d JOIN users u ON u.id = d.user_id
    WHERE d.broadcast_id = ${broadcastId}`;
  return rows.map((r) => ({ telegramId: Number(r.telegram_id), status: r.status, error: r.error }));
}

export function countByStatus(rows: Array<{ status: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** What the fake saw, checked against the rows: the numbers every proof reports. */
export interface DeliveryAudit {
  recipients: number;
  delivered: number;
  /** Chats that received the broadcast more than once. */
  duplicates: number[];
  /** Rows not UNCERTAIN whose chat got 0 messages (or a SENT row with none, a FAILED row with one …). */
  mismatched: Array<{ telegramId: number; status: string; messages: number }>;
  uncertain: number;
  uncertainDelivered: number;
  /** Rows FAILED whose error mentions 429 / Too Many Requests: a flood wait we did not honour. */
  failedOn429: number;
  byStatus: Record<string, number>;
  /** Chats that got the broadcast but have no delivery row (should be none). */
  strangers: number[];
  tooManyReceived: number;
  tooManyOnBroadcastSends: number;
}

/**
 * Every row must agree with Telegram's side: SENT ⇔ exactly one message, FAILED/BLOCKED ⇔ none,
 * UNCERTAIN ⇒ zero or one (a request in flight at SIGKILL; the Bot API has no idempotency key).
 */
export function auditDeliveries(rows: DeliveryRow[], recorder: SendRecorder): DeliveryAudit {
  const perChat = recorder.perChat();
  const mismatched: DeliveryAudit["mismatched"] = [];
  let uncertain = 0;
  let uncertainDelivered = 0;
  let failedOn429 = 0;
  const known = new Set<number>();
  for (const r of rows) {
    known.add(r.telegramId);
    const messages = perChat.get(r.telegramId) ?? 0;
    if (r.status === "UNCERTAIN") {
      uncertain++;
      if (messages === 1) uncertainDelivered++;
      if (messages > 1) mismatched.push({ telegramId: r.telegramId, status: r.status, messages });
    } else if ((r.status === "SENT") !== (messages === 1) || messages > 1) {
      mismatched.push({ telegramId: r.telegramId, status: r.status, messages });
    }
    if (r.status === "FAILED" && /429|too many requests|retry after/i.test(r.error ?? "")) failedOn429++;
  }
  return {
    recipients: rows.length,
    delivered: recorder.deliveredCount,
    duplicates: [...perChat].filter(([, n]) => n > 1).map(([chat]) => chat),
    mismatched,
    uncertain,
    uncertainDelivered,
    failedOn429,
    byStatus: countByStatus(rows),
    strangers: [...perChat.keys()].filter((chat) => !known.has(chat)),
    tooManyReceived: recorder.tooMany.length,
    tooManyOnBroadcastSends: recorder.tooMany.filter((t) => t.broadcast).length,
  };
}

export interface BroadcastRig {
  fake: FakeTelegram;
  env: Record<string, string>;
  core: ReturnType<typeof createCore>;
  prisma: PrismaClient;
  staff: BroadcastStaff;
  /** Spawns `node ops/main.ts worker` with the rig's env. */
  spawnWorker(): ServiceProcess;
  close(): Promise<void>;
}

/**
 * A fake Telegram (flood control on, chats created on first send) and, in this process, the
 * shop's core on `databaseUrl` with the env the worker processes get (same DB, Redis prefix).
 */
export async function startBroadcastRig(opts: {
  databaseUrl: string;
  prefix: string;
  rateLimit: { globalPerSecond: number; perChatPerSecond: number; retryAfterSeconds?: number };
  env?: Record<string, string>;
}): Promise<BroadcastRig> {
  const fake = await startFakeTelegram({ token: TEST_TOKEN, rateLimit: opts.rateLimit, autoCreateChats: true });
  fake.user(OWNER_ID, { firstName: "Owner" });
  const env = testEnv({ url: opts.databaseUrl } as Parameters<typeof testEnv>[0], opts.prefix, await freePort(), fake.url, {
    LOG_LEVEL: process.env.BROADCAST_PROOF_LOG_LEVEL ?? "info",
    ...opts.env,
  });
  const core = createCore(loadConfig(env), createLogger({ role: "test", level: "silent" }));
  const staff = await ownerStaff(core.prisma);
  return {
    fake,
    env,
    core,
    prisma: core.prisma,
    staff,
    spawnWorker: () => spawnService(["worker"], env),
    async close() {
      await core.queues.close();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
      await fake.stop();
      await deleteKeys(opts.prefix);
    },
  };
}

/** A message in the owner's chat for the worker to edit into the progress report. */
async function progressMessage(fake: FakeTelegram): Promise<{ chatId: number; messageId: number }> {
  const res = await fetch(fake.apiUrl("sendMessage"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ chat_id: OWNER_ID, text: "Menyiapkan siaran…" }),
  });
  const body = (await res.json()) as { ok: boolean; result?: { message_id: number }; description?: string };
  if (!body.ok || !body.result) throw new Error(`progress message not sent: ${body.description}`);
  return { chatId: OWNER_ID, messageId: body.result.message_id };
}

/** Composes, targets and confirms a broadcast (as the owner) through the domain functions. */
export async function confirmServiceBroadcast(rig: BroadcastRig, text: string): Promise<{ id: number; recipients: number }> {
  const { prisma, staff } = rig;
  const { id } = await createDraft(prisma, staff, { kind: "SERVICE", content: { text, entities: [], buttons: [] } });
  const updated = await updateDraft(prisma, staff, id, { audience: { kind: "ALL" } });
  if (!updated.ok) throw new Error(`updateDraft: ${updated.reason}`);
  const confirmed = await confirmBroadcast({ prisma, enqueueRun: broadcastEnqueuer(rig.core.queues) }, staff, id, await progressMessage(rig.fake));
  if (!confirmed.ok) throw new Error(`confirmBroadcast: ${confirmed.reason}`);
  if (confirmed.status !== "SENDING" || confirmed.already) throw new Error(`confirmBroadcast: ${JSON.stringify(confirmed)}`);
  return { id, recipients: confirmed.recipients };
}

/** Waits (polling Postgres) until the broadcast reaches `status`; fails early if a worker died. */
export async function waitForBroadcast(
  prisma: PrismaClient,
  id: number,
  until: (v: BroadcastView) => boolean,
  opts: { timeoutMs: number; what: string; workers?: ServiceProcess[] },
): Promise<BroadcastView> {
  return pollUntil(
    async () => {
      for (const w of opts.workers ?? []) {
        if (w.exitInfo() !== undefined) throw new Error(`worker exited while waiting for ${opts.what}\n${w.describe()}`);
      }
      const view = await getBroadcast(prisma, id);
      return view && until(view) ? view : undefined;
    },
    opts.timeoutMs,
    opts.what,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}${(opts.workers ?? []).map((w) => `\n${w.describe()}`).join("")}`);
  });
}

/** Messages per second between the first and last delivered send (`gapMs` taken out). */
export function sustainedRate(sends: SendRecord[], gapMs = 0): number {
  if (sends.length < 2) return 0;
  const span = sends[sends.length - 1]!.at - sends[0]!.at - gapMs;
  return span > 0 ? ((sends.length - 1) / span) * 1000 : 0;
}

/** The longest pause between two consecutive delivered sends, and where it is. */
export function longestGap(sends: SendRecord[]): { ms: number; before: number; after: number } {
  let best = { ms: 0, before: 0, after: 0 };
  for (let i = 1; i < sends.length; i++) {
    const ms = sends[i]!.at - sends[i - 1]!.at;
    if (ms > best.ms) best = { ms, before: sends[i - 1]!.at, after: sends[i]!.at };
  }
  return best;
}
