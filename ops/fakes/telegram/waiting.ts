import { flattenButtons } from "./markup.js";
import type { FakeState } from "./state.js";
import type { ApiCall, BotMessageState } from "./types.js";

/** Options shared by the wait helpers. */
export interface WaitOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Only consider changes with a sequence number greater than this. */
  since?: number;
}

/** Text or regex match against a bot message's text or caption (string = substring). */
export function matchesText(state: BotMessageState, pattern: string | RegExp): boolean {
  const body = state.text ?? state.caption ?? "";
  if (typeof pattern === "string") return body.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(body);
}

/** One-line rendering of a bot message for error messages and logs. */
export function describeMessage(m: BotMessageState): string {
  const body = m.text ?? (m.caption !== undefined ? `[${m.media?.kind ?? "media"}] ${m.caption}` : `[${m.media?.kind ?? "empty"}]`);
  const flags = [`seq ${m.seq}`, m.editCount > 0 ? `edited x${m.editCount}` : "", m.deleted ? "DELETED" : ""].filter(Boolean);
  const buttons = flattenButtons(m.replyMarkup).map((b) => `[${b.text}]`).join(" ");
  const shortBody = body.length > 200 ? `${body.slice(0, 200)}…` : body;
  return `#${m.messageId} (${flags.join(", ")}) ${JSON.stringify(shortBody)}${buttons ? ` buttons: ${buttons}` : ""}`;
}

function describeFailures(calls: ApiCall[]): string {
  const failed = calls.filter((c) => c.status !== 200).slice(-5);
  if (failed.length === 0) return "";
  const lines = failed.map((c) => {
    const body = c.response as { description?: string };
    return `  ${c.method} -> ${c.status} ${body.description ?? ""}`;
  });
  return `\nRecent failed Bot API calls:\n${lines.join("\n")}`;
}

/**
 * Resolves with the first bot message in `chatId` whose latest change is after `since`
 * and matches `predicate`; rejects after the timeout with a summary of what the bot DID send.
 */
export function waitForBotMessage(
  state: FakeState,
  chatId: number,
  predicate: (m: BotMessageState) => boolean,
  opts: WaitOptions & { since: number; label: string },
): Promise<BotMessageState> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const test = (m: BotMessageState) => m.seq > opts.since && predicate(m);
  const existing = state.botMessages(chatId).filter(test).sort((a, b) => a.seq - b.seq)[0];
  if (existing !== undefined) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const unsubscribe = state.subscribe((event) => {
      if (event.type !== "bot-message" || event.state.chatId !== chatId) return;
      if (!test(event.state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event.state);
    });
    const timer = setTimeout(() => {
      unsubscribe();
      const all = state.botMessages(chatId);
      const recent = all.slice(-10).map((m) => `  ${describeMessage(m)}`);
      const changed = all.filter((m) => m.seq > opts.since).length;
      reject(
        new Error(
          `Timed out after ${timeoutMs} ms waiting for a bot message ${opts.label} in chat ${chatId} ` +
            `(changes after seq ${opts.since}; ${changed} bot message(s) changed since then).\n` +
            `Bot messages in this chat (oldest first):\n${recent.length > 0 ? recent.join("\n") : "  (none - the bot sent nothing)"}` +
            describeFailures(state.calls),
        ),
      );
    }, timeoutMs);
  });
}

/** Resolves with the first recorded Bot API call (after index `since`) that matches; rejects on timeout. */
export function waitForCall(
  state: FakeState,
  method: string,
  predicate: (call: ApiCall) => boolean = () => true,
  opts: { timeoutMs?: number; since?: number } = {},
): Promise<ApiCall> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const test = (c: ApiCall) => c.method.toLowerCase() === method.toLowerCase() && predicate(c);
  const existing = state.calls.slice(opts.since ?? 0).find(test);
  if (existing !== undefined) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const unsubscribe = state.subscribe((event) => {
      if (event.type !== "call" || !test(event.call)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event.call);
    });
    const timer = setTimeout(() => {
      unsubscribe();
      const seen = state.calls.slice(-15).map((c) => `  ${c.method} -> ${c.status}`).join("\n");
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for a ${method} call. Last calls:\n${seen || "  (none)"}`));
    }, timeoutMs);
  });
}
