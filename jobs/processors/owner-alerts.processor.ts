import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { createAlertApi, deliverNotice } from "../../shop/alerts/delivery.js";
import type { Translator } from "../../shop/alerts/render.js";
import { raiseAlert, resolveAlert } from "../../shop/alerts/store.js";
import type { AlertDeps } from "../../shop/alerts/types.js";
import type { Config } from "../../shop/platform/config.js";
import type { Logger } from "../../shop/platform/logger.js";
import { configRoster } from "../../shop/users/staff.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

/** What raising an alert needs from the jobs layer: decided messages go out through the durable owner-alerts queue. */
export function alertDeps(deps: { prisma: PrismaClient; queues: Queues; config: Pick<Config, "alerts"> }, source?: string): AlertDeps {
  return {
    prisma: deps.prisma,
    settings: deps.config.alerts,
    ...(source ? { source } : {}),
    send: async (noticeId) => {
      await deps.queues.enqueue(QueueName.OwnerAlerts, { noticeId }, { jobId: jobId("alert-notice", noticeId) });
    },
  };
}

/** Said when a producer raised an alert without saying what to do (job failures and the like). */
const DEFAULT_NEXT_STEP = "Lihat log layanan (journalctl -u 'vps-shop@*' atau pm2 logs) di sekitar waktu ini; langkah per masalah ada di ops/RUNBOOK.md.";

/**
 * The owners' alerts: a `noticeId` job delivers one decided message (every owner with
 * alerts.receive, alert bot first); any other job is an alert to raise, de-duplicated and
 * rate-limited by raiseAlert before anything is sent.
 */
export function ownerAlertsProcessor(deps: { api: Api; alertApi?: Api; prisma: PrismaClient; queues: Queues; config: Config; i18n: Translator; logger: Logger }) {
  const delivery = {
    prisma: deps.prisma,
    roster: configRoster(deps.config),
    api: deps.api,
    alertApi: deps.alertApi ?? createAlertApi(deps.config),
    i18n: deps.i18n,
    logger: deps.logger,
  };
  const raiseDeps = alertDeps(deps);
  return async (payload: Payload<"owner-alerts">) => {
    if ("noticeId" in payload) return deliverNotice(delivery, payload.noticeId);
    // "Connected again" and the like: close the open alert it answers (one "resolved" message) instead of a new one.
    if (payload.resolves && (await resolveAlert(raiseDeps, payload.resolves))) return { outcome: "resolved" };
    const outcome = await raiseAlert(raiseDeps, {
      fingerprint: payload.fingerprint ?? `event:${payload.title}`,
      kind: payload.kind ?? "event",
      severity: payload.severity,
      title: payload.title,
      ...(payload.detail ? { detail: payload.detail } : {}),
      nextStep: payload.nextStep ?? DEFAULT_NEXT_STEP,
    });
    return { outcome };
  };
}
