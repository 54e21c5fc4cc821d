import type { Breadcrumb, ErrorEvent } from "@sentry/node";
import { createScrubber } from "./logger.js";

/**
 * Error reports to Sentry when SENTRY_DSN is set, scrubbed before they leave the process.
 *
 * Why lazily: `@sentry/node` costs tens of MiB of RSS once imported (measured in the README's
 * Monitoring section) and a role must idle within 150 MiB, so it is imported only when a DSN is
 * configured. Why so few integrations: no tracing, no OpenTelemetry, no HTTP/console
 * instrumentation (they would copy request bodies and log lines, i.e. customers' data, into
 * breadcrumbs); only uncaught exceptions, unhandled rejections, error causes and de-duplication.
 *
 * What is scrubbed from every event and breadcrumb, in every string at any depth: the configured
 * secrets and secret shapes the logger scrubs (bot tokens, keys, URL credentials, bearer
 * tokens), e-mail addresses, phone numbers, Telegram @usernames and ids (any run of 6+ digits),
 * and whole fields named like secrets or personal data. The user, request and server name are
 * dropped.
 */
export interface SentryHandle {
  captureException(err: unknown, tags?: Record<string, string>): void;
  /** Waits until queued events are sent (before exit). */
  flush(timeoutMs?: number): Promise<boolean>;
  close(timeoutMs?: number): Promise<void>;
}

const REDACTED = "[redacted]";
/** Field names whose whole value goes, whatever it holds. */
const SENSITIVE_FIELD = /pass|secret|token|key|auth|sign|cookie|session|phone|email|e_mail|username|user_name|first_?name|last_?name|full_?name|telegram_?id|chat_?id|user_?id|from_?id/i;
const PII_SHAPES: Array<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, "[email]"],
  // Indonesian mobile numbers (+62 8…, 62 8…, 08…) with spaces or dashes, then any +<country> number.
  [/(?:\+?62|\b0)[\s-]?8\d{1,3}(?:[\s-]?\d{2,4}){2,3}\b/g, "[phone]"],
  [/\+\d[\d\s-]{7,16}\d/g, "[phone]"],
  // Not after a slash: "node_modules/@scope/pkg" in a stack frame is no user.
  [/(^|[^\w@./])@[A-Za-z][A-Za-z0-9_]{3,31}\b/g, "$1[username]"],
  // Telegram user and chat ids (and anything else as long: order ids too, that is fine here).
  [/-?\b\d{6,}\b/g, "[id]"],
];

/** A function that removes secrets and personal data from one string. */
export function createPiiScrubber(secrets: Iterable<string | undefined>): (text: string) => string {
  const scrubSecrets = createScrubber(secrets);
  return (text) => {
    let out = scrubSecrets(text);
    for (const [shape, replacement] of PII_SHAPES) out = out.replace(shape, replacement);
    return out;
  };
}

/** Scrubs every string in a JSON-like value; sensitive field names lose their value. */
export function scrubDeep<T>(value: T, scrub: (text: string) => string, depth = 0): T {
  if (typeof value === "string") return scrub(value) as T;
  if (depth > 12 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrub, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
    out[field] = SENSITIVE_FIELD.test(field) && inner !== null && inner !== undefined && typeof inner !== "object" ? REDACTED : scrubDeep(inner, scrub, depth + 1);
  }
  return out as T;
}

/** What leaves the process: the event without user, request or host, every string scrubbed. */
export function scrubEvent(event: ErrorEvent, scrub: (text: string) => string): ErrorEvent {
  // sdkProcessingMetadata is the SDK's own (scopes, sampling): never sent as such, left as it is.
  const { user: _user, request: _request, server_name: _server, sdkProcessingMetadata, ...rest } = event;
  return { ...scrubDeep(rest, scrub), ...(sdkProcessingMetadata ? { sdkProcessingMetadata } : {}) } as ErrorEvent;
}

export function scrubBreadcrumb(crumb: Breadcrumb, scrub: (text: string) => string): Breadcrumb {
  return scrubDeep(crumb, scrub);
}

/**
 * Starts Sentry for this process when `dsn` is set (else returns undefined and imports nothing).
 * `secrets`: configSecrets(config), so a configured value never reaches Sentry either.
 */
export async function initSentry(opts: { dsn?: string; role: string; secrets: Iterable<string | undefined>; release?: string; environment?: string }): Promise<SentryHandle | undefined> {
  if (!opts.dsn) return undefined;
  const Sentry = await import("@sentry/node");
  const scrub = createPiiScrubber(opts.secrets);
  Sentry.init({
    dsn: opts.dsn,
    ...(opts.release ? { release: opts.release } : {}),
    environment: opts.environment ?? process.env.NODE_ENV ?? "production",
    defaultIntegrations: false,
    enableOpenTelemetrySetup: false,
    integrations: [
      // main.ts has its own uncaughtException handler (log, graceful shutdown): Sentry only reports.
      Sentry.onUncaughtExceptionIntegration({ exitEvenIfOtherHandlersAreRegistered: false }),
      Sentry.onUnhandledRejectionIntegration({ mode: "none" }),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
    ],
    initialScope: { tags: { role: opts.role } },
    beforeSend: (event) => scrubEvent(event, scrub),
    beforeBreadcrumb: (crumb) => scrubBreadcrumb(crumb, scrub),
  });
  return {
    captureException: (err, tags) => void Sentry.captureException(err, tags ? { tags } : undefined),
    flush: (timeoutMs = 2_000) => Sentry.flush(timeoutMs),
    close: async (timeoutMs = 2_000) => void (await Sentry.close(timeoutMs)),
  };
}
