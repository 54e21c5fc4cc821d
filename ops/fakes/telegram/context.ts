import type { UserFromGetMe } from "grammy/types";
import type { TelegramApiError } from "./errors.js";
import type { FileStore } from "./files.js";
import type { Params } from "./params.js";
import type { RateLimiter } from "./rate-limit.js";
import type { FakeState } from "./state.js";
import type { WireUser } from "./types.js";
import type { UpdateQueue } from "./update-queue.js";
import type { WebhookDispatcher } from "./webhook.js";

/** An error queued with `fake.failNext()` to simulate Telegram failures (403, 500, 429...). */
export interface InjectedError {
  method: string;
  chatId?: number;
  remaining: number;
  error: TelegramApiError;
}

/** Everything a method handler may touch; one instance per fake server. */
export interface FakeContext {
  state: FakeState;
  files: FileStore;
  queue: UpdateQueue;
  webhook: WebhookDispatcher;
  limiter: RateLimiter;
  botInfo: UserFromGetMe;
  /** The bot as it appears in `message.from`. */
  botUser: WireUser;
  injected: InjectedError[];
  autoCreateChats: boolean;
  allowLocalhostUrls: boolean;
}

/** A successful answer that also carries Telegram's optional `description` (setWebhook does this). */
export class ApiOk {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}

/** A Bot API method implementation; `signal` aborts when the HTTP client goes away. */
export type MethodHandler = (ctx: FakeContext, params: Params, signal: AbortSignal) => unknown;
