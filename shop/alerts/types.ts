import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";

export type AlertSeverity = "info" | "warning" | "critical";

/**
 * Something the owner must hear about. The fingerprint is the identity: the same fingerprint
 * raised again while its alert is open only counts (and reminds after ALERT_REPEAT_MINUTES);
 * a check that stops reporting it resolves it.
 */
export interface AlertCondition {
  /** Stable identity, e.g. "payments:refused-streak:TRIPAY"; at most 200 chars. */
  fingerprint: string;
  /** The family, e.g. "payments", "role-down", "backup-stale". */
  kind: string;
  severity: AlertSeverity;
  /** One line: what happened. */
  title: string;
  /** Numbers, names, the error: what the owner needs to judge it. */
  detail?: string;
  /** What to do next, in one or two sentences (a runbook section where one exists). */
  nextStep: string;
}

/** What a check reads. `queues` is given by the jobs layer (shop/ cannot open BullMQ queues by name). */
export interface AlertCheckContext {
  prisma: PrismaClient;
  redis: Redis;
  config: Config;
  now: Date;
  logger?: Logger;
  queues?: QueueInspector;
}

/** The oldest job still waiting in each queue (waiting or overdue delayed), for the queue-age check. */
export interface QueueInspector {
  oldestWaiting(): Promise<Array<{ queue: string; oldestAt?: Date; waiting: number }>>;
}

/**
 * A periodic check: returns the conditions present now. The runner (every minute, one process
 * at a time) raises fingerprints newly present and resolves those no longer present. Register it
 * with one line in shop/alerts/checks.ts.
 */
export interface AlertCheck {
  kind: string;
  evaluate(ctx: AlertCheckContext): Promise<AlertCondition[]>;
}

/** The alert settings (config.alerts); defaults apply to callers that do not pass them. */
export interface AlertSettings {
  repeatMinutes: number;
  maxPerHour: number;
}

/**
 * What raiseAlert/resolveAlert need. `send` hands a decided notice to delivery (the owner-alerts
 * queue, see jobs/processors/owner-alerts.processor.ts `alertDeps`); without it the notice is
 * still recorded in Postgres and the alert runner delivers it within a minute.
 */
export interface AlertDeps {
  prisma: PrismaClient;
  settings?: Partial<AlertSettings>;
  send?: (noticeId: number) => Promise<void>;
  /** The check kind raising it (the runner sets it); one-off events leave it unset. */
  source?: string;
}
