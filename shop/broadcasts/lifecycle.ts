/**
 * A broadcast's life, as staff drive it: a draft (content, audience, buttons, schedule, paid
 * option), then confirmed (started now, or SCHEDULED), paused and resumed, cancelled, and
 * "unsent" within Telegram's 48 hours. Each transition is one conditional update under the row's
 * lock, audited in the same transaction, so a double tap changes nothing the second time. The
 * delivery itself is jobs/processors/broadcast.processor.ts → runner.ts.
 */
import type { Db, Prisma, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { countAudience, materializeRecipients } from "./audience.js";
import {
  audienceColumns,
  audienceFrom,
  buttonsFrom,
  validAudience,
  validateContent,
  type Audience,
  type BroadcastContent,
  type BroadcastKind,
} from "./content.js";

/** Who acts (what `staffActor(user, "broadcast.send")` returns). */
export interface BroadcastStaff {
  userId: number;
  role: "SELLER" | "OWNER";
}

/** Enqueues a run of a broadcast (jobs/broadcast-runs.ts; the job id is broadcast-<id>-<run>). */
export type EnqueueRun = (broadcastId: number, task: "send" | "unsend", run: number, delayMs?: number) => Promise<unknown>;

export interface LifecycleDeps {
  prisma: PrismaClient;
  enqueueRun: EnqueueRun;
  now?: () => Date;
}

/**
 * Queues a run after its transaction committed. When Redis is away the state change stands and
 * the recovery sweep (every minute, from Postgres) queues the run, so the tap is not an error.
 */
async function queueRun(deps: LifecycleDeps, id: number, task: "send" | "unsend", run: number, delayMs?: number): Promise<void> {
  await deps.enqueueRun(id, task, run, delayMs).catch(() => undefined);
}

export type BroadcastStatus = "DRAFT" | "SCHEDULED" | "SENDING" | "PAUSED" | "DONE" | "CANCELLED";

export interface BroadcastCounts {
  total: number;
  pending: number;
  /** Handed to Telegram by a live run, answer not back yet. */
  sending: number;
  sent: number;
  failed: number;
  blocked: number;
  uncertain: number;
  deleted: number;
  /** Left out at their turn: opted out of promos, banned, or blocked the bot since the start. */
  skipped: number;
  /** Of `sent`: still to delete by a running unsend (sent less than 48 hours ago). */
  toDelete: number;
  /** Of `sent`: an unsend could not delete them (the customer deleted the chat, blocked the bot, too old). */
  undeletable: number;
}

export interface BroadcastView {
  id: number;
  kind: BroadcastKind;
  status: BroadcastStatus;
  content: BroadcastContent;
  audience: Audience | null;
  paid: boolean;
  scheduledAt: Date | null;
  createdById: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  unsentAt: Date | null;
  unsentCount: number;
  holdUntil: Date | null;
  pausedReason: string | null;
  run: number;
  counts: BroadcastCounts;
  progressChatId: number | null;
  progressMessageId: number | null;
}

/** Telegram lets a bot delete its messages in a private chat for 48 hours. */
export const UNSEND_WINDOW_MS = 48 * 3600_000;
const actorType = (s: BroadcastStaff) => (s.role === "OWNER" ? "OWNER" : "SELLER");

function auditBroadcast(db: Db, staff: BroadcastStaff | null, action: string, id: number, details: Prisma.InputJsonObject) {
  return audit(db, { actorUserId: staff?.userId ?? null, actorType: staff ? actorType(staff) : "SYSTEM", action, targetType: "broadcast", targetId: id, details });
}

/** What the audit keeps of the message: its whole text, the links hidden behind words, the photo, the buttons. */
function contentForAudit(c: BroadcastContent): Prisma.InputJsonObject {
  const links = c.entities.flatMap((e) => (e.type === "text_link" ? [`${c.text.slice(e.offset, e.offset + e.length)} → ${e.url}`] : []));
  return {
    text: c.text,
    ...(links.length ? { links } : {}),
    photo: c.photoFileId ?? null,
    buttons: c.buttons.map((b) => (b.kind === "url" ? `${b.text} → ${b.url}` : `${b.text} → catalog`)),
  };
}

/** Thrown by createDraft for content validateContent refuses (the chat checks it first and says why). */
export class InvalidContentError extends Error {
  constructor(readonly reason: string) {
    super(`invalid broadcast content: ${reason}`);
  }
}

export async function createDraft(prisma: PrismaClient, staff: BroadcastStaff, input: { kind: BroadcastKind; content: BroadcastContent }): Promise<{ id: number }> {
  const valid = validateContent(input.content);
  if (!valid.ok) throw new InvalidContentError(valid.reason);
  const row = await prisma.broadcast.create({
    data: {
      createdById: staff.userId,
      kind: input.kind,
      text: input.content.text,
      entities: input.content.entities as unknown as Prisma.InputJsonArray,
      photoFileId: input.content.photoFileId ?? null,
      buttons: input.content.buttons as unknown as Prisma.InputJsonArray,
      audience: "",
    },
    select: { id: true },
  });
  return { id: row.id };
}

export type DraftPatch = { content?: BroadcastContent; audience?: Audience; kind?: BroadcastKind; paid?: boolean; scheduledAt?: Date | null };

/** Changes a draft; `paid` only by an owner (it spends the bot's Stars). */
export async function updateDraft(
  prisma: PrismaClient,
  staff: BroadcastStaff,
  id: number,
  patch: DraftPatch,
): Promise<{ ok: true } | { ok: false; reason: "not_found" | "not_draft" | "owner_only" | "invalid" }> {
  if (patch.paid !== undefined && staff.role !== "OWNER") return { ok: false, reason: "owner_only" };
  if (patch.content && !validateContent(patch.content).ok) return { ok: false, reason: "invalid" };
  if (patch.audience && !validAudience(patch.audience)) return { ok: false, reason: "invalid" };
  const data: Prisma.BroadcastUpdateManyMutationInput = {};
  if (patch.content) {
    data.text = patch.content.text;
    data.entities = patch.content.entities as unknown as Prisma.InputJsonArray;
    data.photoFileId = patch.content.photoFileId ?? null;
    data.buttons = patch.content.buttons as unknown as Prisma.InputJsonArray;
  }
  if (patch.audience) Object.assign(data, audienceColumns(patch.audience));
  if (patch.kind) data.kind = patch.kind;
  if (patch.paid !== undefined) data.paid = patch.paid;
  if (patch.scheduledAt !== undefined) data.scheduledAt = patch.scheduledAt;
  const changed = await prisma.$transaction(async (tx) => {
    const before = patch.paid !== undefined ? await tx.broadcast.findUnique({ where: { id }, select: { paid: true } }) : null;
    const n = await tx.broadcast.updateMany({ where: { id, status: "DRAFT" }, data });
    // Paid spends the bot's Stars: its switch is audited as it happens.
    if (n.count === 1 && before && before.paid !== patch.paid) await auditBroadcast(tx, staff, "broadcast.paid", id, { before: before.paid, after: patch.paid ?? false });
    return n;
  });
  if (changed.count === 1) return { ok: true };
  const exists = await prisma.broadcast.findUnique({ where: { id }, select: { id: true } });
  return { ok: false, reason: exists ? "not_draft" : "not_found" };
}

const VIEW_SELECT = {
  id: true,
  kind: true,
  status: true,
  text: true,
  entities: true,
  photoFileId: true,
  buttons: true,
  audience: true,
  audienceParam: true,
  paid: true,
  scheduledAt: true,
  createdById: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  unsentAt: true,
  unsentCount: true,
  holdUntil: true,
  pausedReason: true,
  run: true,
  progressChatId: true,
  progressMessageId: true,
} as const;

type ViewRow = Prisma.BroadcastGetPayload<{ select: typeof VIEW_SELECT }>;

/** Delivery rows of a broadcast by state. */
export async function deliveryCounts(db: Db, id: number): Promise<BroadcastCounts> {
  const rows = await db.$queryRaw<{ status: string; n: bigint; to_delete: bigint; undeletable: bigint }[]>`
    SELECT status::text AS status, count(*) AS n,
      count(*) FILTER (WHERE status = 'SENT' AND message_id IS NOT NULL AND deleted_at IS NULL AND sent_at > now() - interval '48 hours') AS to_delete,
      count(*) FILTER (WHERE status = 'SENT' AND deleted_at IS NOT NULL) AS undeletable
    FROM broadcast_deliveries WHERE broadcast_id = ${id} GROUP BY status`;
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
  const sent = rows.find((r) => r.status === "SENT");
  const counts = {
    pending: by.PENDING ?? 0,
    sending: by.SENDING ?? 0,
    sent: by.SENT ?? 0,
    failed: by.FAILED ?? 0,
    blocked: by.BLOCKED ?? 0,
    uncertain: by.UNCERTAIN ?? 0,
    deleted: by.DELETED ?? 0,
    skipped: by.SKIPPED ?? 0,
  };
  return { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts, toDelete: Number(sent?.to_delete ?? 0), undeletable: Number(sent?.undeletable ?? 0) };
}

function toView(row: ViewRow, counts: BroadcastCounts): BroadcastView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    content: { text: row.text, entities: (Array.isArray(row.entities) ? row.entities : []) as unknown as BroadcastContent["entities"], buttons: buttonsFrom(row.buttons), ...(row.photoFileId ? { photoFileId: row.photoFileId } : {}) },
    audience: audienceFrom(row.audience, row.audienceParam),
    paid: row.paid,
    scheduledAt: row.scheduledAt,
    createdById: row.createdById,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    unsentAt: row.unsentAt,
    unsentCount: row.unsentCount,
    holdUntil: row.holdUntil,
    pausedReason: row.pausedReason,
    run: row.run,
    counts,
    progressChatId: row.progressChatId === null ? null : Number(row.progressChatId),
    progressMessageId: row.progressMessageId,
  };
}

export async function getBroadcast(db: Db, id: number): Promise<BroadcastView | null> {
  const row = await db.broadcast.findUnique({ where: { id }, select: VIEW_SELECT });
  return row ? toView(row, await deliveryCounts(db, id)) : null;
}

/** The latest broadcasts, newest first. */
export async function recentBroadcasts(db: Db, limit = 8): Promise<BroadcastView[]> {
  const rows = await db.broadcast.findMany({ orderBy: { id: "desc" }, take: limit, select: VIEW_SELECT });
  return Promise.all(rows.map(async (r) => toView(r, await deliveryCounts(db, r.id))));
}

export type ConfirmResult =
  | { ok: true; status: "SENDING" | "SCHEDULED"; recipients: number; already: boolean }
  | { ok: false; reason: "not_found" | "not_draft" | "no_audience" | "no_recipients" | "schedule_past" | "invalid" | "owner_only" };

/**
 * Confirms a draft: with a time ahead it becomes SCHEDULED, otherwise it starts now (recipients
 * written, one row each). Serialized on the row: a second tap finds it started and reports
 * `already`, starting nothing.
 */
export async function confirmBroadcast(deps: LifecycleDeps, staff: BroadcastStaff, id: number, progress: { chatId: number; messageId: number }): Promise<ConfirmResult> {
  const now = deps.now?.() ?? new Date();
  const result = await deps.prisma.$transaction(async (tx): Promise<ConfirmResult & { run?: number; delayMs?: number }> => {
    const [row] = await tx.$queryRaw<{ status: string; scheduled_at: Date | null; total_recipients: number }[]>`
      SELECT status::text AS status, scheduled_at, total_recipients FROM broadcasts WHERE id = ${id} FOR UPDATE`;
    if (!row) return { ok: false, reason: "not_found" };
    if (row.status === "SENDING" || row.status === "SCHEDULED") return { ok: true, status: row.status, recipients: row.total_recipients, already: true };
    if (row.status !== "DRAFT") return { ok: false, reason: "not_draft" };
    const view = await getBroadcast(tx, id);
    if (!view) return { ok: false, reason: "not_found" };
    if (!view.audience) return { ok: false, reason: "no_audience" };
    if (!validateContent(view.content).ok) return { ok: false, reason: "invalid" };
    // Paid spends the bot's Stars per recipient: only an owner sends one (whoever set the audience).
    if (view.paid && staff.role !== "OWNER") return { ok: false, reason: "owner_only" };
    const details = { kind: view.kind, audience: view.audience as unknown as Prisma.InputJsonObject, paid: view.paid, ...contentForAudit(view.content) };
    if (view.scheduledAt) {
      if (view.scheduledAt.getTime() <= now.getTime()) return { ok: false, reason: "schedule_past" };
      const recipients = await countAudience(tx, view.audience, view.kind, now);
      if (recipients === 0) return { ok: false, reason: "no_recipients" };
      await tx.broadcast.update({ where: { id }, data: { status: "SCHEDULED", totalRecipients: recipients, progressChatId: BigInt(progress.chatId), progressMessageId: progress.messageId } });
      await auditBroadcast(tx, staff, "broadcast.schedule", id, { ...details, scheduledAt: view.scheduledAt.toISOString(), recipientsNow: recipients });
      return { ok: true, status: "SCHEDULED", recipients, already: false, run: 0, delayMs: view.scheduledAt.getTime() - now.getTime() };
    }
    const recipients = await startSending(tx, id, view, now, progress);
    if (recipients === 0) throw new NoRecipients();
    await auditBroadcast(tx, staff, "broadcast.start", id, { ...details, recipients });
    return { ok: true, status: "SENDING", recipients, already: false, run: view.run + 1 };
  }).catch((err: unknown) => {
    if (err instanceof NoRecipients) return { ok: false as const, reason: "no_recipients" as const };
    throw err;
  });
  if (result.ok && !result.already && result.run !== undefined) await queueRun(deps, id, "send", result.run, result.delayMs);
  if (!result.ok) return result;
  const { run: _run, delayMs: _delay, ...rest } = result as ConfirmResult & { run?: number; delayMs?: number };
  return rest as ConfirmResult;
}

class NoRecipients extends Error {}

/** DRAFT/SCHEDULED → SENDING: writes the recipients (from the audience as it is now) and bumps the run. */
async function startSending(tx: Prisma.TransactionClient, id: number, view: BroadcastView, now: Date, progress?: { chatId: number; messageId: number }): Promise<number> {
  const recipients = await materializeRecipients(tx, id, view.audience!, view.kind, now);
  await tx.broadcast.update({
    where: { id },
    data: {
      status: "SENDING",
      startedAt: now,
      run: { increment: 1 },
      totalRecipients: recipients,
      ...(progress ? { progressChatId: BigInt(progress.chatId), progressMessageId: progress.messageId } : {}),
    },
  });
  return recipients;
}

/**
 * A SCHEDULED broadcast whose time has come starts (the delayed job, or the recovery sweep when
 * Redis lost it). Returns the run to enqueue, or null when it is not due or no longer scheduled.
 * With nobody left in the audience it ends DONE with 0 recipients.
 */
export async function startScheduled(prisma: PrismaClient, id: number, now: Date = new Date()): Promise<number | null> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string; scheduled_at: Date | null }[]>`SELECT status::text AS status, scheduled_at FROM broadcasts WHERE id = ${id} FOR UPDATE`;
    if (!row || row.status !== "SCHEDULED" || !row.scheduled_at || row.scheduled_at.getTime() > now.getTime()) return null;
    const view = await getBroadcast(tx, id);
    if (!view?.audience) return null;
    const recipients = await startSending(tx, id, view, now);
    await auditBroadcast(tx, null, "broadcast.start", id, { scheduled: true, recipients });
    if (recipients === 0) {
      await tx.broadcast.update({ where: { id }, data: { status: "DONE", finishedAt: now } });
      return null;
    }
    return view.run + 1;
  });
}

type Transition = { ok: boolean; status: BroadcastStatus | null };

async function transition(
  deps: LifecycleDeps,
  staff: BroadcastStaff,
  id: number,
  from: BroadcastStatus[],
  action: string,
  data: (run: number) => Prisma.BroadcastUpdateInput,
  opts: { notUnsent?: boolean } = {},
): Promise<Transition & { run?: number }> {
  return deps.prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ status: BroadcastStatus; run: number; unsent_at: Date | null }[]>`SELECT status::text AS status, run, unsent_at FROM broadcasts WHERE id = ${id} FOR UPDATE`;
    if (!row) return { ok: false, status: null };
    if (!from.includes(row.status) || (opts.notUnsent && row.unsent_at)) return { ok: false, status: row.status };
    const updated = await tx.broadcast.update({ where: { id }, data: data(row.run), select: { status: true, run: true } });
    const counts = await deliveryCounts(tx, id);
    await auditBroadcast(tx, staff, action, id, { from: row.status, to: updated.status, counts: counts as unknown as Prisma.InputJsonObject });
    return { ok: true, status: updated.status, run: updated.run };
  });
}

/** Stops taking new recipients; messages already on their way finish. */
export async function pauseBroadcast(deps: LifecycleDeps, staff: BroadcastStaff, id: number): Promise<Transition> {
  const { run: _r, ...t } = await transition(deps, staff, id, ["SENDING"], "broadcast.pause", () => ({ status: "PAUSED", pausedReason: null }));
  return t;
}

/** Continues a paused broadcast in a new run (not one that was unsent: it was withdrawn). */
export async function resumeBroadcast(deps: LifecycleDeps, staff: BroadcastStaff, id: number): Promise<Transition> {
  const t = await transition(deps, staff, id, ["PAUSED"], "broadcast.resume", () => ({ status: "SENDING", pausedReason: null, run: { increment: 1 } }), { notUnsent: true });
  if (t.ok && t.run !== undefined) await queueRun(deps, id, "send", t.run);
  return { ok: t.ok, status: t.status };
}

/** Ends a draft, a scheduled or a running broadcast; who has not got it yet will not. */
export async function cancelBroadcast(deps: LifecycleDeps, staff: BroadcastStaff, id: number): Promise<Transition> {
  const now = deps.now?.() ?? new Date();
  const { run: _r, ...t } = await transition(deps, staff, id, ["DRAFT", "SCHEDULED", "SENDING", "PAUSED"], "broadcast.cancel", () => ({ status: "CANCELLED", finishedAt: now }));
  if (t.ok) await storeCounts(deps.prisma, id);
  return t;
}

/**
 * Staff's call after a crash: send to the recipients whose message was in flight when a worker
 * died (UNCERTAIN). Some of them may get it twice — the staff member is told so before tapping.
 */
export async function resendUncertain(deps: LifecycleDeps, staff: BroadcastStaff, id: number): Promise<{ ok: true; recipients: number } | { ok: false; reason: "not_found" | "none" | "running" | "unsent" }> {
  const result = await deps.prisma.$transaction(async (tx): Promise<{ ok: true; recipients: number; run: number } | { ok: false; reason: "not_found" | "none" | "running" | "unsent" }> => {
    const [row] = await tx.$queryRaw<{ status: string; unsent_at: Date | null }[]>`SELECT status::text AS status, unsent_at FROM broadcasts WHERE id = ${id} FOR UPDATE`;
    if (!row) return { ok: false, reason: "not_found" };
    if (row.unsent_at) return { ok: false, reason: "unsent" };
    // Not from PAUSED: the new run would also send to everyone the pause held back.
    if (row.status !== "DONE") return { ok: false, reason: row.status === "SENDING" ? "running" : "none" };
    const n = await tx.$executeRaw`UPDATE broadcast_deliveries SET status = 'PENDING', claim_token = NULL, next_attempt_at = NULL WHERE broadcast_id = ${id} AND status = 'UNCERTAIN'`;
    if (n === 0) return { ok: false, reason: "none" };
    const updated = await tx.broadcast.update({ where: { id }, data: { status: "SENDING", finishedAt: null, pausedReason: null, run: { increment: 1 } }, select: { run: true } });
    await auditBroadcast(tx, staff, "broadcast.resend-uncertain", id, { recipients: n, from: row.status });
    return { ok: true, recipients: n, run: updated.run };
  });
  if (!result.ok) return result;
  await queueRun(deps, id, "send", result.run);
  return { ok: true, recipients: result.recipients };
}

export type UnsendResult = { ok: true; messages: number } | { ok: false; reason: "not_found" | "too_old" | "nothing_sent" | "already" | "running" };

/** Deletes the delivered messages (Telegram allows it for 48 hours after each was sent). */
export async function unsendBroadcast(deps: LifecycleDeps, staff: BroadcastStaff, id: number): Promise<UnsendResult> {
  const now = deps.now?.() ?? new Date();
  const result = await deps.prisma.$transaction(async (tx): Promise<UnsendResult & { run?: number }> => {
    const [row] = await tx.$queryRaw<{ status: string; run: number; unsent_at: Date | null }[]>`SELECT status::text AS status, run, unsent_at FROM broadcasts WHERE id = ${id} FOR UPDATE`;
    if (!row) return { ok: false, reason: "not_found" };
    if (row.unsent_at) return { ok: false, reason: "already" };
    if (row.status === "SENDING" || row.status === "SCHEDULED" || row.status === "DRAFT") return { ok: false, reason: row.status === "SENDING" ? "running" : "nothing_sent" };
    const since = new Date(now.getTime() - UNSEND_WINDOW_MS);
    const [c] = await tx.$queryRaw<{ fresh: bigint; all: bigint }[]>`
      SELECT count(*) FILTER (WHERE sent_at > ${since}) AS fresh, count(*) AS all FROM broadcast_deliveries WHERE broadcast_id = ${id} AND status = 'SENT' AND message_id IS NOT NULL`;
    if (Number(c?.all ?? 0) === 0) return { ok: false, reason: "nothing_sent" };
    if (Number(c?.fresh ?? 0) === 0) return { ok: false, reason: "too_old" };
    // A paused broadcast that is withdrawn does not go on: it ends CANCELLED.
    const ends = row.status === "PAUSED" ? { status: "CANCELLED" as const, finishedAt: now } : {};
    const updated = await tx.broadcast.update({ where: { id }, data: { unsentAt: now, run: { increment: 1 }, ...ends }, select: { run: true } });
    await auditBroadcast(tx, staff, "broadcast.unsend", id, { messages: Number(c!.fresh), from: row.status });
    return { ok: true, messages: Number(c!.fresh), run: updated.run };
  });
  if (result.ok && result.run !== undefined) await queueRun(deps, id, "unsend", result.run);
  if (!result.ok) return result;
  return { ok: true, messages: result.messages };
}

/** Copies the delivery counts onto the broadcast row (lists, the final report, the audit). */
export async function storeCounts(db: Db, id: number): Promise<BroadcastCounts> {
  const counts = await deliveryCounts(db, id);
  await db.broadcast.update({ where: { id }, data: { sentCount: counts.sent + counts.deleted, failedCount: counts.failed, blockedCount: counts.blocked, uncertainCount: counts.uncertain } });
  return counts;
}

/** Customer setting: no promotional broadcasts (service announcements still arrive). */
export async function setPromoOptOut(prisma: PrismaClient, userId: number, optOut: boolean): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: userId }, select: { promoOptOut: true } });
    if (!before || before.promoOptOut === optOut) return;
    await tx.user.update({ where: { id: userId }, data: { promoOptOut: optOut } });
    await audit(tx, { actorUserId: userId, actorType: "CUSTOMER", action: "customer.settings", targetType: "user", targetId: userId, details: { before: { promoOptOut: before.promoOptOut }, after: { promoOptOut: optOut } } });
  });
}

export async function promoOptOut(prisma: PrismaClient, userId: number): Promise<boolean> {
  return (await prisma.user.findUnique({ where: { id: userId }, select: { promoOptOut: true } }))?.promoOptOut ?? false;
}
