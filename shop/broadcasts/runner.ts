/**
 * One run of a broadcast: delivers its PENDING rows (or, for "unsend", deletes its delivered
 * messages) at the shared pace, until none is left or staff pause/cancel it.
 *
 * Exactly once, with Postgres as the truth: a row is claimed (PENDING → SENDING, stamped with
 * this run's lock token) right before its request and marked SENT with the message id right
 * after. A run that takes over from a killed one turns the dead run's SENDING rows into
 * UNCERTAIN: those requests had left, Telegram may have delivered them, and the Bot API has no
 * idempotency key to ask, so they are never sent again (a customer never gets a broadcast twice;
 * at most BROADCAST_CONCURRENCY rows per kill are reported as "uncertain").
 */
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { afterSend } from "../messages/after-send.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../messages/locale.js";
import type { Logger } from "../platform/logger.js";
import type { Metrics } from "../platform/metrics.js";
import { audit } from "../audit.js";
import type { BroadcastLimiter } from "./limiter.js";
import { reachable } from "./audience.js";
import { getBroadcast, startScheduled, storeCounts, type BroadcastView, type EnqueueRun } from "./lifecycle.js";
import { progressLocale, renderProgress, type ProgressStats } from "./progress.js";
import { classifySendError, sendBroadcastMessage, type SendOutcome } from "./send.js";

export interface RunnerDeps {
  prisma: PrismaClient;
  /** A Bot API client without automatic 429 retries: a 429 must hold every sender, not sleep one request. */
  api: Api;
  limiter: BroadcastLimiter;
  t: (locale: Locale, key: string, params?: Record<string, string | number>) => string;
  settings: { concurrency: number; progressEveryMs: number };
  enqueueRun: EnqueueRun;
  logger: Logger;
  metrics?: Metrics;
  /** How often a run re-reads its broadcast's status (pause/cancel), default 1 s. */
  statusEveryMs?: number;
  /** Sends of one row before it is recorded FAILED (5xx, refused connection), default 3. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** True once the process is shutting down (SIGTERM): the run hands its job back after the messages in flight, so a restart leaves nothing uncertain. */
  stopping?: () => boolean;
}

export interface RunPayload {
  broadcastId: number;
  task: "send" | "unsend";
  run: number;
}

export type RunResult = { skipped: string } | { stopped: "shutdown" } | { status: string; sent: number; failed: number; blocked: number; uncertain: number; held: number } | { deleted: number; left: number };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** First messages all refused with a 4xx (none delivered): the content is at fault, the broadcast pauses. */
const CONTENT_FAILURES_TO_PAUSE = 3;
/** A claim this old by another run is past any request (30 s timeout): that run died after this one started. */
const ORPHAN_AFTER_SECONDS = 90;
const ORPHAN_SWEEP_EVERY_MS = 30_000;

export async function runBroadcast(deps: RunnerDeps, payload: RunPayload, token: string): Promise<RunResult> {
  if (payload.task === "unsend") return runUnsend(deps, payload, token);
  if (payload.run === 0) {
    // The scheduled start: begins the first run (its own job, so a restart finds it like any run).
    const run = await startScheduled(deps.prisma, payload.broadcastId);
    if (run === null) return { skipped: "not due or not scheduled" };
    await deps.enqueueRun(payload.broadcastId, "send", run);
    return { skipped: `started run ${run}` };
  }
  return runSend(deps, payload, token);
}

interface Row {
  id: number;
  chatId: bigint;
  userId: number;
  language: string;
}

/** Rate over the last ~20 s of handled rows, for the progress message. */
class RateMeter {
  private samples: Array<{ at: number; done: number }> = [];
  /** Records how many are handled now; returns the rate per second over the samples kept. */
  add(done: number, at = Date.now()): number {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[0]!.at > 20_000) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (at - first.at) / 1000;
    return dt > 0 ? (done - first.done) / dt : 0;
  }
}


/**
 * Edits the progress message in place. A failed progress edit (deleted message, flood control)
 * only waits for the next one; the final report is worth waiting for: a 429 is waited out, twice.
 */
async function editProgress(deps: RunnerDeps, view: BroadcastView, stats: ProgressStats, final = false): Promise<void> {
  if (view.progressChatId === null || view.progressMessageId === null) return;
  const locale = await progressLocale(deps.prisma, view);
  const { text, keyboard } = renderProgress((k, p) => deps.t(locale, k, p), locale, view, stats);
  const sleep = deps.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      // An edit is a message to Telegram too: it takes a turn of the shared pace and of its chat
      // (a progress edit gives way to a busy chat: the next tick shows newer numbers anyway).
      if (!(await deps.limiter.turn(view.progressChatId, sleep, { skipIfBusy: !final }))) return;
      await deps.api.editMessageText(view.progressChatId, view.progressMessageId, text, { reply_markup: keyboard });
      return;
    } catch (err) {
      if (/not modified/i.test((err as Error).message)) return;
      const outcome = classifySendError(err);
      // No global hold for an edit's 429: edits keep to the pace, so it is this chat's own limit
      // (the bot's replies there do not go through the pace); a real flood shows on the sends.
      if (final && outcome.kind === "hold" && attempt < 2) {
        await sleep(outcome.retryAfterMs);
        continue;
      }
      deps.logger.debug({ err, broadcastId: view.id }, "broadcast progress not edited");
      return;
    }
  }
}

async function runSend(deps: RunnerDeps, payload: RunPayload, token: string): Promise<RunResult> {
  const { prisma, limiter } = deps;
  const sleep = deps.sleep ?? realSleep;
  const id = payload.broadcastId;
  const first = await getBroadcast(prisma, id);
  if (!first) return { skipped: "gone" };
  if (first.run !== payload.run) return { skipped: `superseded by run ${first.run}` };
  if (first.status !== "SENDING") return { skipped: `status ${first.status}` };
  const log = deps.logger.child({ broadcastId: id, run: payload.run });

  /**
   * Another run's requests in flight: maybe delivered, so never sent again. At the start that is
   * every one of them (this run took over, or resumed after a pause); later, only claims older than
   * any request can take, left by a run that died after this one started.
   */
  const sweepOrphans = async (olderThanSeconds: number) => {
    const orphaned = await prisma.$executeRaw`
      UPDATE broadcast_deliveries SET status = 'UNCERTAIN', error = coalesce(error, 'worker stopped while this message was being sent')
      WHERE broadcast_id = ${id} AND status = 'SENDING' AND claim_token IS DISTINCT FROM ${token}
        AND (${olderThanSeconds}::int = 0 OR claimed_at < now() - make_interval(secs => ${olderThanSeconds}::int))`;
    if (orphaned > 0) log.warn({ orphaned }, "broadcast rows left in flight by a stopped run are marked uncertain, never resent");
  };
  await sweepOrphans(0);
  let lastSweep = Date.now();

  const content = first.content;
  const paid = first.paid;
  const footers = new Map<string, string | undefined>();
  const footerFor = (language: string) => {
    if (first.kind !== "PROMO") return undefined;
    if (!footers.has(language)) footers.set(language, deps.t(isLocale(language) ? language : DEFAULT_LOCALE, "bc-promo-footer"));
    return footers.get(language);
  };
  const maxAttempts = deps.maxAttempts ?? 3;
  const state = { stop: null as string | null };
  const taken = new Set<number>();
  let buffer: Row[] = [];
  let cursor = 0;
  let refill: Promise<void> | null = null;
  const tally = { sent: 0, failed: 0, blocked: 0, uncertain: 0, held: 0 };

  const fill = async () => {
    // Who opted out of promos, was banned or blocked the bot since the start is left out now.
    await prisma.$executeRaw`
      UPDATE broadcast_deliveries d SET status = 'SKIPPED', error = 'no longer in the audience at its turn'
      FROM users u WHERE u.id = d.user_id AND d.broadcast_id = ${id} AND d.status = 'PENDING' AND NOT (${reachable(first.kind)})`;
    let rows = await fetchRows(cursor);
    if (rows.length === 0 && cursor > 0) {
      cursor = 0; // a pass is through: retries that came due, rows a busy chat deferred
      rows = await fetchRows(0);
    }
    if (rows.length > 0) cursor = rows[rows.length - 1]!.id;
    buffer = rows.filter((r) => !taken.has(r.id));
  };
  const fetchRows = async (after: number) =>
    (
      await prisma.$queryRaw<Array<{ id: number; chat_id: bigint; user_id: number; language: string }>>`
        SELECT d.id, d.chat_id, d.user_id, u.language FROM broadcast_deliveries d JOIN users u ON u.id = d.user_id
        WHERE d.broadcast_id = ${id} AND d.status = 'PENDING' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now()) AND d.id > ${after}
        ORDER BY d.id LIMIT 500`
    ).map((r) => ({ id: r.id, chatId: r.chat_id, userId: r.user_id, language: r.language }));

  /** The next row to send, "wait" (rows left but none ready), or "done". */
  const take = async (): Promise<Row | "wait" | "done"> => {
    for (;;) {
      const row = buffer.shift();
      if (row) {
        if (taken.has(row.id)) continue;
        taken.add(row.id);
        return row;
      }
      refill ??= fill().finally(() => (refill = null));
      await refill;
      if (buffer.length > 0) continue;
      if (Date.now() - lastSweep > ORPHAN_SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await sweepOrphans(ORPHAN_AFTER_SECONDS);
      }
      // Done when nothing is waiting and nothing is in flight, this run's or another's.
      const [left] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM broadcast_deliveries WHERE broadcast_id = ${id} AND status IN ('PENDING', 'SENDING')`;
      return Number(left?.n ?? 0) === 0 && taken.size === 0 ? "done" : "wait";
    }
  };

  /** A row's last word from this run: its state and Telegram's reason, counted in the metric. */
  const record = async (row: Row, status: "BLOCKED" | "FAILED" | "UNCERTAIN", reason: string) => {
    await afterSend(() => prisma.$executeRaw`UPDATE broadcast_deliveries SET status = ${status}::"BroadcastDeliveryStatus", error = ${reason} WHERE id = ${row.id} AND claim_token = ${token}`);
    deps.metrics?.broadcastMessages.inc({ outcome: status.toLowerCase() });
  };

  const settle = async (row: Row, outcome: SendOutcome, attempts: number) => {
    switch (outcome.kind) {
      case "hold": {
        tally.held++;
        const ms = await limiter.hold(outcome.retryAfterMs);
        await prisma.broadcast.updateMany({ where: { id }, data: { holdUntil: new Date(Date.now() + ms) } });
        // Not this row's fault: back in line, the attempt not counted.
        // (UNCERTAIN too: a run that started meanwhile marked it, but Telegram has just said it was not delivered.)
        await afterSend(() => prisma.$executeRaw`UPDATE broadcast_deliveries SET status = 'PENDING', attempts = greatest(attempts - 1, 0), claim_token = NULL WHERE id = ${row.id} AND claim_token = ${token} AND status IN ('SENDING', 'UNCERTAIN')`);
        log.warn({ retryAfterMs: outcome.retryAfterMs }, "Telegram flood control: every broadcast send holds");
        return;
      }
      case "blocked":
        tally.blocked++;
        await record(row, "BLOCKED", outcome.reason);
        await afterSend(() => prisma.$executeRaw`UPDATE users SET bot_blocked_at = now() WHERE id = ${row.userId} AND bot_blocked_at IS NULL`);
        return;
      case "failed":
        tally.failed++;
        await record(row, "FAILED", outcome.reason);
        // The message itself is refused (a bad file, a link Telegram rejects): it would fail for
        // everyone, so the broadcast pauses with Telegram's reason instead of burning the audience.
        if (tally.sent === 0 && tally.failed >= CONTENT_FAILURES_TO_PAUSE) await pauseForContent(outcome.reason);
        return;
      case "retry":
        if (attempts >= maxAttempts) {
          tally.failed++;
          await record(row, "FAILED", outcome.reason);
        } else {
          const backoffMs = 5_000 * 4 ** (attempts - 1);
          await afterSend(() => prisma.$executeRaw`UPDATE broadcast_deliveries SET status = 'PENDING', claim_token = NULL, error = ${outcome.reason}, next_attempt_at = now() + make_interval(secs => ${backoffMs / 1000}) WHERE id = ${row.id} AND claim_token = ${token} AND status IN ('SENDING', 'UNCERTAIN')`);
        }
        return;
      case "uncertain":
        tally.uncertain++;
        await record(row, "UNCERTAIN", outcome.reason);
        return;
    }
  };

  const pauseForContent = async (reason: string) => {
    if (state.stop) return;
    state.stop = "PAUSED";
    await prisma.$transaction(async (tx) => {
      const paused = await tx.broadcast.updateMany({ where: { id, status: "SENDING", run: payload.run }, data: { status: "PAUSED", pausedReason: reason } });
      if (paused.count === 1) await audit(tx, { actorType: "SYSTEM", action: "broadcast.pause", targetType: "broadcast", targetId: id, details: { reason, failedFirst: tally.failed } });
    });
    log.error({ reason }, "broadcast paused: Telegram refuses the message itself");
  };

  const lane = async () => {
    while (!state.stop) {
      if (deps.stopping?.()) {
        state.stop = "shutdown";
        return;
      }
      const row = await take();
      if (row === "done") return;
      if (row === "wait") {
        await sleep(500);
        continue;
      }
      let requeued = false;
      try {
        const slot = await limiter.acquire(row.chatId, paid);
        if ("chatBusyMs" in slot) {
          // Another message to this chat went out less than a second ago: later, in the next pass.
          continue;
        }
        if (slot.waitMs > 0) await sleep(slot.waitMs);
        // The departure is taken (counted) before the claim: any wait for it happens with the row
        // still PENDING, so a kill never leaves a row "in flight" that was only waiting. The claim's
        // few milliseconds between the two fall inside the window's margin (limiter.ts).
        const departure = await limiter.departWhenClear(sleep, paid);
        if (departure === null) {
          requeued = true;
          taken.delete(row.id);
          buffer.unshift(row);
          continue;
        }
        if (deps.stopping?.()) state.stop = "shutdown";
        if (state.stop) return;
        const [claim] = await prisma.$queryRaw<{ attempts: number }[]>`
          UPDATE broadcast_deliveries SET status = 'SENDING', claim_token = ${token}, claimed_at = now(), attempts = attempts + 1
          WHERE id = ${row.id} AND status = 'PENDING' RETURNING attempts`;
        if (!claim) continue; // someone else's now
        await limiter.restamp(departure, paid);
        try {
          const msg = await sendBroadcastMessage(deps.api, Number(row.chatId), content, { paid, footer: footerFor(row.language) });
          await afterSend(() => prisma.$executeRaw`
            UPDATE broadcast_deliveries SET status = 'SENT', message_id = ${msg.message_id}, sent_at = now(), error = NULL
            WHERE id = ${row.id} AND claim_token = ${token} AND status IN ('SENDING', 'UNCERTAIN')`);
          tally.sent++;
          deps.metrics?.broadcastMessages.inc({ outcome: "sent" });
        } catch (err) {
          await settle(row, classifySendError(err), claim.attempts);
        }
      } finally {
        if (!requeued) taken.delete(row.id);
      }
    }
  };
  let failure: unknown;
  const guardedLane = () =>
    lane().catch((err: unknown) => {
      // Postgres or Redis gone: every lane stops, the job fails and BullMQ retries it (same run).
      failure ??= err;
      state.stop = "error";
    });

  const meter = new RateMeter();
  const progressTick = async () => {
    const view = await getBroadcast(prisma, id);
    if (!view) return;
    const c = view.counts;
    const rate = meter.add(c.sent + c.failed + c.blocked + c.uncertain + c.deleted);
    const remaining = c.pending + c.sending;
    await editProgress(deps, view, { ratePerSecond: rate, etaSeconds: rate > 0 ? remaining / rate : null });
  };
  let lanesDone = false;
  const watcher = (async () => {
    let lastProgress = 0;
    while (!lanesDone) {
      await sleep(deps.statusEveryMs ?? 1_000);
      if (lanesDone) break;
      try {
        const row = await prisma.broadcast.findUnique({ where: { id }, select: { status: true, run: true } });
        if (!row || row.status !== "SENDING") state.stop = row?.status ?? "gone";
        else if (row.run !== payload.run) state.stop = "superseded";
        if (Date.now() - lastProgress >= deps.settings.progressEveryMs) {
          lastProgress = Date.now();
          await progressTick();
        }
      } catch (err) {
        log.warn({ err }, "broadcast status check failed; trying again");
      }
    }
  })();

  // No edit right away: the chat just got the card (the confirm), and Telegram allows one message
  // per chat per second; the first progress edit comes with the first tick.
  try {
    await Promise.all(Array.from({ length: Math.max(1, deps.settings.concurrency) }, () => guardedLane()));
  } finally {
    lanesDone = true;
    await watcher;
  }
  if (failure) throw failure;

  if (state.stop === "superseded" || state.stop === "gone") return { skipped: state.stop };
  if (state.stop === "shutdown") {
    log.info("broadcast run handed back for shutdown; the next worker carries on");
    return { stopped: "shutdown" };
  }
  let status: string = state.stop ?? "SENDING";
  if (!state.stop) {
    const finishedAt = new Date();
    const done = await prisma.$transaction(async (tx) => {
      const [open] = await tx.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM broadcast_deliveries WHERE broadcast_id = ${id} AND status IN ('PENDING', 'SENDING')`;
      if (Number(open?.n ?? 0) > 0) return null;
      const changed = await tx.broadcast.updateMany({ where: { id, status: "SENDING", run: payload.run }, data: { status: "DONE", finishedAt, holdUntil: null } });
      if (changed.count === 0) return null;
      const counts = await storeCounts(tx, id);
      await audit(tx, { actorType: "SYSTEM", action: "broadcast.finish", targetType: "broadcast", targetId: id, details: { counts: { ...counts }, seconds: first.startedAt ? Math.round((finishedAt.getTime() - first.startedAt.getTime()) / 1000) : null } });
      return counts;
    });
    status = done ? "DONE" : "changed";
    if (done) log.info({ counts: done }, "broadcast finished");
  } else {
    await storeCounts(prisma, id);
  }
  const final = await getBroadcast(prisma, id);
  if (final) await editProgress(deps, final, { ratePerSecond: 0, etaSeconds: null }, true);
  return { status, ...tally };
}

/** Deletes the delivered messages of a broadcast that staff unsent (48 hours at most after each was sent). */
async function runUnsend(deps: RunnerDeps, payload: RunPayload, _token: string): Promise<RunResult> {
  const { prisma, limiter } = deps;
  const sleep = deps.sleep ?? realSleep;
  const id = payload.broadcastId;
  const first = await getBroadcast(prisma, id);
  if (!first) return { skipped: "gone" };
  if (first.run !== payload.run || !first.unsentAt) return { skipped: "superseded" };
  let deleted = 0;
  let lastProgress = Date.now();
  for (;;) {
    const rows = await prisma.$queryRaw<Array<{ id: number; chat_id: bigint; message_id: number }>>`
      SELECT id, chat_id, message_id FROM broadcast_deliveries
      WHERE broadcast_id = ${id} AND status = 'SENT' AND message_id IS NOT NULL AND deleted_at IS NULL AND sent_at > now() - interval '48 hours'
      ORDER BY id LIMIT 200`;
    if (rows.length === 0) break;
    await Promise.all(
      chunk(rows, Math.ceil(rows.length / Math.max(1, deps.settings.concurrency))).map(async (part) => {
        for (const row of part) {
          // A turn of the shared pace, as sends take (taken again after a busy chat or a hold).
          await limiter.turn(row.chat_id, sleep);
          try {
            await deps.api.deleteMessage(Number(row.chat_id), row.message_id);
            await prisma.$executeRaw`UPDATE broadcast_deliveries SET status = 'DELETED', deleted_at = now() WHERE id = ${row.id}`;
            deleted++;
          } catch (err) {
            const outcome = classifySendError(err);
            if (outcome.kind === "hold") {
              await limiter.hold(outcome.retryAfterMs);
              continue; // picked up again by the next batch
            }
            if (outcome.kind === "retry" || outcome.kind === "uncertain") throw err; // the job's retry takes it from here
            // Gone already (the customer deleted it, blocked the bot): nothing left to delete.
            await prisma.$executeRaw`UPDATE broadcast_deliveries SET deleted_at = now(), error = ${`not deleted: ${outcome.reason}`} WHERE id = ${row.id}`;
          }
        }
      }),
    );
    if (Date.now() - lastProgress >= deps.settings.progressEveryMs) {
      lastProgress = Date.now();
      const view = await getBroadcast(prisma, id);
      if (view) await editProgress(deps, view, { ratePerSecond: 0, etaSeconds: null });
    }
  }
  const [left] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM broadcast_deliveries WHERE broadcast_id = ${id} AND status = 'SENT' AND deleted_at IS NULL`;
  const total = await prisma.broadcast.update({ where: { id }, data: { unsentCount: { increment: deleted } }, select: { unsentCount: true } });
  await audit(prisma, { actorType: "SYSTEM", action: "broadcast.unsent", targetType: "broadcast", targetId: id, details: { deleted: total.unsentCount, left: Number(left?.n ?? 0) } });
  const view = await getBroadcast(prisma, id);
  if (view) await editProgress(deps, view, { ratePerSecond: 0, etaSeconds: null }, true);
  return { deleted, left: Number(left?.n ?? 0) };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
