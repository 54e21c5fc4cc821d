import http from "node:http";
import type { AddressInfo } from "node:net";
import type { BotCommand, BotCommandScope, Update, UserFromGetMe, WebhookInfo } from "grammy/types";
import { parseRequestParams, readBody } from "./body.js";
import type { FakeContext } from "./context.js";
import { TelegramApiError, notFound, unauthorized } from "./errors.js";
import { FileStore } from "./files.js";
import { handleControlRequest } from "./http-control.js";
import { commandsKey } from "./methods-bot.js";
import { invokeMethod } from "./methods.js";
import { Params } from "./params.js";
import { type RateLimitConfig, RateLimiter } from "./rate-limit.js";
import { FakeState, type UserProfile } from "./state.js";
import type { ApiCall, BotMessageState, CallbackAnswer, FakeEvent, FakeTelegramOptions } from "./types.js";
import { UpdateQueue } from "./update-queue.js";
import { createFakeUser, type FakeUser } from "./users.js";
import { waitForCall } from "./waiting.js";
import { type WebhookDelivery, WebhookDispatcher } from "./webhook.js";

/** Token to hand to the bot when the fake was started without one (any token is accepted then). */
export const DEFAULT_FAKE_TOKEN = "7000000001:AAFakeTelegramTokenForLocalTestsOnly0";

/** A running fake Telegram Bot API server plus the in-process handles tests use to drive and inspect it. */
export interface FakeTelegram {
  /** Base URL, e.g. http://127.0.0.1:41234; pass as grammY `client.apiRoot`. */
  readonly url: string;
  readonly port: number;
  /** The token to use (the configured one, or DEFAULT_FAKE_TOKEN when any token is accepted). */
  readonly token: string;
  /** What getMe returns. */
  readonly botInfo: UserFromGetMe;
  /** Every Bot API call in arrival-completion order (live array). */
  readonly calls: ApiCall[];
  /** Every webhook delivery attempt (live array). */
  readonly webhookDeliveries: WebhookDelivery[];
  /** `${url}/bot${token}/${method}` */
  apiUrl(method: string): string;
  /** `${url}/file/bot${token}/${filePath}` */
  fileUrl(filePath: string): string;
  /** A simulated user (private chat with the same id); created on first call, profile updated on later calls. */
  user(id: number, profile?: UserProfile): FakeUser;
  /** The bot's messages in a chat, current state. */
  botMessages(chatId: number): BotMessageState[];
  /** Button presses and the bot's answerCallbackQuery for them. */
  callbackAnswers(chatId?: number): CallbackAnswer[];
  /** The command list stored for a scope/language (what Telegram clients would show). */
  commands(opts?: { scope?: BotCommandScope; languageCode?: string }): BotCommand[];
  /** Updates not yet confirmed by getUpdates or delivered to the webhook. */
  pendingUpdates(): Update[];
  /** Queues any raw update (for update kinds the user helpers do not cover). */
  pushUpdate(update: Omit<Update, "update_id">): Update | undefined;
  /** Current getWebhookInfo answer. */
  webhookInfo(): WebhookInfo;
  /** Stored bytes of a file_id (what the download route serves). */
  fileBytes(fileId: string): Buffer | undefined;
  /** Listens to sends/edits/deletes, user messages, callback answers, chat actions and calls. */
  subscribe(listener: (event: FakeEvent) => void): () => void;
  /** Waits for a Bot API call (optionally matching `predicate`); `since` is an index into `calls`. */
  waitForCall(method: string, predicate?: (call: ApiCall) => boolean, opts?: { timeoutMs?: number; since?: number }): Promise<ApiCall>;
  /** Makes the next `times` calls of `method` (optionally only for `chatId`) fail with this Telegram error. */
  failNext(
    method: string,
    error: { error_code: number; description: string; parameters?: { retry_after?: number } },
    opts?: { times?: number; chatId?: number },
  ): void;
  /** Turns flood control on/off at runtime. */
  setRateLimit(config: RateLimitConfig | undefined): void;
  /** The global change sequence (grows on every bot message send/edit/delete and user message). */
  seq(): number;
  /** Forgets chats, messages, calls, pending updates, files and injected errors (webhook config stays). */
  reset(): void;
  /** Closes the server, ends pending long polls and webhook retries; resolves quickly. */
  stop(): Promise<void>;
}

function buildBotInfo(opts: FakeTelegramOptions): UserFromGetMe {
  const tokenId = opts.token !== undefined ? Number(opts.token.split(":")[0]) : Number.NaN;
  return {
    id: Number.isSafeInteger(tokenId) && tokenId > 0 ? tokenId : 7000000001,
    is_bot: true,
    first_name: "Fake Shop Bot",
    username: "fake_shop_bot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
    ...opts.botInfo,
  } as UserFromGetMe;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Starts a local fake of the Telegram Bot API that speaks the real wire format, so the
 * real grammY bot (pointed at `fake.url` via `client.apiRoot`) can be demoed and tested offline.
 */
export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const now = opts.now ?? Date.now;
  const botInfo = buildBotInfo(opts);
  const state = new FakeState(now);
  const queue = new UpdateQueue(opts.firstUpdateId ?? 100_000_001);
  const files = new FileStore();
  const limiter = new RateLimiter(opts.rateLimit, now);
  const ctxRef: { ctx?: FakeContext } = {};
  const webhook = new WebhookDispatcher(
    queue,
    { maxAttempts: opts.webhook?.maxAttempts ?? 5, retryDelayMs: opts.webhook?.retryDelayMs ?? 200, timeoutMs: opts.webhook?.timeoutMs ?? 15_000 },
    async (reply) => {
      const { method, ...rest } = reply;
      if (ctxRef.ctx !== undefined) await invokeMethod(ctxRef.ctx, String(method), new Params(rest), { signal: new AbortController().signal, via: "webhook-reply" });
    },
    now,
  );
  queue.onEnqueue = () => webhook.kick();
  const ctx: FakeContext = {
    state, files, queue, webhook, limiter, botInfo,
    botUser: { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
    injected: [],
    autoCreateChats: opts.autoCreateChats ?? false,
    allowLocalhostUrls: opts.allowLocalhostUrls ?? false,
  };
  ctxRef.ctx = ctx;
  const users = new Map<number, FakeUser>();
  const user = (id: number, profile?: UserProfile): FakeUser => {
    const existing = users.get(id);
    if (existing !== undefined) {
      if (profile !== undefined) state.ensureChat(id, profile);
      return existing;
    }
    const created = createFakeUser(ctx, id, profile);
    users.set(id, created);
    return created;
  };
  const reset = () => {
    state.reset();
    queue.clear();
    files.clear();
    limiter.reset();
    ctx.injected.length = 0;
    users.clear();
  };
  const tokenOk = (token: string) => opts.token === undefined || token === opts.token;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    try {
      if (url.pathname === "/_fake" || url.pathname.startsWith("/_fake/")) {
        const body = await readBody(req);
        const r = await handleControlRequest({ ctx, user, reset }, method, url, body);
        sendJson(res, r.status, r.body);
        return;
      }
      const api = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
      if (api !== null && (method === "GET" || method === "POST")) {
        if (!tokenOk(decodeURIComponent(api[1] as string))) throw unauthorized();
        const body = await readBody(req);
        const { fields, uploads } = parseRequestParams(req.headers["content-type"], url.searchParams, body);
        const abort = new AbortController();
        res.on("close", () => {
          if (!res.writableEnded) abort.abort();
        });
        const r = await invokeMethod(ctx, api[2] as string, new Params(fields, uploads), { signal: abort.signal, via: "http" });
        sendJson(res, r.status, r.body);
        return;
      }
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file !== null && method === "GET") {
        if (!tokenOk(decodeURIComponent(file[1] as string))) throw unauthorized();
        const stored = files.getByPath(decodeURIComponent(file[2] as string));
        if (stored === undefined) throw notFound();
        res.writeHead(200, { "content-type": stored.mimeType ?? "application/octet-stream", "content-length": stored.bytes.length });
        res.end(stored.bytes);
        return;
      }
      throw notFound();
    } catch (error) {
      if (error instanceof TelegramApiError) sendJson(res, error.errorCode, error.toBody());
      else sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const baseUrl = `http://${hostForUrl === "0.0.0.0" ? "127.0.0.1" : hostForUrl}:${address.port}`;
  const token = opts.token ?? DEFAULT_FAKE_TOKEN;
  let stopping: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: address.port,
    token,
    botInfo,
    calls: state.calls,
    webhookDeliveries: webhook.deliveries,
    apiUrl: (m) => `${baseUrl}/bot${token}/${m}`,
    fileUrl: (p) => `${baseUrl}/file/bot${token}/${p}`,
    user,
    botMessages: (chatId) => state.botMessages(chatId),
    callbackAnswers: (chatId) =>
      [...state.callbackAnswers.values()].filter((a) => chatId === undefined || a.chatId === chatId).map((a) => ({ ...a })),
    commands: (o = {}) => structuredClone(state.commands.get(commandsKey(o.scope, o.languageCode)) ?? []),
    pendingUpdates: () => queue.peek(100),
    pushUpdate: (update) => {
      // A hand-made callback query can be answered like one from a button press.
      const cq = (update as { callback_query?: { id: string; data?: string; message?: { chat: { id: number }; message_id: number } } }).callback_query;
      if (cq && !state.callbackAnswers.has(cq.id)) {
        state.callbackAnswers.set(cq.id, { callbackQueryId: cq.id, chatId: cq.message?.chat.id ?? 0, messageId: cq.message?.message_id ?? 0, data: cq.data ?? "", answered: false });
      }
      return queue.push(update);
    },
    webhookInfo: () => webhook.info(),
    fileBytes: (fileId) => files.get(fileId)?.bytes,
    subscribe: (listener) => state.subscribe(listener),
    waitForCall: (m, predicate, o) => waitForCall(state, m, predicate, o),
    failNext: (m, error, o = {}) => {
      ctx.injected.push({
        method: m,
        remaining: o.times ?? 1,
        error: new TelegramApiError(error.error_code, error.description, error.parameters),
        ...(o.chatId !== undefined ? { chatId: o.chatId } : {}),
      });
    },
    setRateLimit: (config) => {
      limiter.config = config;
      limiter.reset();
    },
    seq: () => state.seq,
    reset,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        queue.stop();
        webhook.stop();
        server.close(() => resolve());
        setImmediate(() => server.closeAllConnections());
      });
      return stopping;
    },
  };
}
