/**
 * What the three fake clouds share: the HTTP server on 127.0.0.1, bearer-token check,
 * the request log, rate-limit headers, lazily applied state transitions (a server "boots"
 * when somebody looks at it after its boot time — no timers left running), and the
 * switchable faults with their `/_fake/` control routes:
 *
 *   fail(n, {status, retryAfter?, body?})  next n API requests answer `status` in the
 *                                          provider's error shape (body: a string = the
 *                                          message, an object = sent verbatim); 429 gets
 *                                          Retry-After when retryAfter (seconds) is given
 *   timeout(n, {process?})                 next n API requests never answer (until the client
 *                                          gives up or the fake stops). By default the request
 *                                          IS processed first — a create really creates the
 *                                          server, only the answer is lost, which is exactly
 *                                          the case "exactly one server per order" must survive
 *   slow(ms)                               every API answer is delayed by ms (0 = off)
 *   soldOut(region, size, on = true)       the size cannot be created in the region
 *   setBootDelay(ms, ipDelayMs?)           create → running after ms; IPv4 ipDelayMs later
 *   setListDelay(ms)                       a new server shows in list results (GET of the
 *                                          collection, any filter) only ms after its create,
 *                                          while GET by id sees it at once: the providers' lists
 *                                          are eventually consistent, so a lost create's server
 *                                          can be missing from findByTag for a while (0 = off)
 *   servers() / requests() / reset() / stop()
 *
 * HTTP: GET /_fake/servers, GET /_fake/requests, POST /_fake/fail {count,status,retryAfter,body},
 * POST /_fake/timeout {count,process}, POST /_fake/slow {ms}, POST /_fake/sold-out
 * {region,size,soldOut}, POST /_fake/boot-delay {ms,ipDelayMs}, POST /_fake/list-delay {ms}, POST /_fake/reset.
 */
import { Hono, type Context, type Next } from "hono";
import { listenFake, type ListeningFake } from "../http.js";

export type FakeCloudName = "digitalocean" | "vultr" | "linode";

export interface FakeCloudOptions {
  /** The API token the fake accepts (Authorization: Bearer …). A fixed default per provider. */
  token?: string;
  /** create → running after this long. Default 1 500 ms. */
  bootDelayMs?: number;
  /** The public IPv4 appears this long after the server is running. Default 200 ms. */
  ipDelayMs?: number;
  /** How long reboot / power actions take. Default 300 ms. */
  actionDelayMs?: number;
  host?: string;
  port?: number;
  /** Clock (ms) for state transitions. Default Date.now. */
  now?: () => number;
}

export interface FakeCloudFault {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** A string is the error message in the provider's shape; an object is sent as the JSON body. */
  body?: string | Record<string, unknown>;
}

export interface FakeCloudRequest {
  method: string;
  /** Path without the query string, e.g. "/v2/droplets/123". */
  path: string;
  /** The query string including "?", or "". */
  query: string;
  /** HTTP status answered; 0 when the fake never answered (timeout()). */
  status: number;
}

/** A provider-neutral view of one fake server, for assertions. */
export interface FakeCloudServer {
  id: string;
  label: string;
  tags: string[];
  /** The provider's own status: DO "new"/"active"/"off", Vultr "status/power_status/server_status" (e.g. "active/running/ok"), Linode "provisioning"/"running"/"offline"/…. */
  status: string;
  region: string;
  size: string;
  image: string;
  /** The public IPv4 once assigned. */
  ipv4: string | null;
  /** The root password the server ends up with, when the cloud was told it as text (Linode root_pass, a text cloud-config, Vultr's default_password). */
  rootPassword: string | null;
  /** The crypt hash (`$6$…`) the cloud-config sets instead, when it sends a hash: the cloud never saw the text. */
  rootPasswordHash: string | null;
  /** user_data as text (decoded from base64 for Vultr), when sent. */
  userData: string | null;
  createdAt: string;
  /** When the fake created it (ms since the epoch, this process's clock): boot delays count from here. */
  createdAtMs: number;
}

export interface FakeCloud {
  readonly name: FakeCloudName;
  /** The API base URL to configure (DO_API_URL / VULTR_API_URL / LINODE_API_URL). */
  readonly url: string;
  /** http://127.0.0.1:port — where /_fake/ lives. */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  fail(nextN: number, fault: FakeCloudFault): void;
  timeout(nextN: number, opts?: { process?: boolean }): void;
  slow(ms: number): void;
  soldOut(region: string, size: string, on?: boolean): void;
  setBootDelay(ms: number, ipDelayMs?: number): void;
  setListDelay(ms: number): void;
  servers(): FakeCloudServer[];
  requests(): FakeCloudRequest[];
  reset(): void;
  stop(): Promise<void>;
}

/** Thrown by route handlers; rendered in the provider's error shape. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A state change that happens at a given time (applied lazily on the next read). */
export interface Transition {
  at: number;
  apply: () => void;
}

/** Something with pending transitions; `busyUntil` marks an action in progress. */
export interface Timed {
  timeline: Transition[];
  busyUntil: number;
}

/** Applies every due transition in time order. */
export function settle(rec: Timed, now: number): void {
  rec.timeline.sort((a, b) => a.at - b.at);
  while (rec.timeline.length > 0 && (rec.timeline[0] as Transition).at <= now) (rec.timeline.shift() as Transition).apply();
}

/**
 * Schedules an action's steps and marks the record busy for `busyForMs`. Steps are added to
 * what is still pending (e.g. a late IPv4 assignment); fakes refuse a new action while busy.
 */
export function plan(rec: Timed, now: number, steps: Array<[delayMs: number, apply: () => void]>, busyForMs: number): void {
  rec.timeline.push(...steps.map(([d, apply]) => ({ at: now + d, apply })));
  rec.busyUntil = now + busyForMs;
}

/** cloud-init's test for a hashed password in a chpasswd list (cc_set_passwords). */
const CRYPT_HASH = /^\$(1|2a|2y|5|6)(\$.+){2}$/;

/** The password fields of a server view: text or hash, from our cloud-config; `fallback` (text) when it sets none. */
export function rootPasswordOf(userData: string | null, fallback: string | null = null): Pick<FakeCloudServer, "rootPassword" | "rootPasswordHash"> {
  const value = passwordFromCloudConfig(userData);
  if (value === null) return { rootPassword: fallback, rootPasswordHash: null };
  return CRYPT_HASH.test(value) ? { rootPassword: null, rootPasswordHash: value } : { rootPassword: value, rootPasswordHash: null };
}

/** Pulls the root password (text or crypt hash) out of our cloud-config (either chpasswd form). */
export function passwordFromCloudConfig(text: string | null): string | null {
  if (!text) return null;
  const users = /\n\s*-?\s*name:\s*root\s*\n\s*password:\s*("(?:[^"\\]|\\.)*"|\S+)/.exec(text);
  const raw = users?.[1];
  if (raw) return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  const list = /\n\s*-\s*("root:(?:[^"\\]|\\.)*"|root:\S+)/.exec(text);
  const entry = list?.[1];
  if (entry) {
    const value = entry.startsWith('"') ? (JSON.parse(entry) as string) : entry;
    return value.slice("root:".length);
  }
  return null;
}

export interface CoreHooks {
  name: FakeCloudName;
  /** Path prefix of the API (also appended to the origin for `url`): "" for DO (paths carry /v2), "/v2", "/v4". */
  apiBase: string;
  /** The provider's error body for a status and message. */
  errorBody(status: number, message: string, field?: string): Record<string, unknown>;
  defaultMessage(status: number): string;
  /** Rate-limit headers for this response (called once per API request). */
  rateLimitHeaders?(now: number): Record<string, string>;
}

type Hang = { remaining: number; process: boolean };

/** The shared machinery; a provider module adds its routes to `app` and calls `start`. */
export class FakeCloudCore {
  readonly app = new Hono();
  readonly now: () => number;
  token: string;
  bootDelayMs: number;
  ipDelayMs: number;
  actionDelayMs: number;
  private readonly initial: { bootDelayMs: number; ipDelayMs: number; actionDelayMs: number };
  private faults: Array<{ remaining: number; fault: FakeCloudFault }> = [];
  private hangs: Hang[] = [];
  private slowMs = 0;
  private listDelayMs = 0;
  private soldOutPairs = new Set<string>();
  private log: FakeCloudRequest[] = [];
  private readonly waiting = new Set<() => void>();
  private listening?: ListeningFake;
  origin = "";

  constructor(
    readonly hooks: CoreHooks,
    opts: FakeCloudOptions,
    defaultToken: string,
  ) {
    this.now = opts.now ?? Date.now;
    this.token = opts.token ?? defaultToken;
    this.bootDelayMs = opts.bootDelayMs ?? 1500;
    this.ipDelayMs = opts.ipDelayMs ?? 200;
    this.actionDelayMs = opts.actionDelayMs ?? 300;
    this.initial = { bootDelayMs: this.bootDelayMs, ipDelayMs: this.ipDelayMs, actionDelayMs: this.actionDelayMs };
  }

  // --- faults ---------------------------------------------------------------------

  fail(nextN: number, fault: FakeCloudFault): void {
    if (nextN > 0) this.faults.push({ remaining: nextN, fault });
  }

  timeout(nextN: number, opts: { process?: boolean } = {}): void {
    if (nextN > 0) this.hangs.push({ remaining: nextN, process: opts.process ?? true });
  }

  slow(ms: number): void {
    this.slowMs = Math.max(0, ms);
  }

  soldOut(region: string, size: string, on = true): void {
    const key = `${region}\u0000${size}`;
    if (on) this.soldOutPairs.add(key);
    else this.soldOutPairs.delete(key);
  }

  isSoldOut(region: string, size: string): boolean {
    return this.soldOutPairs.has(`${region}\u0000${size}`);
  }

  setBootDelay(ms: number, ipDelayMs?: number): void {
    this.bootDelayMs = Math.max(0, ms);
    if (ipDelayMs !== undefined) this.ipDelayMs = Math.max(0, ipDelayMs);
  }

  setListDelay(ms: number): void {
    this.listDelayMs = Math.max(0, ms);
  }

  /** Whether a server created at `createdMs` already shows in list results (see setListDelay). */
  listed(createdMs: number): boolean {
    return this.now() - createdMs >= this.listDelayMs;
  }

  requests(): FakeCloudRequest[] {
    return this.log.map((r) => ({ ...r }));
  }

  /** Clears faults, log, sold-out pairs and delays (the provider module clears its servers). */
  resetCore(): void {
    this.faults = [];
    this.hangs = [];
    this.slowMs = 0;
    this.listDelayMs = 0;
    this.soldOutPairs.clear();
    this.log = [];
    this.bootDelayMs = this.initial.bootDelayMs;
    this.ipDelayMs = this.initial.ipDelayMs;
    this.actionDelayMs = this.initial.actionDelayMs;
    this.releaseWaiting();
  }

  /** Lets requests parked by timeout() go, so their handlers end. */
  private releaseWaiting(): void {
    for (const release of [...this.waiting]) release();
  }

  // --- HTTP plumbing --------------------------------------------------------------

  error(c: Context, status: number, message?: string, field?: string, headers: Record<string, string> = {}): Response {
    const res = c.json(this.hooks.errorBody(status, message ?? this.hooks.defaultMessage(status), field), status as 400);
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return res;
  }

  /** Runs a handler, rendering FakeHttpError in the provider's shape. */
  handle(fn: (c: Context) => Response | Promise<Response>) {
    return async (c: Context): Promise<Response> => {
      try {
        return await fn(c);
      } catch (error) {
        if (error instanceof FakeHttpError) return this.error(c, error.status, error.message, error.field);
        throw error;
      }
    };
  }

  /** Reads a JSON object body, or throws a 400 in the provider's shape. */
  async jsonBody(c: Context): Promise<Record<string, unknown>> {
    const text = await c.req.text();
    if (text.trim() === "") return {};
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new FakeHttpError(400, "The request body is not valid JSON.");
  }

  /** Waits until the client disconnects (it gave up), the fake is reset/stopped, or 2 min pass. */
  private hangUntilClientGivesUp(c: Context): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = c.req.raw.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, 120_000);
      timer.unref();
      this.waiting.add(done);
      if (signal.aborted) done();
      else signal.addEventListener("abort", done, { once: true });
    });
  }

  private async pause(ms: number, c: Context): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      c.req.raw.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  /** The middleware in front of every API route: log, slow, faults, auth, timeouts, headers. */
  guard = async (c: Context, next: Next): Promise<Response | void> => {
    const url = new URL(c.req.url);
    const entry: FakeCloudRequest = { method: c.req.method, path: url.pathname, query: url.search, status: 0 };
    this.log.push(entry);
    const rateHeaders = this.hooks.rateLimitHeaders?.(this.now()) ?? {};
    await this.pause(this.slowMs, c);

    const injected = this.faults.find((f) => f.remaining > 0);
    if (injected) {
      injected.remaining -= 1;
      const { status, retryAfter, body } = injected.fault;
      const headers: Record<string, string> = { ...rateHeaders };
      if (status === 429) for (const k of ["ratelimit-remaining", "x-ratelimit-remaining"]) if (k in headers) headers[k] = "0";
      if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
      const res =
        body !== undefined && typeof body === "object"
          ? c.json(body, status as 400)
          : this.error(c, status, typeof body === "string" ? body : undefined);
      for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
      entry.status = status;
      return res;
    }

    if (c.req.header("authorization") !== `Bearer ${this.token}`) {
      const res = this.error(c, 401);
      for (const [k, v] of Object.entries(rateHeaders)) res.headers.set(k, v);
      entry.status = 401;
      return res;
    }

    const hang = this.hangs.find((h) => h.remaining > 0);
    if (hang) {
      hang.remaining -= 1;
      if (hang.process) await next();
      await this.hangUntilClientGivesUp(c);
      entry.status = 0;
      // The client is gone; whatever we answer now is dropped.
      return new Response(null, { status: 504 });
    }

    await next();
    for (const [k, v] of Object.entries(rateHeaders)) c.res.headers.set(k, v);
    entry.status = c.res.status;
  };

  /** `/_fake/` control routes (no auth). */
  controlRoutes(fake: Pick<FakeCloud, "servers" | "reset">): void {
    const app = this.app;
    const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
    app.get("/_fake/servers", (c) => c.json(fake.servers()));
    app.get("/_fake/requests", (c) => c.json(this.requests()));
    app.post("/_fake/fail", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      const count = num(b.count) ?? num(b.nextN) ?? 1;
      const status = num(b.status);
      if (status === undefined) return c.json({ error: "send {count, status, retryAfter?, body?}" }, 400);
      const retryAfter = num(b.retryAfter);
      const body = typeof b.body === "string" || (b.body && typeof b.body === "object") ? (b.body as FakeCloudFault["body"]) : undefined;
      this.fail(count, { status, ...(retryAfter !== undefined ? { retryAfter } : {}), ...(body !== undefined ? { body } : {}) });
      return c.json({ ok: true });
    });
    app.post("/_fake/timeout", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      this.timeout(num(b.count) ?? num(b.nextN) ?? 1, { process: b.process !== false });
      return c.json({ ok: true });
    });
    app.post("/_fake/slow", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      this.slow(num(b.ms) ?? 0);
      return c.json({ ok: true });
    });
    app.post("/_fake/sold-out", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      if (typeof b.region !== "string" || typeof b.size !== "string") return c.json({ error: "send {region, size, soldOut?}" }, 400);
      this.soldOut(b.region, b.size, b.soldOut !== false);
      return c.json({ ok: true });
    });
    app.post("/_fake/boot-delay", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      const ms = num(b.ms);
      if (ms === undefined) return c.json({ error: "send {ms, ipDelayMs?}" }, 400);
      this.setBootDelay(ms, num(b.ipDelayMs));
      return c.json({ ok: true });
    });
    app.post("/_fake/list-delay", async (c) => {
      const b = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
      const ms = num(b.ms);
      if (ms === undefined) return c.json({ error: "send {ms}" }, 400);
      this.setListDelay(ms);
      return c.json({ ok: true });
    });
    app.post("/_fake/reset", (c) => {
      fake.reset();
      return c.json({ ok: true });
    });
  }

  async start(opts: FakeCloudOptions): Promise<void> {
    this.listening = await listenFake(this.app, opts, () => this.releaseWaiting());
    this.origin = this.listening.origin;
  }

  get port(): number {
    return this.listening?.port ?? 0;
  }

  get url(): string {
    return `${this.origin}${this.hooks.apiBase}`;
  }

  stop(): Promise<void> {
    if (this.listening) return this.listening.stop();
    this.releaseWaiting();
    return Promise.resolve();
  }

}


/** The part of every fake's surface that is just its core: address, token and fault switches. Call after `start`. */
export function coreControls(
  core: FakeCloudCore,
): Pick<FakeCloud, "url" | "origin" | "port" | "token" | "fail" | "timeout" | "slow" | "soldOut" | "setBootDelay" | "setListDelay" | "requests" | "stop"> {
  return {
    url: core.url,
    origin: core.origin,
    port: core.port,
    token: core.token,
    fail: (n, f) => core.fail(n, f),
    timeout: (n, o) => core.timeout(n, o),
    slow: (ms) => core.slow(ms),
    soldOut: (region, size, on) => core.soldOut(region, size, on),
    setBootDelay: (ms, ip) => core.setBootDelay(ms, ip),
    setListDelay: (ms) => core.setListDelay(ms),
    requests: () => core.requests(),
    stop: () => core.stop(),
  };
}

/** Offset pagination shared by the list endpoints. */
export function pageOf<T>(items: T[], page: number, size: number): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(1, page), pages);
  return { items: items.slice((p - 1) * size, p * size), page: p, pages };
}

/** A positive integer query parameter, clamped; the default when absent or invalid. */
export function intParam(value: string | undefined, def: number, min: number, max: number): number {
  if (!value || !/^\d+$/.test(value)) return def;
  return Math.min(max, Math.max(min, Number(value)));
}

/** A path parameter ("" when absent; the routes always define it). */
export function param(c: Context, name: string): string {
  return c.req.param(name) ?? "";
}
