import { autoRetry } from "@grammyjs/auto-retry";
import { Api, GrammyError } from "grammy";
import type { Config } from "../ops/config.js";

/**
 * A Bot API client for processes that send but do not receive (workers): same
 * API root and the same bounded retry policy as the bot itself.
 */
export function createTelegramApi(config: Config): Api {
  const api = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30 });
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 20 }));
  return api;
}

/** True when retrying cannot help: the user blocked the bot, or the chat is gone. */
export function isPermanentTelegramError(err: unknown): boolean {
  return err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && /chat not found|user is deactivated/i.test(err.description)));
}
