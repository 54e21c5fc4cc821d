import type { FakeContext } from "./context.js";
import { TelegramApiError } from "./errors.js";
import type { UserProfile } from "./state.js";
import type { ButtonPress, ButtonSelector, FakeUser } from "./users.js";
import { matchesText, waitForBotMessage } from "./waiting.js";

/** A plain HTTP answer produced by a control route. */
export interface ControlResponse {
  status: number;
  body: unknown;
}

/** The bits of the fake the control routes need. */
export interface ControlDeps {
  ctx: FakeContext;
  user: (id: number, profile?: UserProfile) => FakeUser;
  reset: () => void;
}

const ROUTES = [
  "POST /_fake/users/:id/text              {text, firstName?, lastName?, username?, languageCode?}",
  "POST /_fake/users/:id/callback          {messageId?, data?} | {text}  (press an inline or reply-keyboard button)",
  "POST /_fake/users/:id/photo?caption=    raw image bytes",
  "POST /_fake/users/:id/document?fileName=&mimeType=&caption=   raw bytes",
  "POST /_fake/users/:id/block | /unblock",
  "GET  /_fake/chats/:id/messages          the bot's messages, current state",
  "GET  /_fake/chats/:id/wait?text=|regex=&since=&timeoutMs=   long-poll for a matching new/edited bot message",
  "GET  /_fake/chats/:id/callback-answers",
  "GET  /_fake/calls?method=&since=        recorded Bot API calls (since = index)",
  "GET  /_fake/seq                         current change sequence",
  "GET  /_fake/updates                     updates not yet confirmed/delivered",
  "GET  /_fake/webhook                     webhook info and delivery attempts",
  "POST /_fake/fail {method, error_code, description, retry_after?, times?, chatId?}   inject a failure",
  "POST /_fake/reset                       forget chats, calls, updates and files",
];

const ok = (result: unknown): ControlResponse => ({ status: 200, body: { ok: true, result } });
const fail = (status: number, description: string): ControlResponse => ({ status, body: { ok: false, description } });

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString("utf8"));
  if (typeof parsed !== "object" || parsed === null) throw new Error("body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function profileFrom(source: Record<string, unknown>): UserProfile {
  const profile: UserProfile = {};
  for (const key of ["firstName", "lastName", "username", "languageCode"] as const) {
    const v = source[key];
    if (typeof v === "string") profile[key] = v;
  }
  return profile;
}

function serializePress(press: ButtonPress): Record<string, unknown> {
  const { answer, waitForAnswer: _wait, ...rest } = press;
  return { ...rest, answer: answer() };
}

/**
 * `/_fake/*` routes: the simulated-user API over HTTP, for tests whose bot runs in a
 * child process (they cannot call `fake.user()` in-process).
 */
export async function handleControlRequest(
  deps: ControlDeps,
  method: string,
  url: URL,
  body: Buffer,
): Promise<ControlResponse> {
  const { ctx } = deps;
  const parts = url.pathname.split("/").filter(Boolean).slice(1); // drop "_fake"
  const q = Object.fromEntries(url.searchParams);
  try {
    if (parts.length === 0) return ok({ routes: ROUTES });
    const [section, rawId, action] = parts;
    if (section === "users" && rawId !== undefined && method === "POST") {
      const id = Number(rawId);
      if (!Number.isSafeInteger(id) || id <= 0) return fail(400, "user id must be a positive integer");
      if (action === "text") {
        const b = jsonBody(body);
        if (typeof b.text !== "string") return fail(400, "text is required");
        return ok(await deps.user(id, profileFrom(b)).sendText(b.text));
      }
      if (action === "callback") {
        const b = jsonBody(body);
        let selector: ButtonSelector;
        if (typeof b.data === "string" && b.messageId !== undefined) selector = { messageId: Number(b.messageId), data: b.data };
        else if (typeof b.text === "string") selector = b.messageId !== undefined ? { messageId: Number(b.messageId), text: b.text } : b.text;
        else return fail(400, "send {messageId, data} or {text}");
        return ok(serializePress(await deps.user(id, profileFrom(b)).pressButton(selector)));
      }
      if (action === "photo") {
        const opts = typeof q.caption === "string" ? { caption: q.caption } : {};
        return ok(await deps.user(id, profileFrom(q)).sendPhoto(body, opts));
      }
      if (action === "document") {
        const opts: { fileName: string; mimeType?: string; caption?: string } = { fileName: q.fileName ?? "file.bin" };
        if (q.mimeType !== undefined) opts.mimeType = q.mimeType;
        if (q.caption !== undefined) opts.caption = q.caption;
        return ok(await deps.user(id, profileFrom(q)).sendDocument(body, opts));
      }
      if (action === "block" || action === "unblock") {
        const user = deps.user(id);
        if (action === "block") user.blockBot();
        else user.unblockBot();
        return ok(true);
      }
    }
    if (section === "chats" && rawId !== undefined && method === "GET") {
      const id = Number(rawId);
      if (action === "messages") return ok(ctx.state.botMessages(id));
      if (action === "callback-answers") {
        return ok([...ctx.state.callbackAnswers.values()].filter((a) => a.chatId === id));
      }
      if (action === "wait") {
        const pattern = q.regex !== undefined ? new RegExp(q.regex) : (q.text ?? "");
        const since = q.since !== undefined ? Number(q.since) : (ctx.state.chats.get(id)?.lastUserActionSeq ?? 0);
        const timeoutMs = q.timeoutMs !== undefined ? Number(q.timeoutMs) : 5000;
        try {
          const found = await waitForBotMessage(ctx.state, id, (m) => !m.deleted && matchesText(m, pattern), {
            since, timeoutMs, label: `matching ${String(pattern)}`,
          });
          return ok(found);
        } catch (error) {
          return fail(408, error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (section === "calls" && method === "GET") {
      const since = Number(q.since ?? 0);
      const calls = ctx.state.calls.slice(since);
      return ok(q.method === undefined ? calls : calls.filter((c) => c.method.toLowerCase() === q.method?.toLowerCase()));
    }
    if (section === "seq" && method === "GET") return ok({ seq: ctx.state.seq });
    if (section === "updates" && method === "GET") return ok(ctx.queue.peek(100));
    if (section === "webhook" && method === "GET") return ok({ info: ctx.webhook.info(), deliveries: ctx.webhook.deliveries });
    if (section === "reset" && method === "POST") {
      deps.reset();
      return ok(true);
    }
    if (section === "fail" && method === "POST") {
      const b = jsonBody(body);
      if (typeof b.method !== "string" || typeof b.error_code !== "number" || typeof b.description !== "string") {
        return fail(400, "send {method, error_code, description}");
      }
      const params = typeof b.retry_after === "number" ? { retry_after: b.retry_after } : undefined;
      ctx.injected.push({
        method: b.method,
        remaining: typeof b.times === "number" ? b.times : 1,
        error: new TelegramApiError(b.error_code, b.description, params),
        ...(typeof b.chatId === "number" ? { chatId: b.chatId } : {}),
      });
      return ok(true);
    }
    return fail(404, `unknown control route ${method} ${url.pathname}; GET /_fake/ lists them`);
  } catch (error) {
    return fail(400, error instanceof Error ? error.message : String(error));
  }
}
