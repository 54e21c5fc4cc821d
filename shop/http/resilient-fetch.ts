/**
 * The one way we call external HTTP APIs (payment gateways now, clouds later).
 *
 * Why one helper: every vendor call needs the same four things done right — a
 * hard timeout, retries that never duplicate a money-moving POST, respect for
 * the vendor's rate-limit hints, and errors that can be logged without leaking
 * API keys. Doing it once here means a gateway client is only vendor mapping.
 */

/** What went wrong, coarse enough for callers to branch on. */
export type ExternalErrorCode = "timeout" | "network" | "rate_limited" | "http_4xx" | "http_5xx" | "bad_response";

/**
 * A failed call to an external service. `message` is safe to log and show to
 * operators: it names the service, method, host and path (never the query
 * string), and known secrets (the Authorization header's credentials and any
 * `redact` values) are scrubbed from it and from `body`.
 *
 * `retryable` says whether the same call may succeed later (timeouts, network
 * errors, 429, most 5xx). It is a property of the failure, not permission: for
 * a non-idempotent call a timeout means the outcome is unknown, so the caller
 * must re-check (e.g. by reference) before repeating a money-moving request.
 */
export class ExternalServiceError extends Error {
  override readonly name = "ExternalServiceError";
  readonly service: string;
  readonly code: ExternalErrorCode;
  /** HTTP status when the service answered (or the status the vendor put in its body). */
  readonly status?: number;
  /** The response body, truncated to 2 000 chars and scrubbed of known secrets. */
  readonly body?: string;
  readonly retryable: boolean;
  /** How many HTTP attempts were made (1 = no retry). */
  readonly attempts: number;
  /** The wait the service asked for (Retry-After / rate-limit reset), when it sent one: a queue can reschedule by it. */
  readonly retryAfterMs?: number;
  /**
   * The vendor's parsed JSON error body, for mapping vendor error codes. Not enumerable,
   * so structured loggers do not serialise it; use `body` for logs.
   */
  declare readonly data?: unknown;

  constructor(init: {
    service: string;
    code: ExternalErrorCode;
    message: string;
    status?: number;
    body?: string;
    retryable: boolean;
    attempts?: number;
    retryAfterMs?: number;
    data?: unknown;
    cause?: unknown;
  }) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.service = init.service;
    this.code = init.code;
    if (init.status !== undefined) this.status = init.status;
    if (init.body !== undefined) this.body = init.body;
    this.retryable = init.retryable;
    this.attempts = init.attempts ?? 1;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    Object.defineProperty(this, "data", { value: init.data, enumerable: false, writable: false, configurable: false });
  }
}

/** Options of {@link requestJson}. Only `service` and `url` are required. */
export interface RequestJsonOptions {
  /** Short vendor name used in errors and logs, e.g. "tripay". */
  service: string;
  url: string;
  /** Default GET. GET/HEAD/OPTIONS/PUT/DELETE are treated as idempotent. */
  method?: string;
  headers?: Record<string, string>;
  /** A string (sent as is), URLSearchParams (form-encoded) or any JSON value (serialised, content-type set). */
  body?: unknown;
  /** Per attempt, including reading the body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /**
   * Default false: a non-idempotent call (POST, PATCH) is retried only when the
   * connection could not be established (the request provably never reached the
   * server) — never after a response or a timeout, because the vendor may
   * already have acted on it. Set true for POSTs the vendor deduplicates.
   */
  retryNonIdempotent?: boolean;
  /** Backoff base: the first retry waits up to this (full jitter). Default 250 ms. */
  minDelayMs?: number;
  /** Backoff ceiling. Default 8 000 ms. */
  maxDelayMs?: number;
  /**
   * Longest server-requested wait (Retry-After, rate-limit reset) we sit through.
   * A longer request stops the retries with `rate_limited` and `retryAfterMs`,
   * so a queue can reschedule instead of holding a worker. Default 30 000 ms.
   */
  maxRetryAfterMs?: number;
  /** Non-2xx statuses that are valid answers for this call (returned, not thrown), e.g. 404 = "unknown yet". */
  acceptStatus?: readonly number[];
  /** Extra secret values to scrub from error messages and bodies. */
  redact?: readonly string[];
  /** Caller cancellation; aborting rethrows the signal's reason, no retry. */
  signal?: AbortSignal;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; returns [0, 1). */
  random?: () => number;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Injectable clock for HTTP-date Retry-After; default Date.now. */
  now?: () => number;
}

/** Per-client defaults a vendor client accepts and spreads into every requestJson call. */
export type RequestDefaults = Partial<Omit<RequestJsonOptions, "service" | "url" | "method" | "headers" | "body">>;

/** A successful (2xx or accepted) answer. `data` is the parsed JSON, or undefined for an empty body. */
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  data: T;
  text: string;
  /** How many attempts it took. */
  attempts: number;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
/** Errors raised while connecting: the request bytes never reached the server. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const BODY_LIMIT = 2000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls a JSON HTTP API with a per-attempt timeout, bounded retries and safe errors.
 *
 * Retries (exponential backoff with full jitter, `retries` times at most):
 * network errors and timeouts (idempotent methods only, see `retryNonIdempotent`),
 * 5xx (except 501) and 429. A `Retry-After` (seconds or HTTP date) or a
 * rate-limit reset header (`ratelimit-reset`, `x-ratelimit-reset`; epoch seconds or
 * seconds from now) replaces the jittered delay when present. Other 4xx are never
 * retried. 3xx is not followed (a redirected POST would silently become a GET).
 *
 * Throws {@link ExternalServiceError} for every failure except caller abort.
 */
export async function requestJson<T = unknown>(opts: RequestJsonOptions): Promise<JsonResponse<T>> {
  const method = (opts.method ?? "GET").toUpperCase();
  const retries = Math.max(0, opts.retries ?? 3);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const minDelay = opts.minDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 8_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 30_000;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const idempotent = IDEMPOTENT.has(method) || opts.retryNonIdempotent === true;
  const secrets = collectSecrets(opts);
  const where = describeTarget(method, opts.url);
  const scrub = (s: string) => redact(s, secrets);

  const headers = new Headers({ accept: "application/json" });
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers.set(k, v);
  let body: string | URLSearchParams | undefined;
  if (opts.body === undefined) body = undefined;
  else if (typeof opts.body === "string" || opts.body instanceof URLSearchParams) body = opts.body;
  else {
    body = JSON.stringify(opts.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }

  let attempt = 0;
  for (;;) {
    attempt += 1;
    const canRetry = attempt <= retries;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let failure: ExternalServiceError;
    let waitHint: number | undefined;
    let retryThis: boolean;
    try {
      const res = await doFetch(opts.url, { method, headers, body, signal, redirect: "manual" });
      const text = await res.text();
      const accepted = (res.status >= 200 && res.status < 300) || (opts.acceptStatus ?? []).includes(res.status);
      const parsed = parseJson(text);
      if (accepted) {
        if (!parsed.ok) {
          throw new ExternalServiceError({
            service: opts.service,
            code: "bad_response",
            message: `${opts.service}: HTTP ${res.status} from ${where} was not JSON`,
            status: res.status,
            body: truncate(scrub(text)),
            retryable: false,
            attempts: attempt,
          });
        }
        return { status: res.status, headers: res.headers, data: parsed.value as T, text, attempts: attempt };
      }
      const detail = parsed.ok ? vendorDetail(parsed.value) : undefined;
      const base = {
        service: opts.service,
        status: res.status,
        body: truncate(scrub(text)),
        attempts: attempt,
        data: parsed.ok ? parsed.value : undefined,
      };
      const suffix = detail ? `: ${scrub(detail)}` : "";
      if (res.status === 429) {
        waitHint = retryAfterMs(res.headers, now(), true);
        const hint = waitHint !== undefined ? { retryAfterMs: waitHint } : {};
        failure = new ExternalServiceError({ ...base, ...hint, code: "rate_limited", message: `${opts.service}: rate limited (HTTP 429) by ${where}${suffix}`, retryable: true });
        retryThis = idempotent;
      } else if (res.status >= 500) {
        const retryable = res.status !== 501;
        waitHint = res.status === 503 ? retryAfterMs(res.headers, now(), false) : undefined;
        const hint = waitHint !== undefined ? { retryAfterMs: waitHint } : {};
        failure = new ExternalServiceError({ ...base, ...hint, code: "http_5xx", message: `${opts.service}: HTTP ${res.status} from ${where}${suffix}`, retryable });
        retryThis = retryable && idempotent;
      } else if (res.status >= 400) {
        throw new ExternalServiceError({ ...base, code: "http_4xx", message: `${opts.service}: HTTP ${res.status} from ${where}${suffix}`, retryable: false });
      } else {
        throw new ExternalServiceError({ ...base, code: "bad_response", message: `${opts.service}: unexpected HTTP ${res.status} from ${where}`, retryable: false });
      }
    } catch (error) {
      if (error instanceof ExternalServiceError) throw error;
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (timeout.aborted) {
        failure = new ExternalServiceError({
          service: opts.service,
          code: "timeout",
          message: `${opts.service}: no answer within ${timeoutMs} ms from ${where}`,
          retryable: true,
          attempts: attempt,
          cause: error,
        });
        retryThis = idempotent;
      } else {
        const code = networkCode(error);
        failure = new ExternalServiceError({
          service: opts.service,
          code: "network",
          message: `${opts.service}: network error${code ? ` ${code}` : ""} calling ${where}`,
          retryable: true,
          attempts: attempt,
          cause: error,
        });
        retryThis = idempotent || (code !== undefined && CONNECT_CODES.has(code));
      }
    }

    if (!retryThis || !canRetry) throw failure;
    let delay: number;
    if (waitHint !== undefined) {
      if (waitHint > maxRetryAfter) {
        throw new ExternalServiceError({
          service: failure.service,
          code: failure.code,
          message: `${failure.message} (asked to wait ${Math.ceil(waitHint / 1000)} s)`,
          status: failure.status,
          body: failure.body,
          retryable: true,
          attempts: attempt,
          retryAfterMs: waitHint,
          data: failure.data,
        });
      }
      delay = waitHint;
    } else {
      delay = Math.floor(random() * Math.min(maxDelay, minDelay * 2 ** (attempt - 1)));
    }
    await sleep(delay);
    if (opts.signal?.aborted) throw opts.signal.reason;
  }
}

/**
 * The wait a response asks for, in ms: `Retry-After` (delta seconds or HTTP date)
 * first, then (for 429 only) a rate-limit reset header. Undefined when absent or unparsable.
 */
export function retryAfterMs(headers: Headers, nowMs: number, includeResetHeaders: boolean): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  if (!includeResetHeaders) return undefined;
  for (const name of ["ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset"]) {
    const raw = headers.get(name)?.trim();
    if (!raw || !/^\d+(\.\d+)?$/.test(raw)) continue;
    const value = Number(raw);
    // Large values are unix epoch seconds (DigitalOcean, Linode); small ones are seconds from now.
    return value > 1_000_000_000 ? Math.max(0, Math.round(value * 1000 - nowMs)) : Math.round(value * 1000);
  }
  return undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A short human reason from common vendor error shapes (Tripay, Midtrans, DigitalOcean, Vultr, Linode). */
function vendorDetail(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(v.error_messages)) parts.push(v.error_messages.filter((m) => typeof m === "string").join("; "));
  if (typeof v.status_message === "string") parts.push(v.status_message);
  if (typeof v.message === "string") parts.push(v.message);
  if (typeof v.error === "string") parts.push(v.error);
  if (Array.isArray(v.errors)) {
    for (const e of v.errors) if (e && typeof e === "object" && typeof (e as { reason?: unknown }).reason === "string") parts.push((e as { reason: string }).reason);
  }
  const joined = parts.filter(Boolean).join("; ");
  return joined ? joined.slice(0, 200) : undefined;
}

function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** "POST host/path" — never the query string, which some APIs use for keys. */
function describeTarget(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.host}${u.pathname}`;
  } catch {
    return `${method} (invalid URL)`;
  }
}

function collectSecrets(opts: RequestJsonOptions): string[] {
  const out = new Set<string>();
  for (const s of opts.redact ?? []) if (s && s.length >= 4) out.add(s);
  try {
    // Query parameters that look like credentials (api_key=, token=, signature=, …).
    for (const [name, value] of new URL(opts.url).searchParams) {
      if (/key|token|secret|sig|pass|auth|cred/i.test(name) && value.length >= 4) out.add(value);
    }
  } catch {
    // invalid URL: fetch will fail and the message does not include it
  }
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (name.toLowerCase() !== "authorization" && name.toLowerCase() !== "x-api-key") continue;
    const [scheme, ...rest] = value.trim().split(/\s+/);
    const credential = rest.join(" ");
    if (value.length >= 4) out.add(value);
    if (credential.length >= 4) out.add(credential);
    if (scheme?.toLowerCase() === "basic" && credential) {
      const decoded = Buffer.from(credential, "base64").toString("utf8");
      for (const part of decoded.split(":")) if (part.length >= 4) out.add(part);
    }
  }
  // Longest first, so a secret containing another is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("[redacted]");
  return out;
}

function truncate(text: string): string {
  return text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}…[truncated ${text.length - BODY_LIMIT} chars]` : text;
}
