import type { ResponseParameters } from "grammy/types";

/**
 * An error the fake answers with Telegram's exact wire shape
 * (`{ok:false,error_code,description,parameters?}` plus the same HTTP status),
 * so bot code sees the same `GrammyError` it would see in production.
 */
export class TelegramApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
    this.name = "TelegramApiError";
  }

  /** The JSON body Telegram sends for this error. */
  toBody(): { ok: false; error_code: number; description: string; parameters?: ResponseParameters } {
    return this.parameters === undefined
      ? { ok: false, error_code: this.errorCode, description: this.description }
      : { ok: false, error_code: this.errorCode, description: this.description, parameters: this.parameters };
  }
}

/** Builds a 400 with Telegram's "Bad Request: " prefix, the most common failure. */
export function badRequest(message: string): TelegramApiError {
  return new TelegramApiError(400, `Bad Request: ${message}`);
}

/** Builds a 403 with Telegram's "Forbidden: " prefix (blocked bot, etc.). */
export function forbidden(message: string): TelegramApiError {
  return new TelegramApiError(403, `Forbidden: ${message}`);
}

/**
 * Telegram's answer to an upload over 50 MB: HTTP 413 with the JSON body
 * `{"ok":false,"error_code":413,"description":"Request Entity Too Large"}` (not a "Bad Request").
 */
export function entityTooLarge(): TelegramApiError {
  return new TelegramApiError(413, "Request Entity Too Large");
}

/** Telegram's answer to unknown methods and unknown file paths. */
export function notFound(): TelegramApiError {
  return new TelegramApiError(404, "Not Found");
}

/** Telegram's answer to a wrong bot token. */
export function unauthorized(): TelegramApiError {
  return new TelegramApiError(401, "Unauthorized");
}

/** Builds a 409 with Telegram's "Conflict: " prefix (webhook vs. polling, two pollers). */
export function conflict(message: string): TelegramApiError {
  return new TelegramApiError(409, `Conflict: ${message}`);
}

/** Telegram's flood-control answer; `retry_after` is in seconds. */
export function tooManyRequests(retryAfterSeconds: number): TelegramApiError {
  return new TelegramApiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, {
    retry_after: retryAfterSeconds,
  });
}
