import { hostname } from "node:os";
import type { I18n } from "@grammyjs/i18n";
import { run, type RunnerHandle } from "@grammyjs/runner";
import { GrammyError, HttpError, type Bot, type Context } from "grammy";
import type { BotContext } from "../bot/context.js";
import type { PrismaClient } from "../db/client.js";
import { publishCommands } from "../bot/commands.js";
import { publishMenuButton } from "../bot/miniapp-button.js";
import { configRoster, staffPowers } from "../shop/users/staff.js";
import { runAsLeader } from "../shop/leases.js";
import { QueueName, jobId, type Queues } from "../jobs/queues.js";
import type { Config } from "../shop/platform/config.js";
import { scrubSecrets, type Logger } from "../shop/platform/logger.js";
import { logPollingErrors } from "./polling-errors.js";
import type { StartupComponents } from "../shop/platform/readiness.js";

/** A polling process that died hands polling to a standby bot process after this long. */
export const POLLER_LEASE_MS = 30_000;

/** The name `/health/ready` reports the bot's connection under. */
export const TELEGRAM_COMPONENT = "telegram";

/**
 * How start-up keeps trying the Bot API: waits double from `firstDelayMs` up to `maxDelayMs`
 * (so a recovered Telegram is used within a minute), and the owner is alerted once, after
 * `alertAfterFailures` failed attempts in a row (about 30 s with the defaults).
 */
export interface StartupRetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  alertAfterFailures: number;
}

export const TELEGRAM_STARTUP_RETRY: StartupRetryPolicy = { firstDelayMs: 1_000, maxDelayMs: 60_000, alertAfterFailures: 5 };

export interface BotStartupDeps {
  bot: Bot<BotContext>;
  config: Config;
  /** Who is staff (the menus per member) is read from here. */
  prisma: PrismaClient;
  i18n: I18n<Context>;
  logger: Logger;
  queues: Queues;
  components: StartupComponents;
  /** Who holds the poller lease (tests running two bots in one process give each its own). */
  pollerHolder?: string;
}

export interface BotStartup {
  /** Settles with the outcome of the first attempt (true: the bot is receiving updates). */
  firstAttempt: Promise<boolean>;
  /** Resolves true once the bot receives updates, false if stopped before. */
  ready: Promise<boolean>;
  /** Ends the retry loop and the poller. */
  stop(): Promise<void>;
}

/** A start-up failure in one line an owner can read (no token: grammY's messages never carry it, the scrub makes sure). */
function describeFailure(step: string, err: unknown): string {
  let why = err instanceof Error ? err.message : String(err);
  const code = err instanceof HttpError ? (err.error as { code?: unknown } | undefined)?.code : undefined;
  if (typeof code === "string") why += ` (${code})`;
  return scrubSecrets(`${step}: ${why}`).slice(0, 500);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Connects the bot to Telegram (getMe, command menu, webhook or polling) and keeps retrying
 * inside the process when Telegram is unreachable, instead of exiting: under systemd's start
 * limit a minute of Telegram trouble would leave the unit dead, and in webhook mode take the
 * payment webhooks down with it. Each step that succeeded is not repeated.
 */
export function startBot(deps: BotStartupDeps, policy: StartupRetryPolicy = TELEGRAM_STARTUP_RETRY): BotStartup {
  const { bot, config, prisma, i18n, logger, queues, components } = deps;
  const abort = new AbortController();
  const signal = abort.signal;
  // grammY types its signal with the abort-controller shim; Node's own AbortSignal is what it uses at run time.
  const apiSignal = signal as unknown as Parameters<Bot["api"]["getMe"]>[0];
  const webhook = config.telegram.mode === "webhook";
  const steps: Array<[string, () => Promise<unknown>]> = [
    // Not bot.init(): it retries getMe forever by itself (up to 20 min apart), silently.
    [
      "getMe",
      async () => {
        if (!bot.isInited()) bot.botInfo = await bot.api.getMe(apiSignal);
      },
    ],
    ["setMyCommands", async () => publishCommands(bot.api, i18n, await staffPowers(prisma, configRoster(config)), logger, apiSignal)],
    ["setChatMenuButton", () => publishMenuButton(bot.api, i18n, config.telegram.publicBaseUrl, apiSignal)],
    webhook
      ? [
          "setWebhook",
          () =>
            bot.api.setWebhook(`${config.telegram.publicBaseUrl}/telegram/webhook`, { secret_token: config.telegram.webhookSecret, allowed_updates: ["message", "callback_query"] }, apiSignal),
        ]
      : ["deleteWebhook", () => bot.api.deleteWebhook(undefined, apiSignal)],
  ];
  const alertKey = jobId("telegram-unreachable", process.pid, Date.now());
  let runner: RunnerHandle | undefined;
  let poller: { stop(): Promise<void> } | undefined;
  let reportFirst: (ok: boolean) => void = () => undefined;
  const firstAttempt = new Promise<boolean>((resolve) => (reportFirst = resolve));
  components.pending(TELEGRAM_COMPONENT, "connecting");

  const alertOwner = (severity: "critical" | "info", title: string, detail: string, key: string) =>
    queues.enqueue(QueueName.OwnerAlerts, { severity, title, detail, ...(severity === "critical" ? { fingerprint: "telegram:unreachable" } : { resolves: "telegram:unreachable" }) }, { jobId: key }).catch((err: unknown) => logger.error({ err }, "could not enqueue the owner alert about Telegram"));

  const ready = (async () => {
    logger.info({ apiRoot: config.telegram.apiRoot }, "contacting the Telegram Bot API");
    const since = new Date();
    let done = 0;
    let failures = 0;
    for (;;) {
      try {
        for (; done < steps.length; done++) await steps[done]![1]();
        break;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const why = describeFailure(steps[done]![0], err);
        const retryInMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1));
        components.pending(TELEGRAM_COMPONENT, why);
        const permanent = err instanceof GrammyError && err.error_code !== 429 && err.error_code < 500;
        logger[permanent || failures >= policy.alertAfterFailures ? "error" : "warn"]({ err, step: steps[done]![0], attempt: failures, retryInMs }, "Telegram Bot API not usable at start-up; retrying");
        if (failures === policy.alertAfterFailures) {
          void alertOwner(
            "critical",
            "Bot belum terhubung ke Telegram",
            `Sejak ${since.toISOString()}, ${failures} percobaan gagal. Proses tetap berjalan (webhook pembayaran tetap dilayani) dan mencoba lagi tiap ≤ ${Math.round(policy.maxDelayMs / 1000)} dtk.\nKesalahan terakhir: ${why}`,
            alertKey,
          );
        }
        reportFirst(false);
        await pause(retryInMs, signal);
        if (signal.aborted) break;
      }
    }
    if (signal.aborted) {
      reportFirst(false);
      return false;
    }
    if (!webhook) {
      // Silent: the runner would print its fetch errors (bot<token> in the URL) to stderr.
      logPollingErrors(bot, logger);
      // Telegram allows one poller per bot (a second gets 409 Conflict). Bot processes on several
      // hosts elect one through a Postgres lease; the others stand by and take over within
      // POLLER_LEASE_MS if its host dies (at once if it stops cleanly).
      poller = runAsLeader(
        prisma,
        "bot-poller",
        async (lost) => {
          logger.info("this process polls Telegram for updates");
          const handle = run(bot, { runner: { fetch: { allowed_updates: ["message", "callback_query"] }, silent: true } });
          runner = handle;
          const ended = new Promise<void>((resolve) => lost.addEventListener("abort", () => resolve(), { once: true }));
          await Promise.race([handle.task()?.catch((err: unknown) => logger.error({ err }, "polling ended with an error")), ended]);
          if (handle.isRunning()) await handle.stop();
          if (!signal.aborted) logger.warn("this process stopped polling (lease lost or polling ended); standing by");
        },
        {
          ttlMs: POLLER_LEASE_MS,
          retryMs: Math.floor(POLLER_LEASE_MS / 6),
          // The machine and the supervisor (PM2, systemd) that restarts this process: a bot
          // restarted after a crash polls again at once instead of waiting for its own lease to lapse.
          holder: deps.pollerHolder ?? `${hostname()}:${process.ppid}:bot-poller`,
          onError: (err) => logger.error({ err }, "bot poller failed; trying again"),
        },
      );
    }
    components.ready(TELEGRAM_COMPONENT);
    logger.info({ username: bot.botInfo.username, mode: config.telegram.mode, failedAttempts: failures }, webhook ? "bot receives updates by webhook" : "bot connected; polling from whichever bot process holds the poller lease");
    if (failures >= policy.alertAfterFailures) {
      void alertOwner("info", "Bot kembali terhubung ke Telegram", `Setelah ${failures} percobaan gagal sejak ${since.toISOString()}.`, `${alertKey}-ok`);
    }
    reportFirst(true);
    return true;
  })();

  return {
    firstAttempt,
    ready,
    async stop() {
      abort.abort();
      await ready;
      await poller?.stop();
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
