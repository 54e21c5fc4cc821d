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
  attempt: number;
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

/**
 * Pushes queued updates to the bot's webhook like Telegram: JSON POST, secret header,
 * one at a time in order, retried with backoff on non-2xx/network errors and then
 * dropped; a JSON body with a `method` field is executed as a "webhook reply".
 */
export class WebhookDispatcher {
  config: WebhookConfig | undefined;
  lastErrorDate: number | undefined;
  lastErrorMessage: string | undefined;
  readonly deliveries: WebhookDelivery[] = [];
  private running = false;
  private stopped = false;
  private inflight: http.ClientRequest | undefined;
  private sleepTimer: { timer: NodeJS.Timeout; done: () => void } | undefined;

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

  /** Removes the webhook; an in-flight delivery is abandoned and its update stays queued. */
  remove(): void {
    this.config = undefined;
    this.inflight?.destroy();
    this.wakeSleeper();
  }

  /** Starts the delivery loop if a webhook is set and it is idle. */
  kick(): void {
    if (!this.running && this.config !== undefined && !this.stopped && this.queue.size > 0) void this.loop();
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
    this.inflight?.destroy();
    this.wakeSleeper();
  }

  private async loop(): Promise<void> {
    this.running = true;
    let currentId: number | undefined;
    let attempts = 0;
    try {
      while (!this.stopped && this.config !== undefined && this.queue.size > 0) {
        const config = this.config;
        const update = this.queue.peek(1)[0] as Update;
        if (update.update_id !== currentId) {
          currentId = update.update_id;
          attempts = 0;
        }
        attempts += 1;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (config.secretToken !== undefined) headers["x-telegram-bot-api-secret-token"] = config.secretToken;
        const result = await this.post(config.url, headers, update);
        const delivery: WebhookDelivery = {
          updateId: update.update_id, attempt: attempts, at: this.now(), url: config.url, headers, ok: result.ok,
        };
        if (result.status !== undefined) delivery.status = result.status;
        if (result.error !== undefined) delivery.error = result.error;
        this.deliveries.push(delivery);
        if (this.stopped || this.config === undefined) break;
        if (result.ok) {
          this.queue.remove(update.update_id);
          if (result.reply !== undefined) await this.onReply(result.reply).catch(() => undefined);
          continue;
        }
        this.lastErrorDate = Math.floor(this.now() / 1000);
        this.lastErrorMessage = result.error ?? "Unknown error";
        if (attempts >= this.opts.maxAttempts) {
          this.queue.remove(update.update_id);
          continue;
        }
        await this.sleep(Math.min(this.opts.retryDelayMs * 2 ** (attempts - 1), 30_000));
      }
    } finally {
      this.running = false;
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
      this.inflight = req;
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        if (this.inflight === req) this.inflight = undefined;
        resolve(r);
      };
      req.on("timeout", () => {
        finish({ ok: false, error: "Read timeout expired" });
        req.destroy();
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        finish({ ok: false, error: err.code === "ECONNREFUSED" ? "Connection refused" : err.message });
      });
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

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepTimer = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepTimer = { timer, done };
    });
  }

  private wakeSleeper(): void {
    this.sleepTimer?.done();
  }
}
