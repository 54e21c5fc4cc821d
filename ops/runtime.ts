import { serve, type ServerType } from "@hono/node-server";
import pg from "pg";
import type { UserFromGetMe } from "grammy/types";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { createBot, stateKeyPrefixes } from "../bot/index.js";
import { stateAlreadyWritten } from "../bot/storage.js";
import { UpdateInbox } from "../bot/inbox.js";
import type { BotDeps } from "../bot/context.js";
import { createBroadcastApi, createTelegramApi } from "../shop/messages/telegram-api.js";
import { BroadcastLimiter } from "../shop/broadcasts/limiter.js";
import { broadcastEnqueuer } from "../jobs/broadcast-runs.js";
import { broadcastFailureHandler, broadcastProcessor } from "../jobs/processors/broadcast.processor.js";
import { LocaleCache, createI18n } from "../bot/i18n.js";
import { createPrisma, pgPoolConfig, type PrismaClient } from "../db/client.js";
import { QueueName, Queues, selectQueues } from "../jobs/queues.js";
import { JobOutbox } from "../jobs/outbox.js";
import { startRecovery } from "../jobs/recovery.js";
import { lifecycleProcessor } from "../jobs/processors/lifecycle.processor.js";
import { closeRedis, createRedis, waitForRedis } from "../jobs/redis.js";
import { startScheduler, tickEntry, type ScheduleEntry } from "../jobs/scheduler.js";
import { TickClaims, purgeSchedulerTicks } from "../jobs/scheduler-ticks.js";
import { closeWorkers, registerWorkers, type ProcessorMap } from "../jobs/workers.js";
import { notificationsProcessor } from "../jobs/processors/notifications.processor.js";
import { ownerAlertsProcessor } from "../jobs/processors/owner-alerts.processor.js";
import { backupSchedules, backupsWorker } from "../jobs/processors/backups.processor.js";
import { statsReportSchedules, statsReportsWorker } from "../jobs/processors/stats-reports.processor.js";
import { UserDirectory } from "../shop/users/directory.js";
import { configRoster } from "../shop/users/staff.js";
import { Catalog } from "../shop/catalog/catalog.js";
import { Checkout } from "../shop/payments/checkout.js";
import { MidtransClient } from "../shop/payments/gateways/midtrans.js";
import { TripayClient } from "../shop/payments/gateways/tripay.js";
import { purgeProofs } from "../shop/payments/proofs/transfer-proofs.js";
import { purgePaymentRecords } from "../shop/payments/retention.js";
import { paymentFollowupsProcessor } from "../jobs/processors/payment-followups.processor.js";
import { provisioningFailureHandler, provisioningProcessor } from "../jobs/processors/provisioning.processor.js";
import { instanceActionFailureHandler, instanceActionsProcessor } from "../jobs/processors/instance-actions.processor.js";
import { outboundFailureHandler, outboundProcessor } from "../jobs/processors/outbound.processor.js";
import { emailDelivery } from "../shop/email/deliver.js";
import { purgeEmailVerifications } from "../shop/email/verification.js";
import { purgeCustomerEvents } from "../shop/events/retention.js";
import { purgeExpiredIdempotency } from "../shop/api/idempotency.js";
import { purgeEndedSessions } from "../shop/miniapp/sessions.js";
import { startShopId } from "../shop/provisioning/shop-id.js";
import { cloudAvailability, createProviders } from "../shop/cloud/providers.js";
import { CloudRateGate, VENDOR_RATE_LIMITS } from "../shop/cloud/rate-gate.js";
import { paymentWebhookRoutes } from "../webhooks/routes/payments.js";
import { SettlementBatcher } from "../shop/payments/settle-batch.js";
import type { ProviderCode } from "../db/client.js";
import { createServer, type ExtraRoutes } from "../webhooks/server.js";
import { trustedProxies } from "../webhooks/http.js";
import { apiRoutes } from "../webhooks/api/app.js";
import { miniAppRoutes } from "../webhooks/miniapp/routes.js";
import { staffApi } from "../webhooks/miniapp/staff/index.js";
import { telegramWebhookRoutes } from "../webhooks/routes/telegram.js";
import type { Config } from "../shop/platform/config.js";
import type { Logger } from "../shop/platform/logger.js";
import { createMetrics, type Metrics } from "../shop/platform/metrics.js";
import { StartupComponents } from "../shop/platform/readiness.js";
import { dependencyHealth, pauseAwareAvailability, startMaintenanceWatch } from "../shop/maintenance/index.js";
import { startBot, type BotStartup, type StartupRetryPolicy } from "./bot-startup.js";
import { startAlerting } from "./watchdog.js";
import { startMonitoring } from "./monitoring/metrics-listener.js";

export const ROLES = ["web", "bot", "worker", "scheduler"] as const;

/** Connections of the web role's settlement pool (the gateway webhooks' hot path). */
export const WEBHOOK_POOL_SIZE = 5;
/**
 * Settlement statements the web role runs at once; callbacks arriving meanwhile are batched
 * into the next one. Fewer at once make bigger batches (less Postgres work per callback); more
 * than one keeps one slow statement (a lock wait) from holding up every callback. Measured with
 * `npm run bench -- webhook`, 20 connections, 2 cores: 1 → 0.70× the reference, p99 15 ms
 * (8.7 callbacks per statement); 2 → 0.61×, p99 16 ms (4.5); 3 → 0.59×; 5 → 0.58×; 10 → 0.53×.
 */
export const WEBHOOK_SETTLEMENTS_IN_FLIGHT = 2;

/**
 * The settlement pool's settings. Timeouts: a callback must not hang on a stuck database (the
 * gateway retries a failed callback; it cannot retry one that never answers): Postgres cancels a
 * settlement after 10 s (behind PgBouncer: the pooler's 30 s, see db/client.ts pgTarget), the
 * driver gives up on a silent server after 15 s.
 */
export function webhookPoolConfig(databaseUrl: string, max = WEBHOOK_POOL_SIZE): pg.PoolConfig {
  return pgPoolConfig(databaseUrl, { max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, statementTimeoutMs: 10_000, queryTimeoutMs: 15_000, applicationName: "vps-shop:webhooks" });
}
export type Role = (typeof ROLES)[number];

/** Parses role names from argv/env; empty means all four in one process. */
export function parseRoles(input: string | undefined): Role[] {
  const names = (input ?? "").split(/[\s,]+/).filter(Boolean);
  if (names.length === 0 || names.includes("all")) return [...ROLES];
  const bad = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (bad.length) throw new Error(`unknown role(s): ${bad.join(", ")} (expected ${ROLES.join(", ")} or all)`);
  return [...new Set(names)] as Role[];
}

/** A running service: what tests and the demo need to reach, and how to stop it. */
export interface Service {
  roles: Role[];
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  metrics: Metrics;
  httpPort?: number;
  /** Port of the metrics listener of a process without the web role (ops/monitoring/metrics-listener.ts). */
  metricsPort?: number;
  /** With the bot role: resolves true once the bot receives updates (start-up retries until Telegram answers). */
  botReady?: Promise<boolean>;
  stop(): Promise<void>;
}

/** The clouds this shop can sell: those with credentials in the config. */
export function configuredProviders(config: Config): ProviderCode[] {
  const codes: ProviderCode[] = [];
  if (config.providers.digitalocean) codes.push("DIGITALOCEAN");
  if (config.providers.vultr) codes.push("VULTR");
  if (config.providers.linode) codes.push("LINODE");
  return codes;
}

/**
 * The cron table of the scheduler role (Asia/Jakarta time). Each entry only
 * enqueues; the work runs in the worker role. Job ids derive from the tick.
 */
export function scheduleTable(queues: Queues): ScheduleEntry[] {
  return [
    tickEntry(queues, "order-expiry", "* * * * *", QueueName.Lifecycle, (tick) => ({ task: "order-expiry", tick })),
    tickEntry(queues, "renewal-reminders", "0 9 * * *", QueueName.Lifecycle, (tick) => ({ task: "renewal-reminders", tick })),
    tickEntry(queues, "instance-expiry", "5 * * * *", QueueName.Lifecycle, (tick) => ({ task: "instance-expiry", tick })),
    tickEntry(queues, "orphan-sweep", "*/15 * * * *", QueueName.Lifecycle, (tick) => ({ task: "orphan-sweep", tick })),
    tickEntry(queues, "payment-reconcile", "*/5 * * * *", QueueName.PaymentFollowups, (tick) => ({ kind: "reconcile", tick })),
    // Overdue pending items remind the staff who can act on them (PENDING_REMIND_*), and staff
    // card copies an edit never reached are caught up.
    tickEntry(queues, "pending-reminders", "*/5 * * * *", QueueName.Lifecycle, (tick) => ({ task: "pending-reminders", tick })),
    tickEntry(queues, "screenshot-purge", "15 3 * * *", QueueName.ScreenshotPurge, (tick) => ({ tick })),
  ];
}

/**
 * The connections and shared objects every role uses. Tests build the bot on
 * top of exactly this, so they exercise the same wiring as production.
 */
export function createCore(config: Config, logger: Logger, opts: { poolSize?: number } = {}) {
  const metrics = createMetrics();
  const prisma = createPrisma(config.databaseUrl, { max: opts.poolSize ?? 5 });
  const redis = createRedis(config.redis, "general");
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis (general) error"));
  const producerRedis = createRedis(config.redis, "producer");
  producerRedis.on("error", (err) => logger.warn({ err: err.message }, "redis (producer) error"));
  // Keyed jobs of the durable queues are recorded in Postgres first (jobs/outbox.ts).
  const queues = new Queues(producerRedis, config.queuePrefix, logger, new JobOutbox(prisma));
  const locales = new LocaleCache();
  const i18n = createI18n(locales);
  const users = new UserDirectory(prisma, redis, config.queuePrefix, configRoster(config));
  // Every process on every host shares each cloud account's API budget and its 429 holds (Redis).
  const rateGate = new CloudRateGate(redis, config.queuePrefix, { ...VENDOR_RATE_LIMITS, ...config.cloudRateLimits }, (err) =>
    logger.warn({ err }, "cloud rate gate: Redis did not answer; cloud calls go ungated for 10 s"),
  );
  const providers = createProviders(config.providers, { rateGate });
  const availability = pauseAwareAvailability(cloudAvailability(providers), prisma);
  const catalog = new Catalog(prisma, { providers: configuredProviders(config), cacheTtlMs: 15_000, availability });
  const tripay = config.tripay ? new TripayClient(config.tripay, { redis, cachePrefix: `${config.queuePrefix}:tripay:` }) : undefined;
  const midtrans = config.midtrans ? new MidtransClient(config.midtrans) : undefined;
  const checkout = new Checkout({ prisma, tripay, midtrans, publicBaseUrl: config.telegram.publicBaseUrl, availability });
  const botDeps: BotDeps = { config, logger, prisma, redis, queues, metrics, users, locales, i18n, catalog, checkout, providers };
  return { metrics, prisma, redis, producerRedis, queues, locales, i18n, users, catalog, tripay, midtrans, checkout, providers, botDeps };
}

/**
 * Starts the requested roles sharing one set of connections. Shutdown runs in a
 * fixed order — intake, cron, workers, queues, Redis, Prisma — and only once.
 */
export async function startService(
  config: Config,
  roles: Role[],
  logger: Logger,
  opts: { botInfo?: UserFromGetMe; processors?: (base: ProcessorMap) => ProcessorMap; telegramRetry?: StartupRetryPolicy } = {},
): Promise<Service> {
  const core = createCore(config, logger, { poolSize: roles.includes("worker") ? 15 : 5 });
  const { metrics, prisma, redis, producerRedis, queues, i18n } = core;
  await startShopId(prisma, config.shopId, (err) => logger.error({ err }, "shop id not resolved yet (server tags, orphan sweep); retrying in 30 s"));
  // Heartbeat (first, so a start that crashes still counts toward a crash loop), alert checks and the alert bot, by role (ops/watchdog.ts).
  const alerting = startAlerting({ roles, config, logger, prisma, redis, queues, metrics, i18n, botDeps: core.botDeps });
  const maintenance = startMaintenanceWatch({ ...core, logger, probe: roles.includes("worker") });
  // The breaker's failure streaks are counted across every process (each sees only part of the calls).
  dependencyHealth.share(redis, config.queuePrefix);
  if (!(await waitForRedis(producerRedis))) logger.error("Redis is not reachable; starting anyway, queue writes will fail until it is back");
  // OWNER_IDS / SELLER_IDS are authoritative: whoever they no longer list is demoted before anyone taps.
  if (roles.includes("bot") || roles.includes("worker")) {
    await core.users.applyRoster().then(
      (changes) => changes.length > 0 && logger.info({ changes }, "stored roles brought in line with OWNER_IDS / SELLER_IDS"),
      (err: unknown) => logger.error({ err }, "could not apply OWNER_IDS / SELLER_IDS at start-up; every update still checks them"),
    );
  }

  let server: ServerType | undefined;
  let botStartup: BotStartup | undefined;
  let inbox: UpdateInbox | undefined;
  const components = new StartupComponents();
  let scheduler: { stop(): Promise<void> } | undefined;
  let workers: Worker[] = [];
  /** Set as shutdown begins: long runs (a broadcast) hand their job back instead of holding the shutdown. */
  let shuttingDown = false;
  let recovery: { stop(): Promise<void> } | undefined;
  let workerRedis: Redis | undefined;
  let webhookSql: pg.Pool | undefined;
  let httpPort: number | undefined;
  const extraRoutes: ExtraRoutes[] = [];

  if (roles.includes("bot")) {
    if (config.telegram.mode === "webhook" && !roles.includes("web")) throw new Error("BOT_MODE=webhook needs the web role in the same process (run roles: web bot)");
    const bot = createBot(core.botDeps, { botInfo: opts.botInfo });
    if (config.telegram.mode === "webhook") {
      // Several bot processes may sit behind the load balancer: updates go through the Postgres
      // inbox, which keeps each chat's updates one at a time and in order across all of them.
      const prefixes = stateKeyPrefixes(config.queuePrefix);
      inbox = new UpdateInbox(prisma, (update) => bot.handleUpdate(update), logger, metrics, {
        stateWritten: (chatKey, updateId) => stateAlreadyWritten(redis, [prefixes.session, prefixes.conversation], chatKey, updateId),
      });
      // Mounted now: the route answers 503 until the bot has reached Telegram.
      extraRoutes.push({ path: "/telegram", app: telegramWebhookRoutes(bot, inbox, config.telegram.webhookSecret!, metrics) });
    }
    // In the background: a Telegram outage must not stop the other roles (payment webhooks above all).
    botStartup = startBot({ bot, config, prisma, i18n, logger, queues, components }, opts.telegramRetry);
    const started = inbox;
    if (started) void botStartup.ready.then((ok) => ok && started.start());
  }

  if (roles.includes("worker")) {
    const api = createTelegramApi(config);
    workerRedis = createRedis(config.redis, "worker");
    workerRedis.on("error", (err) => logger.warn({ err: err.message }, "redis (worker) error"));
    const base: ProcessorMap = {
      [QueueName.Notifications]: {
        process: notificationsProcessor({
          api,
          i18n,
          prisma,
          shopName: config.shopName,
          encryptionKey: config.encryptionKey,
          queues,
          credentialsTtlMs: config.provisioning.credentialsTtlMs,
          secondStaffAboveIdr: config.pending.secondStaffAboveIdr,
          logger,
        }),
        concurrency: 8,
      },
      [QueueName.Provisioning]: {
        process: provisioningProcessor({
          prisma,
          redis,
          queues,
          api,
          i18n,
          logger,
          metrics,
          providers: core.providers,
          encryptionKey: config.encryptionKey,
          prefix: config.queuePrefix,
          deadlineMs: config.provisioning.deadlineMs,
          pollIntervalMs: config.provisioning.pollIntervalMs,
          // The per-order Redis lock must lapse no later than the job lock after a crash, or the
          // job taken over from a killed worker would find the order still locked (default 60 s).
          orderLockTtlMs: Math.min(60_000, Math.floor(config.provisioning.jobLockMs / 2)),
          staff: config,
        }),
        onFinalFailure: provisioningFailureHandler({ prisma, queues, staff: config, providers: core.providers, logger }),
        // A job mostly waits for a server to boot; 10 in parallel keep a burst of orders from
        // queueing for minutes, while polls stay near 3 req/s (inside DigitalOcean's 250/min).
        concurrency: 10,
        // Polling a booting server takes minutes; the lock is renewed while the job lives. After a
        // kill -9 the job is taken over once this lock lapses (PROVISION_JOB_LOCK_MS, default 120 s).
        lockDuration: config.provisioning.jobLockMs,
        stalledInterval: Math.min(30_000, config.provisioning.jobLockMs),
        // A stalled provisioning run is a killed worker, not a poison job (the run is idempotent:
        // lease, tag lookup, sealed password), so it is taken over up to 5 times before the order
        // fails for a seller. Measured by `npm run chaos`: with BullMQ's default of 1, 2 of 200
        // paid orders ended PROVISIONING_FAILED after 24 kills in 4 minutes.
        maxStalledCount: 5,
      },
      [QueueName.InstanceActions]: {
        process: instanceActionsProcessor({ prisma, queues, providers: core.providers, encryptionKey: config.encryptionKey }),
        onFinalFailure: instanceActionFailureHandler({ prisma, queues }),
        concurrency: 4,
        lockDuration: 120_000,
      },
      [QueueName.PaymentFollowups]: {
        process: paymentFollowupsProcessor({ prisma, queues, tripay: core.tripay, midtrans: core.midtrans, providers: core.providers, staff: config }),
        concurrency: 4,
      },
      [QueueName.ScreenshotPurge]: {
        // The daily retention run: transfer screenshots, then payment callbacks and gateway event keys, then old email codes,
        // then customer events with their deliveries, expired API idempotency records, ended Mini App sessions and week-old scheduler claims.
        process: async () => ({
          purged: await purgeProofs(prisma, { dataDir: config.dataDir, olderThan: new Date(Date.now() - config.screenshotRetentionDays * 86_400_000) }),
          ...(await purgePaymentRecords(prisma)),
          emailCodes: await purgeEmailVerifications(prisma),
          customerEvents: await purgeCustomerEvents(prisma),
          apiIdempotency: await purgeExpiredIdempotency(prisma),
          appSessions: await purgeEndedSessions(prisma, { replayWindowMs: config.miniAppInitDataMaxAgeS * 1000 }),
          schedulerTicks: await purgeSchedulerTicks(prisma),
        }),
        concurrency: 1,
      },
      [QueueName.OwnerAlerts]: { process: ownerAlertsProcessor({ api, prisma, queues, config, i18n, logger }), concurrency: 1 },
      [QueueName.Backups]: backupsWorker({ prisma, config, queues, logger, i18n }),
      [QueueName.StatsReports]: statsReportsWorker({ prisma, api, roster: configRoster(config), i18n, logger }),
      [QueueName.Broadcast]: {
        process: broadcastProcessor({
          prisma,
          api: createBroadcastApi(config),
          limiter: new BroadcastLimiter(redis, config.queuePrefix, config.broadcast),
          t: (locale, key, params) => i18n.t(locale, key, params),
          settings: config.broadcast,
          enqueueRun: broadcastEnqueuer(queues),
          logger,
          metrics,
          stopping: () => shuttingDown,
        }),
        onFinalFailure: broadcastFailureHandler({ prisma }),
        // Two broadcasts may run at once (they share the pace). A run lives as long as its
        // broadcast; after a kill -9 it is taken over once its lock lapses (BROADCAST_JOB_LOCK_MS),
        // as often as it takes: a killed run is not a poison job.
        concurrency: 2,
        lockDuration: config.broadcast.jobLockMs,
        // Looked for often (a cheap check), so a killed run is taken over soon after its lock lapses
        // instead of up to two intervals later.
        stalledInterval: Math.max(1_000, Math.min(5_000, Math.floor(config.broadcast.jobLockMs / 3))),
        maxStalledCount: 1000,
      },
      [QueueName.Outbound]: {
        // Reseller webhooks and email copies (shop/events/): one attempt per job, each with its own timeout.
        process: outboundProcessor({
          prisma,
          queues,
          webhook: { encryptionKey: config.encryptionKey, policy: { allowPrivate: config.webhooks.allowPrivate }, timeoutMs: config.webhooks.timeoutMs },
          email: emailDelivery(config, prisma, i18n),
        }),
        onFinalFailure: outboundFailureHandler({ prisma }),
        concurrency: 8,
      },
      [QueueName.Lifecycle]: {
        process: lifecycleProcessor({ prisma, queues, i18n, providers: core.providers, lifecycle: config.lifecycle, paymentTtlHours: config.orderPaymentTtlHours, pending: { ...config.pending, staff: config } }),
        concurrency: 1,
      },
    };
    const processors = opts.processors ? opts.processors(base) : base;
    // WORKER_QUEUES: a host may leave queues to others (the backups to the host whose BACKUP_DIR
    // holds them). The recovery sweep still knows every queue's final-failure handling.
    const taken = selectQueues(config.workerQueues);
    const here = Object.fromEntries(Object.entries(processors).filter(([name]) => taken.has(name as QueueName))) as ProcessorMap;
    workers = registerWorkers({ connection: workerRedis, prefix: config.queuePrefix, processors: here, logger, metrics, queues });
    logger.info({ queues: workers.map((w) => w.name) }, "workers started");
    // One lifecycle job at a time across every worker host (jobs/queues.ts GLOBAL_CONCURRENCY).
    queues.applyGlobalConcurrency().catch((err: unknown) => logger.warn({ err }, "could not set the queues' global concurrency; lifecycle jobs may overlap across hosts"));
    // Postgres is the truth: at start and every minute, push again whatever Redis lost.
    recovery = startRecovery({ prisma, queues, processors, logger });
  }

  if (roles.includes("scheduler")) {
    // Each tick is claimed in Postgres (scheduler_ticks): several schedulers (one per host) enqueue it once.
    const claims = new TickClaims(prisma, queues, logger);
    scheduler = startScheduler([...scheduleTable(queues), ...backupSchedules(config, queues), ...statsReportSchedules(queues)], logger, { claims, overrides: config.schedulerCronOverrides });
  }

  if (roles.includes("web")) {
    // The gateway webhook's settlement runs on a small plain pg pool, as prepared statements;
    // callbacks arriving together share one statement and one commit (settle-batch.ts).
    webhookSql = new pg.Pool(webhookPoolConfig(config.databaseUrl));
    webhookSql.on("error", (err) => logger.warn({ err: err.message }, "webhook pg pool error"));
    const settler = new SettlementBatcher(webhookSql, { maxInFlight: WEBHOOK_SETTLEMENTS_IN_FLIGHT, onBatch: (n) => metrics.settlementBatchSize.observe(n) });
    extraRoutes.push({ path: "/webhooks", app: paymentWebhookRoutes({ config, prisma, queues, metrics, settler }) });
    extraRoutes.push({ path: "/app", app: miniAppRoutes({ prisma, redis, users: core.users, providers: core.providers, queues, checkout: core.checkout, config }, [{ path: "/staff", app: staffApi({ prisma, queues, providers: core.providers, config, users: core.users }) }]) });
    extraRoutes.push({
      path: "/api/v1",
      app: apiRoutes({
        prisma,
        redis,
        queues,
        catalog: core.catalog,
        providers: core.providers,
        payable: (orderId, userId) => core.checkout.payable(orderId, userId),
        settings: { queuePrefix: config.queuePrefix, paymentTtlHours: config.orderPaymentTtlHours, shopName: config.shopName, encryptionKey: config.encryptionKey, allowPrivateWebhooks: config.webhooks.allowPrivate },
      }),
    });
    const app = createServer({ logger, metrics, prisma, redis, components, metricsToken: config.http.metricsToken, trustedProxy: trustedProxies(config.http.trustedProxies) }, extraRoutes);
    await new Promise<void>((resolve, reject) => {
      server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, (info) => {
        httpPort = info.port;
        resolve();
      });
      server.once("error", reject);
    });
    logger.info({ host: config.http.host, port: httpPort }, "http server listening");
  }

  const monitoring = await startMonitoring({ config, roles, metrics, prisma, queues, logger });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    shuttingDown = true;
    stopping ??= (async () => {
      logger.info("shutting down");
      const step = async (name: string, fn: () => Promise<unknown> | unknown) => {
        try {
          await fn();
        } catch (err) {
          logger.warn({ err, step: name }, "shutdown step failed");
        }
      };
      await step("intake", async () => {
        await Promise.all([
          botStartup?.stop(),
          server
            ? new Promise<void>((resolve) => {
                server!.close(() => resolve());
                // Keep-alive clients must not hold the shutdown: idle ones now, busy ones after 3 s.
                const http = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
                http.closeIdleConnections?.();
                setTimeout(() => http.closeAllConnections?.(), 3_000).unref();
              })
            : undefined,
        ]);
      });
      // Updates being handled finish; what is left waits in Postgres for the other bot processes.
      await step("inbox", () => inbox?.stop());
      await step("cron", () => scheduler?.stop());
      await step("alerts", () => alerting.stop());
      await step("metrics", () => monitoring.stop());
      await step("recovery", () => recovery?.stop());
      await step("maintenance", () => maintenance.stop());
      await step("workers", () => closeWorkers(workers));
      await step("queues", () => queues.close());
      await step("redis", () => Promise.all([closeRedis(redis), closeRedis(producerRedis), workerRedis ? closeRedis(workerRedis) : undefined]));
      await step("prisma", () => Promise.all([prisma.$disconnect(), webhookSql?.end()]));
      logger.info("shutdown complete");
    })();
    return stopping;
  };

  // When Telegram answers at once (the usual case), the service is returned with the bot already receiving updates.
  await botStartup?.firstAttempt;
  return { roles, config, prisma, redis, queues, metrics, get httpPort() { return httpPort; }, metricsPort: monitoring.port, botReady: botStartup?.ready, stop };
}
