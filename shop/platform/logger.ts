import { pino, type Logger, type LoggerOptions } from "pino";
import type { Config } from "./config.js";

/**
 * Why one logger factory with its own error serializer and a last scrub of every line: logs
 * are shipped off the box by operators, and a Telegram token, a gateway key or a customer's
 * root password in a log line is a full takeover. pino's stock error serializer copies every
 * enumerable property, so a grammY `GrammyError` brings its `payload` (the credentials message)
 * and a node-fetch error its URL (with `bot<token>` in it).
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

const REDACTED = "[redacted]";
/** Shorter configured values would blank ordinary words ("postgres") all over the logs. */
const MIN_SECRET_LENGTH = 8;

/** Shapes of secrets we can recognise without being told their value. */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  // A bot token in a Bot API URL (`/bot<token>/method`, also URL-encoded), then anywhere.
  [/bot\d+(?::|%3A)[A-Za-z0-9_-]+/gi, `bot${REDACTED}`],
  [/\d+:[A-Za-z0-9_-]{30,}/g, REDACTED],
  // Credentials inside a URL: scheme://user:password@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@/"]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A function that removes secrets from any text: the recognisable shapes above and every
 * given value, also in the forms it takes inside a JSON string or a URL.
 */
export function createScrubber(secrets: Iterable<string | undefined> = []): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  const values = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const known = values.length > 0 ? new RegExp(values.join("|"), "g") : undefined;
  return (text) => {
    let out = known ? text.replace(known, REDACTED) : text;
    for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
    return out;
  };
}

/** Strips secrets of a recognisable shape (bot tokens, URL credentials) from a string. */
export const scrubSecrets = createScrubber();

function smtpPasswordForms(smtpUrl: string | undefined): string[] {
  const password = smtpUrl ? new URL(smtpUrl).password : "";
  if (!password) return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

/** Every configured secret value: what must never appear in a log line, whatever carries it. */
export function configSecrets(config: Config): string[] {
  const key = Buffer.from(config.encryptionKey);
  const values = [
    config.telegram.token,
    config.alerts?.botToken,
    config.telegram.webhookSecret,
    config.http.metricsToken,
    config.monitoring?.sentryDsn,
    config.tripay?.apiKey,
    config.tripay?.privateKey,
    config.midtrans?.serverKey,
    config.providers.digitalocean?.token,
    config.providers.vultr?.token,
    config.providers.linode?.token,
    config.backup?.s3?.secretAccessKey,
    // SMTP_URL's password, as typed (percent-encoded) and decoded.
    ...smtpPasswordForms(config.email?.smtpUrl),
    config.backup?.secretKey ? Buffer.from(config.backup.secretKey).toString("base64") : undefined,
    key.toString("base64"),
    key.toString("hex"),
  ];
  return values.filter((v): v is string => typeof v === "string" && v.length > 0);
}

/** Error fields that carry what was sent or received (a message text, a request), never logged. */
const PAYLOAD_FIELD = /^(payload|text|caption|data|config|request|response|headers|options|params|url|stack|message|name|type)$|pass|secret|token|key|auth|sign|cookie/i;
const MAX_FIELD_CHARS = 1_000;
const MAX_CAUSE_DEPTH = 3;

/** Outputs of serializeError: pino hands them to the `err` serializer again after `formatters.log`. */
const serialized = new WeakSet<object>();

function isErrorLike(value: unknown): value is Error {
  if (typeof value === "object" && value !== null && serialized.has(value)) return false;
  return value instanceof Error || (typeof value === "object" && value !== null && typeof (value as Error).message === "string" && typeof (value as Error).stack === "string");
}

/**
 * The one error serializer: type, message, stack, the error's own scalar fields (codes,
 * statuses, `retry_after`) and its causes. Object-valued fields (a grammY `payload`, an HTTP
 * request or response, a config) and fields named like secrets are dropped, whatever the class.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!isErrorLike(err)) return err;
  const out: Record<string, unknown> = { type: err.name || err.constructor?.name || "Error", message: err.message };
  if (err.stack) out.stack = err.stack;
  for (const [field, value] of Object.entries(err)) {
    if (PAYLOAD_FIELD.test(field)) continue;
    if (typeof value === "number" || typeof value === "boolean") out[field] = value;
    else if (typeof value === "string") out[field] = value.slice(0, MAX_FIELD_CHARS);
  }
  const retryAfter = (err as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
  if (typeof retryAfter === "number") out.retry_after = retryAfter;
  if (depth < MAX_CAUSE_DEPTH) {
    // grammY's HttpError keeps the underlying fetch error in `error`; standard errors in `cause`.
    const cause = (err as { cause?: unknown }).cause ?? (err as { error?: unknown }).error;
    if (cause !== undefined) out.cause = isErrorLike(cause) ? serializeError(cause, depth + 1) : typeof cause === "string" ? cause.slice(0, MAX_FIELD_CHARS) : undefined;
    const inner = (err as { errors?: unknown }).errors;
    if (Array.isArray(inner)) out.errors = inner.slice(0, 5).map((e) => serializeError(e, depth + 1));
  }
  serialized.add(out);
  return out;
}

/** Errors under any key of a log call (not only `err`) go through the same serializer. */
function serializeErrorsIn(obj: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [field, value] of Object.entries(obj)) {
    if (isErrorLike(value)) {
      copy ??= { ...obj };
      copy[field] = serializeError(value);
    }
  }
  return copy ?? obj;
}

export interface CreateLoggerOptions {
  level?: LoggerOptions["level"];
  role: string;
  destination?: pino.DestinationStream;
  /** Values to blank in every log line (configSecrets(config)); token shapes are blanked anyway. */
  secrets?: Iterable<string | undefined>;
}

/**
 * Creates the process logger; `role` is stamped on every line. Child loggers inherit the
 * serializer and the scrub, so this is the only place a log line is shaped.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const scrub = createScrubber(opts.secrets);
  return pino(
    {
      level: opts.level ?? "info",
      base: { role: opts.role, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }), log: serializeErrorsIn },
      // The last word on every line, whatever field or message a secret hid in.
      hooks: { streamWrite: scrub },
    },
    opts.destination,
  );
}
