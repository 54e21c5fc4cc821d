import { hostname } from "node:os";
import type { Update } from "grammy/types";
import { Prisma, type PrismaClient } from "../db/client.js";
import { acquireLease, releaseLease, renewLease, type Lease } from "../shop/leases.js";
import type { Logger } from "../shop/platform/logger.js";
import type { Metrics } from "../shop/platform/metrics.js";
import { handlingUpdate } from "./storage.js";

/**
 * The bot's inbox in webhook mode, for several bot processes behind a load balancer.
 *
 * Why: grammY's `sequentialize` orders one chat's updates inside ONE process. With two processes,
 * Telegram's next update of a chat (sent as soon as the previous request was answered) may reach
 * the other process while the first is still being handled: two handlers then read and write the
 * same session and conversation state at once, and the chat sees its answers out of order. A
 * redelivery (Telegram retries an update it saw no answer for) may also land on another process.
 *
 * How:
 * - `receive` writes the update to `telegram_updates` (its update_id is the primary key: a copy
 *   arriving at any process is a no-op) and the webhook answers 200 only after that commit. Telegram
 *   sends a chat's updates one at a time, each after the previous one was answered, so within a chat
 *   update_id order is arrival order.
 * - `kick` drains the chat: whoever takes the Postgres lease `tg-chat:<key>` handles the chat's
 *   PENDING rows one at a time, lowest update_id first, and marks each DONE (with its place in a
 *   global sequence, so the order can be checked afterwards). A process that cannot take the lease
 *   does nothing: the holder sees the new row, because it releases the lease and only THEN looks
 *   for more rows (a row committed before our failed attempt is visible to that last look).
 * - A process that dies mid-update leaves its row PENDING and its lease lapses (LEASE_TTL_MS): the
 *   sweeper of any bot process picks the chat up, the update is handled again (at least once;
 *   everything that moves money or servers is idempotent in shop/), and after MAX_ATTEMPTS starts
 *   that did not finish it is set aside as FAILED so one poison update cannot block its chat.
 * - A process that stalls past its lease (a long pause, cut off from Postgres) and wakes up: before
 *   each next update it confirms the lease when its renewals have gone unheard for too long, and
 *   stops if another process took the chat. What it was writing when it stalled carries the lease's
 *   fencing token (`Lease.fence`), older than its successor's: the chat's stored state refuses it
 *   (bot/storage.ts), so a late write cannot put an older conversation step back.
 * Postgres, not Redis, holds the inbox: Redis may lose everything at any moment; an update Telegram
 * was told we have must not be lost with it.
 */
export const LEASE_TTL_MS = 20_000;
/** This process, as `handled_by` and pins name it. */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}`.slice(0, 120);
/** A pinned chat goes back to every process this long after its process stopped renewing the pin. */
export const PIN_TTL_MS = 60_000;
/** Starts of one update that did not finish (its process died, or it failed outside the bot's error boundary) before it is set aside. */
export const MAX_ATTEMPTS = 3;
/** How often every bot process looks for chats whose rows nobody is draining. */
export const SWEEP_EVERY_MS = 3_000;
/** A PENDING row younger than this is left to the process that received it. */
const STRANDED_AFTER_MS = 2_000;
/** Handled rows are kept this long: Telegram's redeliveries arrive within minutes; a day is ample. */
const KEEP_HANDLED_MS = 24 * 3_600_000;
const PURGE_EVERY_MS = 10 * 60_000;
/** Rows read per round trip while draining one chat. */
const BATCH = 10;

/**
 * The key a chat's updates are ordered by: the chat, else the user (an inline callback has no
 * chat), else the update alone (no order to keep). The bot's session key (bot/index.ts chatKey) is
 * the chat id, so one lease covers everything that shares state.
 */
export function updateChatKey(update: Update): string {
  const u = update as unknown as Record<string, { chat?: { id: number }; from?: { id: number }; message?: { chat?: { id: number } }; user?: { id: number } } | undefined>;
  for (const kind of ["message", "edited_message", "channel_post", "edited_channel_post", "business_message", "edited_business_message", "my_chat_member", "chat_member", "chat_join_request", "message_reaction", "chat_boost"]) {
    const id = u[kind]?.chat?.id;
    if (id !== undefined) return String(id);
  }
  const cb = u.callback_query;
  if (cb?.message?.chat?.id !== undefined) return String(cb.message.chat.id);
  for (const value of Object.values(u)) {
    if (typeof value !== "object" || value === null) continue;
    const from = value.from?.id ?? value.user?.id;
    if (from !== undefined) return `u${from}`;
  }
  return `x${update.update_id}`;
}

export interface InboxOptions {
  /**
   * Whether an earlier, unfinished start of this update already wrote the chat's stored state
   * (bot/storage.ts stamps each write with the update being handled). Then it is not handled again:
   * a conversation would take the same answer twice. Its replies went out before that write.
   */
  stateWritten?: (chatKey: string, updateId: number) => Promise<boolean>;
  /** Shown in `handled_by`, e.g. "web-1:4242". */
  holder?: string;
  leaseTtlMs?: number;
  sweepEveryMs?: number;
  maxAttempts?: number;
  /** Monotonic milliseconds (performance.now); a test moves it to stand for a long pause of this process. */
  clock?: () => number;
}

interface Row {
  update_id: bigint;
  /** JSON text: jsonb would refuse a \u0000 or a lone surrogate that a user may well type. */
  payload: string;
}

export class UpdateInbox {
  private readonly holder: string;
  private readonly leaseTtlMs: number;
  private readonly sweepEveryMs: number;
  private readonly maxAttempts: number;
  private readonly stateWritten: InboxOptions["stateWritten"];
  private readonly clock: () => number;
  /** Chats this process is draining now (one drain per chat per process). */
  private readonly draining = new Map<string, Promise<void>>();
  /** Chats kicked while their drain was running: that drain may be past its last look, so it runs again. */
  private readonly kickedAgain = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastPurge = 0;
  private stopped = false;
  private ready = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly handle: (update: Update) => Promise<void>,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    opts: InboxOptions = {},
  ) {
    this.holder = (opts.holder ?? PROCESS_HOLDER).slice(0, 120);
    this.leaseTtlMs = opts.leaseTtlMs ?? LEASE_TTL_MS;
    this.sweepEveryMs = opts.sweepEveryMs ?? SWEEP_EVERY_MS;
    this.maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;
    this.stateWritten = opts.stateWritten;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /**
   * Records an update once. Returns false for an update_id already recorded (a redelivery, here or
   * at another process): it is handled, or will be, by whoever holds its chat.
   */
  async receive(update: Update): Promise<{ fresh: boolean; chatKey: string }> {
    const chatKey = updateChatKey(update);
    const n = await this.prisma.$executeRaw`
      INSERT INTO telegram_updates (update_id, chat_key, payload)
      VALUES (${BigInt(update.update_id)}, ${chatKey}, ${JSON.stringify(update)})
      ON CONFLICT (update_id) DO NOTHING`;
    if (n === 0) this.metrics.botUpdates.inc({ outcome: "duplicate" });
    return { fresh: n > 0, chatKey };
  }

  /** Starts handling: drains whatever is waiting, then sweeps every few seconds. Call once the bot can handle updates. */
  start(): void {
    if (this.ready || this.stopped) return;
    this.ready = true;
    const tick = () => {
      this.sweepTimer = setTimeout(() => {
        void this.sweep().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.sweepEveryMs);
      this.sweepTimer.unref();
    };
    void this.sweep(0).finally(() => {
      if (!this.stopped) tick();
    });
  }

  /** Drains the chat in the background unless this process is already draining it. */
  kick(chatKey: string): void {
    if (!this.ready || this.stopped) return;
    if (this.draining.has(chatKey)) {
      // The running drain may already be past its last look for rows (or about to give up the
      // chat to another holder): it runs once more when it ends, so this row is not left waiting
      // for the sweeper. (Telegram sends a chat's next update right after the previous answer.)
      this.kickedAgain.add(chatKey);
      return;
    }
    const drain = (async () => {
      do {
        this.kickedAgain.delete(chatKey);
        await this.drain(chatKey).catch((err: unknown) => this.logger.error({ err, chatKey }, "inbox drain failed; the sweeper retries"));
      } while (this.kickedAgain.has(chatKey) && !this.stopped);
    })().finally(() => this.draining.delete(chatKey));
    this.draining.set(chatKey, drain);
  }

  /** Stops taking new chats and waits for the drains in progress (each finishes its current update). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await Promise.allSettled([...this.draining.values()]);
  }

  /** Chats with rows nobody has started for a while (their process died, or a kick was lost). */
  private async sweep(olderThanMs = STRANDED_AFTER_MS): Promise<void> {
    if (this.stopped) return;
    try {
      const chats = await this.prisma.$queryRaw<{ chat_key: string }[]>`
        SELECT DISTINCT chat_key FROM telegram_updates
        WHERE status = 'PENDING' AND received_at < now() - ${olderThanMs} * interval '1 millisecond'
        LIMIT 200`;
      // Pins this process holds stay while it lives (renewed here), and lapse PIN_TTL_MS after it dies.
      await this.prisma.$executeRaw`
        UPDATE leases SET expires_at = now() + ${PIN_TTL_MS} * interval '1 millisecond'
        WHERE key LIKE 'tg-pin:%' AND holder = ${this.holder} AND expires_at > now()`;
      for (const { chat_key } of chats) this.kick(chat_key);
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        const purged = await this.prisma.$executeRaw`
          DELETE FROM telegram_updates WHERE update_id IN (
            SELECT update_id FROM telegram_updates
            WHERE status <> 'PENDING' AND received_at < now() - ${KEEP_HANDLED_MS} * interval '1 millisecond'
            LIMIT 5000)`;
        if (purged > 0) this.logger.debug({ purged }, "old handled updates purged from the inbox");
      }
    } catch (err) {
      this.logger.warn({ err }, "inbox sweep failed; next one in a few seconds");
    }
  }

  private async drain(chatKey: string): Promise<void> {
    for (;;) {
      const asked = this.clock();
      const lease = await acquireLease(this.prisma, `tg-chat:${chatKey}`, this.leaseTtlMs);
      if (!lease) return; // Another process drains this chat and will see our row (see the class comment).
      let blocked = false;
      try {
        blocked = await this.drainHeld(chatKey, lease, asked + this.leaseTtlMs);
      } finally {
        await releaseLease(this.prisma, lease).catch(() => undefined);
      }
      // A row handled with an error outside the bot's boundary (Postgres down) waits for the sweeper.
      if (blocked || this.stopped) return;
      const more = await this.prisma.$queryRaw<{ more: boolean }[]>`
        SELECT EXISTS (SELECT 1 FROM telegram_updates WHERE chat_key = ${chatKey} AND status = 'PENDING') AND NOT ${this.pinnedElsewhere(chatKey)} AS more`;
      if (!more[0]?.more) return;
    }
  }

  /**
   * SQL: the chat is pinned to another live process (a restore from the chat keeps the pasted key
   * and the forwarded parts there), which its sweeper picks the updates up for. Read under the
   * chat's lease, in the same statement as the rows: a pin is only taken while handling an update,
   * i.e. under this lease, so it cannot appear between two reads of one drain.
   */
  private pinnedElsewhere(chatKey: string): Prisma.Sql {
    return Prisma.sql`EXISTS (SELECT 1 FROM leases WHERE key = ${`tg-pin:${chatKey}`} AND expires_at > now() AND holder <> ${this.holder})`;
  }

  /**
   * Handles the chat's rows in order while the lease holds; true when it had to stop early.
   * `heldUntil`: when the lease lapses unless renewed, on this process' clock (counted from before
   * it was asked for, so never later than Postgres' own expiry).
   */
  private async drainHeld(chatKey: string, lease: Lease, heldUntil: number): Promise<boolean> {
    let lost = false;
    const renewed = (held: boolean, asked: number) => {
      if (!held) lost = true;
      else heldUntil = Math.max(heldUntil, asked + this.leaseTtlMs);
    };
    const renew = setInterval(() => {
      const asked = this.clock();
      renewLease(this.prisma, lease, this.leaseTtlMs).then(
        (held) => renewed(held, asked),
        () => {
          lost = true;
        },
      );
    }, Math.max(500, Math.floor(this.leaseTtlMs / 3)));
    renew.unref();
    try {
      for (;;) {
        const rows = await this.prisma.$queryRaw<Row[]>`
          SELECT update_id, payload FROM telegram_updates
          WHERE chat_key = ${chatKey} AND status = 'PENDING' AND NOT ${this.pinnedElsewhere(chatKey)}
          ORDER BY update_id LIMIT ${BATCH}`;
        if (rows.length === 0) return false;
        for (const row of rows) {
          // Lost (a renewal failed or another process took over): stop before the next update; the
          // current one, if any, has finished. Shutting down: the rest is left for the others.
          if (lost || this.stopped) return true;
          // Close to lapsing with no renewal heard of: this process was paused (a long GC, a stopped
          // VM) or Postgres is slow, and the timer's renewal may not even have been sent. Another
          // process may have taken the chat meanwhile: ask before handling one more update under it.
          if (this.clock() >= heldUntil - this.leaseTtlMs / 3) {
            const asked = this.clock();
            renewed(await renewLease(this.prisma, lease, this.leaseTtlMs).catch(() => false), asked);
            if (lost) return true;
          }
          if (!(await this.handleRow(chatKey, row, lease.fence))) return true;
        }
      }
    } finally {
      clearInterval(renew);
    }
  }

  /** One update; false when it could not be finished (it stays PENDING for a later attempt). */
  private async handleRow(chatKey: string, row: Row, fence: number): Promise<boolean> {
    const started = await this.prisma.$queryRaw<{ attempts: number }[]>`
      UPDATE telegram_updates SET attempts = attempts + 1
      WHERE update_id = ${row.update_id} AND status = 'PENDING' RETURNING attempts`;
    const attempts = started[0]?.attempts;
    if (attempts === undefined) return true; // finished meanwhile
    if (attempts > this.maxAttempts) {
      await this.prisma.$executeRaw`
        UPDATE telegram_updates SET status = 'FAILED', handled_at = now(), handled_by = ${this.holder},
          last_error = ${`set aside after ${attempts - 1} starts that did not finish (the process handling it stopped, or handling failed outside the bot's error boundary)`}
        WHERE update_id = ${row.update_id} AND status = 'PENDING'`;
      this.metrics.botUpdates.inc({ outcome: "set_aside" });
      this.logger.error({ updateId: Number(row.update_id), attempts: attempts - 1 }, "update set aside: no attempt to handle it finished");
      return true;
    }
    const updateId = Number(row.update_id);
    if (attempts > 1) {
      if (await this.stateWritten?.(chatKey, updateId)) {
        await this.markDone(row.update_id, "an earlier start wrote the chat's state before its process stopped; not applied twice");
        this.logger.warn({ updateId, attempt: attempts }, "update already applied by an earlier start; marked done");
        return true;
      }
      this.logger.warn({ updateId, attempt: attempts }, "handling an update again: an earlier start did not finish");
    }
    try {
      await handlingUpdate.run({ updateId, fence }, () => this.handle(JSON.parse(row.payload) as Update));
    } catch (err) {
      // The bot's error boundary catches what handlers throw; what reaches here failed around it.
      this.logger.error({ err, updateId: Number(row.update_id) }, "update could not be handled; it stays in the inbox");
      await this.prisma.$executeRaw`
        UPDATE telegram_updates SET last_error = ${String((err as Error)?.message ?? err).slice(0, 500)} WHERE update_id = ${row.update_id}`.catch(() => undefined);
      return false;
    }
    await this.markDone(row.update_id, null);
    return true;
  }

  private async markDone(updateId: bigint, note: string | null): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE telegram_updates SET status = 'DONE', handled_at = now(), handled_by = ${this.holder},
        handled_seq = nextval('telegram_updates_handled_seq'), last_error = ${note}
      WHERE update_id = ${updateId} AND status = 'PENDING'`;
  }
}

/**
 * Keeps a chat's updates in THIS process until `unpinChat` (or PIN_TTL_MS after this process dies):
 * for a flow that holds something only this process has, like the backup secret key pasted into a
 * restore, which is never written anywhere. Without several bot processes it changes nothing.
 */
export async function pinChat(prisma: PrismaClient, chatId: number, holder = PROCESS_HOLDER): Promise<boolean> {
  return (await acquireLease(prisma, `tg-pin:${chatId}`, PIN_TTL_MS, holder)) !== null;
}

export async function unpinChat(prisma: PrismaClient, chatId: number, holder = PROCESS_HOLDER): Promise<void> {
  await releaseLease(prisma, { key: `tg-pin:${chatId}`, holder });
}
