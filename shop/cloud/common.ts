/**
 * What the three cloud adapters share: one HTTP call path on top of requestJson, the
 * mapping of every failure to a CloudError with a human message, a small TTL cache for
 * availability answers, and input helpers (labels, passwords, cloud-config).
 *
 * Retry policy (the important part for "exactly one server per order"):
 * - GET/DELETE are retried by requestJson (timeouts, network errors, 5xx, 429 with
 *   Retry-After / rate-limit reset honoured).
 * - POST (create, actions) is retried ONLY after a 429 (the provider rejected it before
 *   doing anything) or when the connection could not even be opened. Never after a
 *   timeout or a 5xx: the provider may already have created the server / started the
 *   action. The error is then `timeout` / `unavailable` and the caller must re-check
 *   (for a create: `findByTag(tag)`) before trying again. A create whose answer was lost
 *   may also show up in lists a little later than the provider accepted it, so a caller
 *   that finds nothing right after a timeout should look again after a short wait (or
 *   leave the order for the next provisioning attempt) rather than create at once.
 */
import type { ZodType } from "zod";
import { ExternalServiceError, requestJson, type JsonResponse, type RequestDefaults } from "../http/resilient-fetch.js";
import { newCryptSalt, sha512Crypt } from "../crypto/sha512-crypt.js";
import { CloudError, type CloudErrorCode, type ProviderCode } from "./provider.js";
import { dependencyHealth } from "../maintenance/dependency-health.js";
import { CloudRateGate } from "./rate-gate.js";

/** Options every adapter constructor accepts. */
export interface CloudAdapterOptions {
  /** Timeouts, retries and test injectables (sleep, random, fetch, now) for every requestJson call. */
  fetchOptions?: RequestDefaults;
  /** How long isAvailable / list answers are cached. Default 60 s. */
  availabilityTtlMs?: number;
  /** Clock for the availability cache (tests). Default Date.now. */
  now?: () => number;
  /** Page size for list calls (tests use a small one to exercise pagination). */
  pageSize?: number;
  /** The API budget shared with every other process (Redis); without it only this process's retries pace the calls. */
  rateGate?: CloudRateGate;
}

export interface CloudCredentials {
  token: string;
  apiUrl: string;
}

export const PROVIDER_NAMES: Record<ProviderCode, string> = {
  DIGITALOCEAN: "DigitalOcean",
  VULTR: "Vultr",
  LINODE: "Linode",
};

/** Cloud calls are slower than payment calls (a create can take seconds). */
const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
/** Hard cap on pages followed by a list call (a runaway `next` link must not loop forever). */
export const MAX_PAGES = 50;

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export interface CloudCall {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path (and query) below the API base URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Non-2xx statuses returned instead of thrown (e.g. 404 for getServer). */
  acceptStatus?: readonly number[];
  /** What we were doing, for the human message: "create the server", "reboot server 123". */
  what: string;
  /** Extra secrets (e.g. a root password in the body) to scrub from errors. */
  redact?: readonly string[];
}

/** The sold-out family of provider messages (size/plan/type not creatable in a region now). */
const SOLD_OUT_PATTERNS = [
  /sold[\s-]?out/i,
  /out of stock/i,
  /\b(?:no|insufficient|not enough|at) (?:more )?capacity\b/i,
  /\b(?:size|region|plan|type|location|datacenter)s?\b.*\b(?:not (?:currently )?available|unavailable|no longer available)\b/i,
  /\b(?:not (?:currently )?available|unavailable|no longer available)\b.*\b(?:size|region|plan|type|location|datacenter)s?\b/i,
];
/** Messages about our own input that must not be read as "sold out" even if they say "not available". */
const NOT_STOCK_PATTERN = /\b(?:image|os|os_id|iso|snapshot|ssh|key|password|root_pass|label|name|hostname|tag|user_data)\b/i;
/** "Busy with another action" messages (DO 422 pending event, Linode 400 busy, Vultr locked). */
const CONFLICT_PATTERNS = [
  /pending (?:event|action)/i,
  /\bin progress\b/i,
  /\bbusy\b/i,
  /\blocked\b/i,
  /another (?:action|operation|job)/i,
  /already (?:has|running|processing|being)/i,
  /must be (?:shut ?down|powered off|offline|off)\b/i,
];

export function isSoldOutMessage(message: string): boolean {
  return SOLD_OUT_PATTERNS.some((p) => p.test(message)) && !NOT_STOCK_PATTERN.test(message);
}

export function isConflictMessage(message: string): boolean {
  return CONFLICT_PATTERNS.some((p) => p.test(message));
}

/**
 * One provider's HTTP access: bearer auth, base URL, requestJson defaults, the POST
 * 429-retry layer and the error mapping. `vendorMessage` reads the provider's error body.
 */
export class CloudHttp {
  private readonly name: string;
  private readonly defaults: RequestDefaults;
  private readonly account: string;

  constructor(
    readonly provider: ProviderCode,
    private readonly creds: CloudCredentials,
    fetchOptions: RequestDefaults | undefined,
    private readonly vendorMessage: (data: unknown) => string | undefined,
    private readonly rateGate?: CloudRateGate,
  ) {
    this.name = PROVIDER_NAMES[provider];
    this.defaults = { timeoutMs: DEFAULT_TIMEOUT_MS, retries: DEFAULT_RETRIES, ...fetchOptions };
    this.account = CloudRateGate.account(provider, creds.token);
  }

  /** Calls the API; every failure becomes a CloudError. */
  async call<T = unknown>(c: CloudCall): Promise<JsonResponse<T>> {
    const method = c.method ?? "GET";
    const idempotent = IDEMPOTENT.has(method);
    const retries = Math.max(0, this.defaults.retries ?? DEFAULT_RETRIES);
    const maxRetryAfter = this.defaults.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    const sleep = this.defaults.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const random = this.defaults.random ?? Math.random;
    const gate = this.rateGate;
    // Every attempt waits for the account's shared budget: the first one here, requestJson's own
    // retries after their backoff (its sleep), outside the per-attempt timeout either way. A 429
    // any attempt gets holds every process (reportingFetch).
    const turn = () => gate?.turn(this.provider, this.account, { sleep, maxWaitMs: maxRetryAfter });
    const paced: RequestDefaults = gate
      ? { ...this.defaults, sleep: async (ms) => { await sleep(ms); await turn(); }, fetch: gate.reportingFetch(this.account, this.defaults.fetch ?? fetch) }
      : this.defaults;
    let rateRetries = 0;
    for (;;) {
      try {
        await turn();
        return await dependencyHealth.observe(`PROVIDER:${this.provider}`, requestJson<T>({
          ...paced,
          service: this.provider.toLowerCase(),
          method,
          url: `${this.creds.apiUrl}${c.path}`,
          headers: { authorization: `Bearer ${this.creds.token}`, ...c.headers },
          body: c.body,
          ...(c.acceptStatus ? { acceptStatus: c.acceptStatus } : {}),
          redact: [this.creds.token, ...(c.redact ?? []), ...(this.defaults.redact ?? [])],
        }));
      } catch (error) {
        // A 429 means the provider refused before acting, so even a create may be repeated.
        // requestJson does not retry non-idempotent calls, hence this layer.
        if (!idempotent && error instanceof ExternalServiceError && error.status === 429 && rateRetries < retries) {
          const minDelay = this.defaults.minDelayMs ?? 250;
          const wait = error.retryAfterMs ?? Math.floor(random() * Math.min(this.defaults.maxDelayMs ?? 8_000, minDelay * 2 ** rateRetries));
          if (wait <= maxRetryAfter) {
            rateRetries += 1;
            await sleep(wait);
            continue;
          }
        }
        throw this.toCloudError(error, c, idempotent);
      }
    }
  }

  /** GET that must parse with `schema`; a shape mismatch is CloudError "unknown". */
  async getParsed<T>(path: string, schema: ZodType<T>, what: string, headers?: Record<string, string>): Promise<T> {
    const res = await this.call({ path, what, ...(headers ? { headers } : {}) });
    return this.parse(schema, res.data, what);
  }

  parse<T>(schema: ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new CloudError(
        this.provider,
        "unknown",
        `${this.name} answered with an unexpected shape while trying to ${what} (${first ? `${first.path.join(".") || "body"}: ${first.message}` : "invalid"})`,
        false,
      );
    }
    return parsed.data;
  }

  /** A CloudError raised by us (bad input, unsupported action) rather than the provider. */
  error(code: CloudErrorCode, message: string, retryable = false): CloudError {
    return new CloudError(this.provider, code, `${this.name}: ${message}`, retryable);
  }

  /** Scrubs the token out of any provider text we put in a message. */
  private scrub(text: string, extra: readonly string[] = []): string {
    let out = text;
    for (const secret of [this.creds.token, ...extra]) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
    return out;
  }

  toCloudError(error: unknown, c: CloudCall, idempotent: boolean): CloudError {
    if (error instanceof CloudError) return error;
    const p = this.provider;
    const n = this.name;
    if (!(error instanceof ExternalServiceError)) {
      const detail = error instanceof Error ? error.message : String(error);
      return new CloudError(p, "unknown", `${n}: could not ${c.what}: ${this.scrub(detail).slice(0, 200)}`, false);
    }
    const raw = this.vendorMessage(error.data);
    const vendor = raw ? this.scrub(raw, c.redact).slice(0, 300) : undefined;
    const said = vendor ? ` ${n} said: "${vendor}"` : "";
    const status = error.status;
    switch (error.code) {
      case "timeout":
        return new CloudError(
          p,
          "timeout",
          idempotent
            ? `${n} did not answer in time while trying to ${c.what}.`
            : `${n} did not answer in time while trying to ${c.what}; it may still have happened — check before repeating it.`,
          true,
        );
      case "network":
        return new CloudError(p, "unavailable", `${n} could not be reached while trying to ${c.what}.`, true);
      case "rate_limited": {
        const wait = error.retryAfterMs !== undefined ? ` Try again in ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))} s.` : "";
        return new CloudError(p, "rate_limited", `${n} rate limit reached while trying to ${c.what}.${wait}${said}`, true, 429, error.retryAfterMs);
      }
      case "http_5xx":
        return new CloudError(p, "unavailable", `${n} is having problems (HTTP ${status}) and could not ${c.what}.${said}`, error.retryable, status, error.retryAfterMs);
      case "http_4xx":
        return this.classify4xx(status ?? 400, vendor, c.what, said);
      case "bad_response":
      default:
        return new CloudError(p, "unknown", `${n} gave an unreadable answer while trying to ${c.what} (HTTP ${status ?? "?"}).`, false, status);
    }
  }

  private classify4xx(status: number, vendor: string | undefined, what: string, said: string): CloudError {
    const p = this.provider;
    const n = this.name;
    if (status === 401 || status === 403) {
      return new CloudError(p, "unauthorized", `${n} rejected our API token (HTTP ${status}) while trying to ${what}; check the token and its permissions.${said}`, false, status);
    }
    if (status === 404) return new CloudError(p, "not_found", `${n} does not know this resource (trying to ${what}).${said}`, false, status);
    if (status === 409 || (vendor && isConflictMessage(vendor))) {
      return new CloudError(p, "conflict", `${n} is busy with another action on this server; try again in a minute.${said}`, true, status);
    }
    if (vendor && isSoldOutMessage(vendor)) {
      return new CloudError(p, "sold_out", `${n} cannot create this size in this region right now (sold out).${said}`, false, status);
    }
    return new CloudError(p, "invalid_request", `${n} refused to ${what} (HTTP ${status}).${said}`, false, status);
  }
}

/** Caches successful answers (and shares in-flight loads) for `ttlMs`; failures are not cached. */
export class TtlCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.entries.set(key, { at: this.now(), value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * cloud-config that sets root's password and allows password SSH logins. The password goes
 * as a SHA-512 crypt hash (`type: hash`), never as text: user_data stays readable from inside
 * the server for its whole life (the metadata service, the provider's user-data endpoint).
 * Both chpasswd forms are written: `users` (cloud-init ≥ 22.2) and the older `list` (still
 * honoured, deprecated; it has recognised `user:$6$…` entries as hashes since 0.7.10) so older
 * images (e.g. Debian 11's cloud-init 20.4) work too. Values are JSON-quoted, which is valid
 * YAML double-quoted scalar syntax. `salt` is for tests; by default a fresh random one.
 */
export function rootPasswordCloudConfig(password: string, salt: string = newCryptSalt()): string {
  const hash = sha512Crypt(password, salt);
  return [
    "#cloud-config",
    "ssh_pwauth: true",
    "chpasswd:",
    "  expire: false",
    "  users:",
    "    - name: root",
    `      password: ${JSON.stringify(hash)}`,
    "      type: hash",
    "  list:",
    `    - ${JSON.stringify(`root:${hash}`)}`,
    "",
  ].join("\n");
}

/** A root password we can pass safely in JSON and cloud-config: printable, 8–128 chars. */
export function assertRootPassword(http: CloudHttp, password: string | undefined): string {
  if (typeof password !== "string" || password.length < 8 || password.length > 128 || hasControlChars(password)) {
    throw http.error("invalid_request", "the root password must be 8–128 printable characters.");
  }
  return password;
}

function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A hostname-safe label: letters, digits, '-' (and '.' when allowed), no leading/trailing '-', ≤ max chars. */
export function hostnameLabel(label: string, max = 63, allowDots = false): string {
  const cleaned = label
    .trim()
    .replace(allowDots ? /[^A-Za-z0-9.-]+/g : /[^A-Za-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+/, "")
    .slice(0, max)
    .replace(/[-.]+$/, "");
  return cleaned || "vps";
}

/** IPv4 ranges that are not publicly routable (RFC 1918, CGNAT, loopback, link-local). */
export function isPrivateIpv4(ip: string): boolean {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return true;
  const [a, b] = parts as [number, number, number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** Numeric provider ids (DigitalOcean, Linode): anything else cannot exist. */
export function isNumericId(id: string): boolean {
  return /^\d{1,15}$/.test(id);
}
