import { pino, type Logger, type LoggerOptions } from "pino";

/**
 * Why pino with fixed redaction: logs are shipped off the box by operators, and a
 * Telegram token or gateway key in a log line is a full account takeover.
 */
export type { Logger };

const REDACT_PATHS = [
  "token",
  "*.token",
  "password",
  "*.password",
  "rootPassword",
  "*.rootPassword",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "privateKey",
  "*.privateKey",
  "serverKey",
  "*.serverKey",
  "headers.authorization",
  "*.headers.authorization",
  'headers["x-telegram-bot-api-secret-token"]',
  'headers["x-callback-signature"]',
];

/** Creates the process logger; `role` is stamped on every line. */
export function createLogger(opts: { level?: LoggerOptions["level"]; role: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: { role: opts.role, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/** Strips a bot token from any string (grammY error messages can include request URLs). */
export function scrubToken(text: string): string {
  return text.replace(/bot\d+:[A-Za-z0-9_-]+/g, "bot[redacted]");
}
