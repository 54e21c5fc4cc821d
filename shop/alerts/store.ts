import type { Db, Prisma, PrismaClient } from "../../db/client.js";
import type { AlertCondition, AlertDeps, AlertSettings } from "./types.js";

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { repeatMinutes: 60, maxPerHour: 20 };

/** What a notice carries: a snapshot of the alert when the message was decided. */
export interface NoticeBody {
  alertId?: number;
  fingerprint?: string;
  kind?: string;
  severity: AlertCondition["severity"];
  title: string;
  detail?: string;
  nextStep?: string;
  count?: number;
  firstSeenAt?: string;
  /** For a summary: the alerts it stands for. */
  items?: Array<{ title: string; severity: AlertCondition["severity"]; count: number }>;
}
export type NoticeEvent = "raised" | "reminder" | "resolved" | "summary";

export type RaiseOutcome = "raised" | "reminder" | "counted" | "muted" | "held";

interface AlertRow {
  id: number;
  state: "OPEN" | "RESOLVED";
  count: number;
  first_seen_at: Date;
  last_notified_at: Date | null;
  muted_until: Date | null;
  held: boolean;
  severity: string;
  title: string;
  detail: string | null;
  next_step: string;
  fingerprint: string;
  kind: string;
}

type Tx = Prisma.TransactionClient;

/** Messages sent in the last hour (summaries excepted): the storm cap counts these. */
async function sentLastHour(tx: Tx): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM owner_alert_notices WHERE event <> 'summary' AND created_at > now() - interval '1 hour'`;
  return rows[0]?.n ?? 0;
}

async function addNotice(tx: Tx, alertId: number | null, event: NoticeEvent, body: NoticeBody): Promise<number> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO owner_alert_notices (alert_id, event, body) VALUES (${alertId}, ${event}, ${JSON.stringify(body)}::jsonb) RETURNING id`;
  return rows[0]!.id;
}

function bodyOf(row: AlertRow): NoticeBody {
  return {
    alertId: row.id,
    fingerprint: row.fingerprint,
    kind: row.kind,
    severity: row.severity as NoticeBody["severity"],
    title: row.title,
    ...(row.detail ? { detail: row.detail } : {}),
    nextStep: row.next_step,
    count: row.count,
    firstSeenAt: row.first_seen_at.toISOString(),
  };
}

function settingsOf(deps: AlertDeps): AlertSettings {
  return { ...DEFAULT_ALERT_SETTINGS, ...deps.settings };
}

async function sendAfterCommit(deps: AlertDeps, noticeId: number | undefined): Promise<void> {
  // The notice is already recorded: a failed hand-off is delivered by the runner's sweep instead.
  if (noticeId !== undefined && deps.send) await deps.send(noticeId).catch(() => undefined);
}

/**
 * Records an occurrence of a condition and decides whether the owners hear of it: a new (or
 * reopened) fingerprint is sent at once; one already open only counts, and reminds ("still
 * happening ×N") once ALERT_REPEAT_MINUTES have passed since its last message; a muted one stays
 * quiet; past ALERT_MAX_PER_HOUR messages in the last hour it is held for the storm summary.
 * Safe to call from any process at any rate: the decision is one transaction on the alert's row.
 */
export async function raiseAlert(deps: AlertDeps, condition: AlertCondition): Promise<RaiseOutcome> {
  const settings = settingsOf(deps);
  const c = { ...condition, fingerprint: condition.fingerprint.slice(0, 200), title: condition.title.slice(0, 200), detail: condition.detail?.slice(0, 2000) ?? null };
  const source = deps.source ?? null;
  const { outcome, noticeId } = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO owner_alerts (fingerprint, kind, source, severity, title, detail, next_step, count)
      VALUES (${c.fingerprint}, ${c.kind}, ${source}, ${c.severity}, ${c.title}, ${c.detail}, ${c.nextStep}, 0)
      ON CONFLICT (fingerprint) DO NOTHING`;
    const [row] = await tx.$queryRaw<AlertRow[]>`SELECT * FROM owner_alerts WHERE fingerprint = ${c.fingerprint} FOR UPDATE`;
    const fresh = row!.count === 0 || row!.state === "RESOLVED";
    const [updated] = await tx.$queryRaw<AlertRow[]>`
      UPDATE owner_alerts SET
        kind = ${c.kind}, source = ${source}, severity = ${c.severity}, title = ${c.title}, detail = ${c.detail}, next_step = ${c.nextStep},
        state = 'OPEN', resolved_at = NULL, last_seen_at = now(),
        count = CASE WHEN ${fresh} THEN 1 ELSE count + 1 END,
        first_seen_at = CASE WHEN ${fresh} THEN now() ELSE first_seen_at END,
        held = CASE WHEN ${fresh} THEN false ELSE held END
      WHERE id = ${row!.id} RETURNING *`;
    const alert = updated!;
    if (alert.muted_until && alert.muted_until > new Date()) return { outcome: "muted" as const };
    if (alert.held) return { outcome: "held" as const };
    const due = fresh || !alert.last_notified_at || alert.last_notified_at.getTime() <= Date.now() - settings.repeatMinutes * 60_000;
    if (!due) return { outcome: "counted" as const };
    if ((await sentLastHour(tx)) >= settings.maxPerHour) {
      await tx.$executeRaw`UPDATE owner_alerts SET held = true WHERE id = ${alert.id}`;
      return { outcome: "held" as const };
    }
    const event: "raised" | "reminder" = fresh ? "raised" : "reminder";
    await tx.$executeRaw`UPDATE owner_alerts SET last_notified_at = now() WHERE id = ${alert.id}`;
    return { outcome: event, noticeId: await addNotice(tx, alert.id, event, bodyOf(alert)) };
  });
  await sendAfterCommit(deps, noticeId);
  return outcome;
}

/**
 * Closes an open alert and tells the owners "resolved" once, unless they never heard of it
 * (muted or held the whole time). Returns false when nothing was open under this fingerprint.
 */
export async function resolveAlert(deps: AlertDeps, fingerprint: string): Promise<boolean> {
  const settings = settingsOf(deps);
  const result = await deps.prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<AlertRow[]>`
      UPDATE owner_alerts SET state = 'RESOLVED', resolved_at = now(), held = false
      WHERE fingerprint = ${fingerprint.slice(0, 200)} AND state = 'OPEN' RETURNING *`;
    if (!row) return { closed: false };
    const muted = row.muted_until && row.muted_until > new Date();
    if (muted || !row.last_notified_at || (await sentLastHour(tx)) >= settings.maxPerHour) return { closed: true };
    return { closed: true, noticeId: await addNotice(tx, row.id, "resolved", bodyOf(row)) };
  });
  await sendAfterCommit(deps, result.noticeId);
  return result.closed;
}

/** Silences one fingerprint until `minutes` from now (per fingerprint, whatever raises it). */
export async function muteAlert(db: Db, alertId: number, minutes: number, byTelegramId: number): Promise<{ fingerprint: string; title: string; mutedUntil: Date } | null> {
  const rows = await db.$queryRaw<{ fingerprint: string; title: string; muted_until: Date }[]>`
    UPDATE owner_alerts SET muted_until = now() + ${minutes} * interval '1 minute', muted_by = ${BigInt(byTelegramId)}
    WHERE id = ${alertId} RETURNING fingerprint, title, muted_until`;
  const row = rows[0];
  return row ? { fingerprint: row.fingerprint, title: row.title, mutedUntil: row.muted_until } : null;
}

/**
 * Sends one summary for the alerts held by the hourly cap (at most one summary per
 * `everyMinutes`), so a storm reaches the owners as one message listing what happened.
 */
export async function flushHeldAlerts(deps: AlertDeps, everyMinutes = 15): Promise<number> {
  const noticeId = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('owner-alerts-summary'))`;
    const recent = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM owner_alert_notices WHERE event = 'summary' AND created_at > now() - ${everyMinutes} * interval '1 minute'`;
    if ((recent[0]?.n ?? 0) > 0) return undefined;
    const held = await tx.$queryRaw<AlertRow[]>`
      UPDATE owner_alerts SET held = false, last_notified_at = now() WHERE held AND state = 'OPEN' RETURNING *`;
    if (held.length === 0) return undefined;
    const order = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
    held.sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3) || b.count - a.count);
    const severity = held.some((a) => a.severity === "critical") ? "critical" : held.some((a) => a.severity === "warning") ? "warning" : "info";
    return addNotice(tx, null, "summary", {
      severity,
      title: String(held.length),
      items: held.map((a) => ({ title: a.title, severity: a.severity as NoticeBody["severity"], count: a.count })),
    });
  });
  await sendAfterCommit(deps, noticeId);
  return noticeId === undefined ? 0 : 1;
}

/**
 * One-off events (no check to resolve them) close quietly after a day without a new occurrence,
 * so the same event next week is news again, not a "still happening" reminder.
 */
export async function closeQuietEvents(prisma: PrismaClient, quietHours = 24): Promise<number> {
  return prisma.$executeRaw`
    UPDATE owner_alerts SET state = 'RESOLVED', resolved_at = now(), held = false
    WHERE state = 'OPEN' AND source IS NULL AND last_seen_at < now() - ${quietHours} * interval '1 hour'`;
}

/** Open fingerprints a check raised (the runner resolves those it no longer reports). */
export async function openFingerprints(prisma: PrismaClient, source: string): Promise<string[]> {
  const rows = await prisma.ownerAlert.findMany({ where: { state: "OPEN", source }, select: { fingerprint: true } });
  return rows.map((r) => r.fingerprint);
}

/** Keeps the alert tables small: delivered notices after 30 days, closed alerts after 90, stale heartbeats and errors after 7/30. */
export async function pruneAlertData(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`DELETE FROM owner_alert_notices WHERE created_at < now() - interval '30 days'`;
  await prisma.$executeRaw`DELETE FROM owner_alerts WHERE state = 'RESOLVED' AND resolved_at < now() - interval '90 days'`;
  await prisma.$executeRaw`DELETE FROM heartbeats WHERE beat_at < now() - interval '7 days'`;
  await prisma.$executeRaw`DELETE FROM process_errors WHERE last_seen_at < now() - interval '30 days'`;
}
