import { autoRetry } from "@grammyjs/auto-retry";
import { Api, GrammyError, HttpError, type Transformer } from "grammy";
import type { Config } from "../platform/config.js";

/**
 * Connection failures where the request never got an answer: worth one quick retry, since a
 * reset or refused connection is often gone a second later. A timeout is not here: its request
 * may have been processed, and a second 30 s wait would outlast a job's lock.
 */
const CONNECTION_FAILURES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);

/** True for a grammY HttpError caused by a failed connection (see CONNECTION_FAILURES). */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof HttpError)) return false;
  const code = (err.error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && CONNECTION_FAILURES.has(code);
}

/**
 * Retries a failed connection `retries` times, `delayMs` apart (doubling), then lets the
 * HttpError through. auto-retry cannot bound this itself: without `rethrowHttpErrors` it retries
 * network errors forever, doubling its pause up to an hour, with nothing logged.
 */
export function boundedNetworkRetry(opts: { retries: number; delayMs: number }): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (attempt >= opts.retries || signal?.aborted || !isConnectionFailure(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, opts.delayMs * 2 ** attempt));
      }
    }
  };
}

/**
 * The bot's policy: an update's handler waits at most about a minute on Telegram (429s up to
 * 20 s, three times; 5xx three times) and ~3 s on a failed connection, then fails into the
 * error boundary instead of holding its chat.
 */
export function botRetry(api: Api): void {
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 20, rethrowHttpErrors: true }));
  api.config.use(boundedNetworkRetry({ retries: 2, delayMs: 1_000 }));
  api.config.use(expiredCallbackAnswers);
}

const EXPIRED_QUERY = /query is too old|query id is invalid/i;

/**
 * Answering a callback query only stops the button's spinner, and Telegram refuses an answer
 * after about 15 s (or a second one) with 400 "query is too old … or query ID is invalid". An
 * update handled late, or handled again because the bot process that started it died (the webhook
 * inbox hands it to another process), must still do its work and show its screen rather than
 * fail into the error boundary over a spinner that is long gone.
 */
const expiredCallbackAnswers: Transformer = async (prev, method, payload, signal) => {
  const res = await prev(method, payload, signal);
  if (method === "answerCallbackQuery" && !res.ok && res.error_code === 400 && EXPIRED_QUERY.test(res.description)) {
    return { ok: true, result: true } as unknown as typeof res;
  }
  return res;
};

/**
 * A Bot API client for processes that send but do not receive (workers). A network failure
 * surfaces within about a second so the job fails and the queue's own retry and backoff take
 * over (and, when it persists, the failed-job path alerts the owner), instead of the job
 * sitting in an invisible retry loop while holding its worker slot.
 */
export function createTelegramApi(config: Config): Api {
  const api = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30 });
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 20, rethrowHttpErrors: true }));
  api.config.use(boundedNetworkRetry({ retries: 2, delayMs: 250 }));
  return api;
}

/**
 * The client broadcasts send with: no automatic retries at all. A 429 must hold every sender
 * (shop/broadcasts/limiter.ts), not put one request to sleep while the others keep firing; and a
 * request retried after a broken connection may already have been delivered.
 */
export function createBroadcastApi(config: Config): Api {
  return new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30 });
}

/** True when retrying cannot help: the user blocked the bot, or the chat is gone. */
export function isPermanentTelegramError(err: unknown): boolean {
  return err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && /chat not found|user is deactivated/i.test(err.description)));
}
