import type { Api } from "grammy";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../db/client.js";
import { createAlertBot } from "../bot/features/alerts.feature.js";
import type { BotDeps } from "../bot/context.js";
import type { Queues } from "../jobs/queues.js";
import { startAlertChecks } from "../jobs/processors/alert-checks.processor.js";
import { createAlertApi } from "../shop/alerts/delivery.js";
import type { Translator } from "../shop/alerts/render.js";
import { tallyBadSignatures } from "../shop/alerts/checks/signatures.check.js";
import type { AlertCheck, AlertCondition } from "../shop/alerts/types.js";
import { createTelegramApi } from "../shop/messages/telegram-api.js";
import type { Config } from "../shop/platform/config.js";
import { runAsLeader } from "../shop/leases.js";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_STALE_MS, recordProcessError, startHeartbeat } from "../shop/platform/heartbeat.js";
import { scrubSecrets, type Logger } from "../shop/platform/logger.js";
import type { Metrics } from "../shop/platform/metrics.js";

const PROBE_TIMEOUT_MS = 5_000;

async function probe<T>(attempts: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1_000 * i));
    }
  }
}

/**
 * The watchdog's probes from outside the process they watch: the web role's readiness (only
 * while a web role is alive: a dead one is the role-down alert) and the shop bot's getMe (a
 * revoked token or Telegram unreachable). Each retried twice before it counts.
 */
export function watchdogChecks(deps: { config: Config; api: Api; prisma: PrismaClient }): AlertCheck[] {
  const { config } = deps;
  const readiness: AlertCheck = {
    kind: "watchdog-readiness",
    async evaluate() {
      const web = await deps.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM heartbeats WHERE 'web' = ANY(roles) AND stopped_at IS NULL AND beat_at > now() - ${HEARTBEAT_STALE_MS} * interval '1 millisecond'`;
      if ((web[0]?.n ?? 0) === 0) return [];
      const host = ["0.0.0.0", "::", ""].includes(config.http.host) ? "127.0.0.1" : config.http.host;
      const token = config.http.metricsToken;
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${config.http.port}${token ? "/health/ready" : "/health"}`;
      let problem: string | undefined;
      try {
        await probe(3, async (signal) => {
          const res = await fetch(url, { signal, headers: token ? { authorization: `Bearer ${token}` } : {} });
          const body = (await res.text()).slice(0, 500);
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body}`);
        });
      } catch (err) {
        problem = (err as Error).message;
      }
      if (!problem) return [];
      const condition: AlertCondition = {
        fingerprint: "watchdog:readiness",
        kind: "role-down",
        severity: "critical",
        title: "Layanan tidak siap: /health/ready gagal",
        detail: scrubSecrets(problem),
        nextStep: "Jawabannya menyebut yang gagal (postgres, redis, telegram). Periksa layanan itu (systemctl status postgresql redis-server) dan log peran web; pembayaran masuk lewat peran web.",
      };
      return [condition];
    },
  };
  const telegram: AlertCheck = {
    kind: "watchdog-telegram",
    async evaluate() {
      try {
        await probe(3, (signal) => deps.api.getMe(signal as Parameters<Api["getMe"]>[0]));
        return [];
      } catch (err) {
        const revoked = (err as { error_code?: number }).error_code === 401;
        return [
          {
            fingerprint: "watchdog:telegram-getme",
            kind: "role-down",
            severity: "critical",
            title: revoked ? "Token bot ditolak Telegram (401): bot tidak bisa dipakai" : "Bot tidak terhubung ke Telegram (getMe gagal)",
            detail: scrubSecrets((err as Error).message).slice(0, 500),
            nextStep: revoked
              ? 'Token dicabut atau salah: buat token baru di @BotFather, ganti TELEGRAM_BOT_TOKEN, mulai ulang (ops/RUNBOOK.md "Credential rotation").'
              : "Periksa jaringan keluar server ke api.telegram.org (curl -sS https://api.telegram.org) dan DNS; bot akan tersambung lagi sendiri.",
          },
        ];
      }
    },
  };
  return [readiness, telegram];
}

/** What a process needs to take part in alerting (createCore's objects). */
export interface AlertingDeps {
  roles: readonly string[];
  config: Config;
  logger: Logger;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  metrics: Metrics;
  i18n: Translator;
  botDeps: BotDeps;
}

/**
 * Everything alerting runs in a process, by role: a heartbeat (every role); the alert checks
 * every minute under a lease (web, worker, scheduler: so the scheduler watches the others and
 * the web role the scheduler); the bad-signature tally (web); the alert bot's button taps
 * (bot, when ALERT_BOT_TOKEN is set).
 */
export function startAlerting(deps: AlertingDeps): { stop(): Promise<void> } {
  const { roles, config, logger } = deps;
  const stops: Array<() => Promise<unknown> | undefined> = [];
  const heartbeat = startHeartbeat(deps.prisma, roles, { logger });
  if (roles.some((r) => r === "web" || r === "worker" || r === "scheduler")) {
    const api = createTelegramApi(config);
    const alertApi = createAlertApi(config);
    const checks = startAlertChecks({ ...deps, api, ...(alertApi ? { alertApi } : {}), extraChecks: watchdogChecks({ config, api, prisma: deps.prisma }) });
    stops.push(() => checks.stop());
  }
  if (roles.includes("web")) {
    let last: Record<string, number> = {};
    const timer = setInterval(() => {
      void (async () => {
        const values = (await deps.metrics.webhookRejected.get()).values.filter((v) => v.labels.reason === "bad_signature");
        const now = Object.fromEntries(values.map((v) => [String(v.labels.source), v.value]));
        const delta = Object.fromEntries(Object.entries(now).map(([g, n]) => [g, n - (last[g] ?? 0)]));
        last = now;
        await tallyBadSignatures(deps.redis, config.queuePrefix, delta);
      })().catch((err: unknown) => logger.warn({ err }, "bad-signature tally not written"));
    }, HEARTBEAT_INTERVAL_MS);
    timer.unref();
    stops.push(async () => clearInterval(timer));
  }
  if (roles.includes("bot") && config.alerts.botToken) {
    // Exactly one process polls the alert bot (two pollers get 409 Conflict): with bot processes on
    // several hosts, one holds a Postgres lease and polls; another takes over if that host dies.
    const token = config.alerts.botToken;
    const poller = runAsLeader(
      deps.prisma,
      "alert-bot-poller",
      async (signal) => {
        const alertBot = createAlertBot(deps.botDeps, token);
        const polling = alertBot.start({ allowed_updates: ["callback_query"] });
        const ended = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        // Polling that ends by itself (bad token, 409 from a poller outside this shop) hands the lease back.
        await Promise.race([polling.catch((err: unknown) => logger.error({ err }, "alert bot stopped polling; another attempt in a few seconds")), ended]);
        await alertBot.stop().catch(() => undefined);
      },
      { ttlMs: 30_000, retryMs: 10_000, onError: (err) => logger.error({ err }, "alert bot poller failed") },
    );
    stops.push(() => poller.stop());
  }
  return {
    async stop() {
      await Promise.allSettled(stops.map((s) => s()));
      await heartbeat.stop();
    },
  };
}

/**
 * Records uncaught exceptions and unhandled rejections in Postgres (grouped by fingerprint) for
 * the uncaught-errors alert; the process's own handlers still log and decide whether to exit.
 */
export function recordUncaughtErrors(prisma: PrismaClient, roles: readonly string[], logger: Logger): void {
  const record = (err: unknown) => {
    recordProcessError(prisma, err, roles, scrubSecrets).catch((e: unknown) => logger.warn({ err: e }, "uncaught error not recorded for the owner's alert"));
  };
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
}
