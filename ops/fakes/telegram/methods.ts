import { ApiOk, type FakeContext, type MethodHandler } from "./context.js";
import { notFound, TelegramApiError, tooManyRequests } from "./errors.js";
import { botMethods } from "./methods-bot.js";
import { messageMethods } from "./methods-messages.js";
import { updateMethods } from "./methods-updates.js";
import type { Params } from "./params.js";
import { isRateLimitedMethod } from "./rate-limit.js";
import type { ApiCall } from "./types.js";

/** Bot API method names are case-insensitive on Telegram, so the registry is keyed by lower case. */
const HANDLERS = new Map<string, MethodHandler>(
  Object.entries({ ...messageMethods, ...botMethods, ...updateMethods }).map(([k, v]) => [k.toLowerCase(), v]),
);

/** Names of every Bot API method the fake implements (for docs and error messages). */
export const SUPPORTED_METHODS: readonly string[] = Object.keys({ ...messageMethods, ...botMethods, ...updateMethods });

function chatIdOf(params: Params): number | undefined {
  const raw = params.raw.chat_id;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
  return n;
}

function takeInjected(ctx: FakeContext, method: string, params: Params): TelegramApiError | undefined {
  const chatId = chatIdOf(params);
  const index = ctx.injected.findIndex(
    (e) => e.method.toLowerCase() === method.toLowerCase() && (e.chatId === undefined || e.chatId === chatId),
  );
  if (index < 0) return undefined;
  const entry = ctx.injected[index];
  if (entry === undefined) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) ctx.injected.splice(index, 1);
  return entry.error;
}

/**
 * Runs one Bot API call end to end: method lookup, injected failures, flood control,
 * the handler, Telegram's response envelope, and the call log entry.
 */
export async function invokeMethod(
  ctx: FakeContext,
  method: string,
  params: Params,
  opts: { signal: AbortSignal; via: ApiCall["via"] },
): Promise<{ status: number; body: unknown }> {
  const at = ctx.state.now();
  let status = 200;
  let body: unknown;
  try {
    const handler = HANDLERS.get(method.toLowerCase());
    if (handler === undefined) throw notFound();
    const injected = takeInjected(ctx, method, params);
    if (injected !== undefined) throw injected;
    if (isRateLimitedMethod(method)) {
      const retryAfter = ctx.limiter.check(chatIdOf(params));
      if (retryAfter !== undefined) throw tooManyRequests(retryAfter);
    }
    const result = await handler(ctx, params, opts.signal);
    body = result instanceof ApiOk
      ? { ok: true, result: result.result, description: result.description }
      : { ok: true, result };
  } catch (error) {
    if (error instanceof TelegramApiError) {
      status = error.errorCode;
      body = error.toBody();
    } else {
      status = 500;
      const detail = error instanceof Error ? error.message : String(error);
      body = { ok: false, error_code: 500, description: `Internal Server Error: fake Telegram crashed: ${detail}` };
    }
  }
  const call: ApiCall = { method, params: params.forLog(), at, status, response: body, via: opts.via };
  ctx.state.calls.push(call);
  ctx.state.emit({ type: "call", call });
  return { status, body };
}
