/**
 * Public entry point of the fake Telegram Bot API server: start it with
 * `startFakeTelegram()`, point grammY at `fake.url`, drive users with `fake.user(id)`.
 */
export { DEFAULT_FAKE_TOKEN, startFakeTelegram, type FakeTelegram } from "./server.js";
export type { ButtonPress, ButtonSelector, FakeUser, UserActionResult } from "./users.js";
export type { UserProfile } from "./state.js";
export type { WaitOptions } from "./waiting.js";
export { describeMessage } from "./waiting.js";
export type { WebhookDelivery } from "./webhook.js";
export type { RateLimitConfig } from "./rate-limit.js";
export { TelegramApiError } from "./errors.js";
export { formatText, parseHtml, parseMarkdownV2, parseMarkdownLegacy, type FormattedText } from "./formatting.js";
export { SUPPORTED_METHODS } from "./methods.js";
export { flattenButtons } from "./markup.js";
export type {
  ApiCall,
  BotMessageState,
  CallbackAnswer,
  FakeEvent,
  FakeTelegramOptions,
  MediaInfo,
} from "./types.js";
