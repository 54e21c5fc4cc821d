import type { BaseTransportOptions, Breadcrumb, ErrorEvent } from "@sentry/core";
import { createScrubber } from "./logger.js";

/**
 * Error reports to Sentry when SENTRY_DSN is set, scrubbed before they leave the process.
 *
 * Why lazily: Sentry's code costs memory once imported (README, Monitoring) and a role must idle
 * within 150 MiB, so it is imported only when a DSN is configured. Why so little of it: no
 * tracing, no OpenTelemetry, no HTTP/console instrumentation (they would copy request bodies and
 * log lines, i.e. customers' data, into breadcrumbs); only uncaught exceptions, unhandled
 * rejections, captured errors with their causes, de-duplicated.
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

/** The running client's capture, once initSentry has loaded it. */
let active: ((err: unknown, tags?: Record<string, string>) => void) | undefined;

/**
 * Reports an error handled at a boundary (a job failed for good, an HTTP 500, a bot update that
 * threw) when Sentry is on; without SENTRY_DSN it does nothing and nothing was imported.
 */
export function reportError(err: unknown, tags?: Record<string, string>): void {
  active?.(err, tags);
}

/** Sends envelopes with fetch (10 s timeout); Sentry's rate limits are honoured by createTransport. */
function fetchTransport(core: typeof import("@sentry/core")) {
  return (options: BaseTransportOptions) =>
    core.createTransport(options, async (request) => {
      const res = await fetch(options.url, { method: "POST", body: request.body, headers: options.headers, signal: AbortSignal.timeout(10_000) });
      return { statusCode: res.status, headers: { "x-sentry-rate-limits": res.headers.get("x-sentry-rate-limits"), "retry-after": res.headers.get("retry-after") } };
    });
}

/**
 * Starts Sentry for this process when `dsn` is set (else returns undefined and imports nothing).
 * `secrets`: configSecrets(config), so a configured value never reaches Sentry either.
 *
 * Built on `@sentry/core`'s server client, the part of `@sentry/node` that reports errors:
 * `@sentry/node` itself loads OpenTelemetry and every auto-instrumentation on import, measured
 * at +63 MiB RSS for the all-in-one process against +11–23 MiB for this (README, Monitoring).
 * Uncaught exceptions are reported from `uncaughtExceptionMonitor`, which leaves what happens
 * next (ops/main.ts: log, graceful shutdown, flush, exit 1) to the process's own handler.
 */
export async function initSentry(opts: { dsn?: string; role: string; secrets: Iterable<string | undefined>; release?: string; environment?: string }): Promise<SentryHandle | undefined> {
  if (!opts.dsn) return undefined;
  const core = await import("@sentry/core");
  const { ServerRuntimeClient, nodeStackLineParser } = await import("@sentry/core/server");
  const scrub = createPiiScrubber(opts.secrets);
  const client = new ServerRuntimeClient({
    dsn: opts.dsn,
    ...(opts.release ? { release: opts.release } : {}),
    environment: opts.environment ?? process.env.NODE_ENV ?? "production",
    platform: "node",
    runtime: { name: "node", version: process.version },
    integrations: [core.eventFiltersIntegration(), core.linkedErrorsIntegration(), core.dedupeIntegration()],
    stackParser: core.createStackParser(nodeStackLineParser()),
    transport: fetchTransport(core),
    beforeSend: (event) => scrubEvent(event, scrub),
    beforeBreadcrumb: (crumb) => scrubBreadcrumb(crumb, scrub),
  });
  core.getCurrentScope().setClient(client);
  core.getGlobalScope().setTag("role", opts.role);
  client.init();
  const report = (type: string) => (err: unknown) => void core.captureException(err, { mechanism: { type, handled: false } });
  process.on("uncaughtExceptionMonitor", report("onuncaughtexception"));
  // Every process here has its own unhandledRejection handler (ops/main.ts logs it); this one only reports.
  process.on("unhandledRejection", report("onunhandledrejection"));
  active = (err, tags) => void core.captureException(err, tags ? { tags } : undefined);
  return {
    captureException: active,
    flush: (timeoutMs = 2_000) => core.flush(timeoutMs),
    close: async (timeoutMs = 2_000) => {
      active = undefined;
      await client.close(timeoutMs);
    },
  };
}
