import http from "node:http";
import https from "node:https";
import type { Update, WebhookInfo } from "grammy/types";
import type { UpdateQueue } from "./update-queue.js";

/** The webhook the bot registered with setWebhook. */
export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  ipAddress?: string;
}

/** One delivery attempt, kept so tests can see retries and the secret header that was sent. */
export interface WebhookDelivery {
  updateId: number;
  /** The chat the update belongs to ("chat:<id>", or "update:<id>" for one without a chat or user). */
  chat: string;
  attempt: number;
  /** When the POST was sent and when its outcome was known (the fake's clock). */
  startedAt: number;
  at: number;
  url: string;
  headers: Record<string, string>;
  ok: boolean;
  status?: number;
  error?: string;
}

interface PostResult {
  ok: boolean;
  status?: number;
  error?: string;
  reply?: Record<string, unknown>;
}

/** A chat's delivery state: at most one update in flight, and a failed one holds the chat until its retry. */
interface Lane {
  busy: boolean;
  /** The update the attempts below belong to. */
  updateId: number;
  attempts: number;
  /** Date.now() before which the failed update is not sent again. */
  retryAt: number;
}

/**
 * Which chat an update belongs to, as Telegram orders them: the chat of a message, edit, post,
 * callback's message or membership change; else the user (inline queries, a callback on an
 * inline message); an update with neither is a lane of its own.
 */
export function updateChatKey(update: Update): string {
  for (const [field, value] of Object.entries(update)) {
    if (field === "update_id" || typeof value !== "object" || value === null) continue;
    const v = value as { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } }; from?: { id?: unknown }; user?: { id?: unknown } };
    const id = v.chat?.id ?? v.message?.chat?.id ?? v.from?.id ?? v.user?.id;
    if (typeof id === "number") return `chat:${id}`;
  }
  return `update:${update.update_id}`;
}

/**
 * Pushes queued updates to the bot's webhook like Telegram: JSON POST with the secret header;
 * up to `max_connections` requests at once, but one at a time per chat and in update_id order
 * within a chat (Telegram waits for the answer before it sends the chat's next update; other
 * chats go concurrently). A failed delivery (non-2xx, connection error, timeout) is retried
 * with backoff and holds that chat's later updates meanwhile; after `maxAttempts` it is dropped.
 * A JSON body with a `method` field is executed as a "webhook reply".
 */
export class WebhookDispatcher {
  config: WebhookConfig | undefined;
  lastErrorDate: number | undefined;
  lastErrorMessage: string | undefined;
  readonly deliveries: WebhookDelivery[] = [];
  private stopped = false;
  /** Bumped by remove()/stop(): an answer to a request of an earlier generation changes nothing. */
  private generation = 0;
  private readonly lanes = new Map<string, Lane>();
  private readonly inflight = new Set<http.ClientRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly queue: UpdateQueue,
    private readonly opts: { maxAttempts: number; retryDelayMs: number; timeoutMs: number },
    private readonly onReply: (reply: Record<string, unknown>) => Promise<void>,
    private readonly now: () => number,
  ) {}

  /** Installs a webhook and starts delivering what is queued. */
  set(config: WebhookConfig): void {
    this.config = config;
    this.lastErrorDate = undefined;
    this.lastErrorMessage = undefined;
    this.kick();
  }

  /** Removes the webhook; deliveries in flight are abandoned and their updates stay queued. */
  remove(): void {
    this.config = undefined;
    this.abandon();
  }

  /** Requests in flight right now. */
  get inFlight(): number {
    let n = 0;
    for (const lane of this.lanes.values()) if (lane.busy) n++;
    return n;
  }

  /**
   * Starts every delivery that may go now: the oldest pending update of each chat that has
   * nothing in flight and no retry waiting, oldest first, up to max_connections at once.
   */
  kick(): void {
    const config = this.config;
    if (config === undefined || this.stopped || this.queue.size === 0) return;
    let free = config.maxConnections - this.inFlight;
    if (free <= 0) return;
    const seen = new Set<string>();
    const wallNow = Date.now();
    for (const update of this.queue.all()) {
      const key = updateChatKey(update);
      // Only a chat's oldest pending update may go: the later ones wait for its answer.
      if (seen.has(key)) continue;
      seen.add(key);
      const lane = this.lanes.get(key);
      if (lane?.busy) continue;
      if (lane !== undefined && lane.updateId === update.update_id && lane.retryAt > wallNow) continue;
      void this.deliver(config, key, update);
      if (--free <= 0) break;
    }
  }

  /** getWebhookInfo's answer. */
  info(): WebhookInfo {
    const info: WebhookInfo = {
      url: this.config?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.queue.size,
    };
    if (this.config !== undefined) {
      info.max_connections = this.config.maxConnections;
      if (this.config.ipAddress !== undefined) info.ip_address = this.config.ipAddress;
      const allowed = this.queue.allowedList();
      if (allowed !== undefined) info.allowed_updates = allowed as NonNullable<WebhookInfo["allowed_updates"]>;
      if (this.lastErrorDate !== undefined) info.last_error_date = this.lastErrorDate;
      if (this.lastErrorMessage !== undefined) info.last_error_message = this.lastErrorMessage;
    }
    return info;
  }

  /** Stops delivering (used by `fake.stop()`). */
  stop(): void {
    this.stopped = true;
    this.abandon();
  }

  private abandon(): void {
    this.generation += 1;
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.lanes.clear();
  }

  private async deliver(config: WebhookConfig, key: string, update: Update): Promise<void> {
    const generation = this.generation;
    let lane = this.lanes.get(key);
    if (lane === undefined || lane.updateId !== update.update_id) {
      lane = { busy: false, updateId: update.update_id, attempts: 0, retryAt: 0 };
      this.lanes.set(key, lane);
    }
    lane.busy = true;
    lane.attempts += 1;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.secretToken !== undefined) headers["x-telegram-bot-api-secret-token"] = config.secretToken;
    const startedAt = this.now();
    const result = await this.post(config.url, headers, update);
    const delivery: WebhookDelivery = {
      updateId: update.update_id, chat: key, attempt: lane.attempts, startedAt, at: this.now(), url: config.url, headers, ok: result.ok,
    };
    if (result.status !== undefined) delivery.status = result.status;
    if (result.error !== undefined) delivery.error = result.error;
    this.deliveries.push(delivery);
    lane.busy = false;
    if (generation !== this.generation || this.stopped || this.config === undefined) return;
    if (result.ok) {
      this.queue.remove(update.update_id);
      this.lanes.delete(key);
      if (result.reply !== undefined) await this.onReply(result.reply).catch(() => undefined);
    } else {
      this.lastErrorDate = Math.floor(this.now() / 1000);
      this.lastErrorMessage = result.error ?? "Unknown error";
      if (lane.attempts >= this.opts.maxAttempts) {
        this.queue.remove(update.update_id);
        this.lanes.delete(key);
      } else {
        const delay = Math.min(this.opts.retryDelayMs * 2 ** (lane.attempts - 1), 30_000);
        lane.retryAt = Date.now() + delay;
        const due = lane;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          // Due now, whatever Date.now() says: a timer may fire a millisecond before the wall
          // clock reaches retryAt, and kick() would then skip the chat with no timer left to wake it.
          due.retryAt = 0;
          this.kick();
        }, delay);
        this.timers.add(timer);
      }
    }
    this.kick();
  }

  private post(url: string, headers: Record<string, string>, update: Update): Promise<PostResult> {
    return new Promise((resolve) => {
      const body = JSON.stringify(update);
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ ok: false, error: "Invalid webhook URL" });
        return;
      }
      const lib = target.protocol === "https:" ? https : http;
      const req = lib.request(target, {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent: false,
        timeout: this.opts.timeoutMs,
        rejectUnauthorized: false,
      });
      this.inflight.add(req);
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        this.inflight.delete(req);
        resolve(r);
      };
      req.on("timeout", () => {
        finish({ ok: false, error: "Read timeout expired" });
        req.destroy();
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        finish({ ok: false, error: err.code === "ECONNREFUSED" ? "Connection refused" : err.message });
      });
      req.on("close", () => finish({ ok: false, error: "Connection closed" }));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => finish({ ok: false, error: err.message }));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            finish({ ok: false, status, error: `Wrong response from the webhook: ${status} ${res.statusMessage ?? ""}`.trim() });
            return;
          }
          const result: PostResult = { ok: true, status };
          const text = Buffer.concat(chunks).toString("utf8").trim();
          if (text.startsWith("{")) {
            try {
              const parsed = JSON.parse(text) as Record<string, unknown>;
              if (typeof parsed.method === "string") result.reply = parsed;
            } catch {
              // Telegram ignores unparsable webhook responses
            }
          }
          finish(result);
        });
      });
      req.end(body);
    });
  }
}
