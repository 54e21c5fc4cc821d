import type { InlineKeyboardButton, Message, ReplyKeyboardMarkup, Update } from "grammy/types";
import type { FakeContext } from "./context.js";
import { imageDimensions } from "./files.js";
import { formatText } from "./formatting.js";
import { flattenButtons } from "./markup.js";
import type { ChatState, UserProfile } from "./state.js";
import type { BotMessageState, CallbackAnswer, MediaInfo, WireMessage } from "./types.js";
import { describeMessage, matchesText, type WaitOptions, waitForBotMessage } from "./waiting.js";

/** How a test names a button: its label (exact, else unique substring), a regex, or message id + callback_data/label. */
export type ButtonSelector =
  | string
  | RegExp
  | { messageId: number; data: string }
  | { messageId?: number; text: string | RegExp };

/** What a simulated user action produced. */
export interface UserActionResult {
  /** update_id of the queued update (undefined if allowed_updates filtered it out). */
  updateId: number | undefined;
  /** The user's message as the bot receives it. */
  message: Message;
  /** Global sequence right after the action; bot changes after it are "replies". */
  seq: number;
}

/** What pressing a button produced: a callback_query, or (reply keyboards) a plain text message. */
export interface ButtonPress {
  kind: "callback" | "text";
  updateId: number | undefined;
  seq: number;
  /** The bot message whose inline button was pressed (or the user's new text message). */
  messageId: number;
  /** The button's label. */
  buttonText: string;
  data?: string;
  callbackQueryId?: string;
  /** The bot's answerCallbackQuery so far (undefined until it answers). */
  answer(): CallbackAnswer | undefined;
  /** Resolves once the bot calls answerCallbackQuery for this press. */
  waitForAnswer(opts?: { timeoutMs?: number }): Promise<CallbackAnswer>;
}

/** A simulated Telegram user in a private chat with the bot, driven from tests or the demo. */
export interface FakeUser {
  readonly id: number;
  /** In private chats the chat id equals the user id. */
  readonly chatId: number;
  sendText(text: string): Promise<UserActionResult>;
  sendPhoto(bytes: Buffer, opts?: { caption?: string }): Promise<UserActionResult>;
  sendDocument(bytes: Buffer, opts: { fileName: string; mimeType?: string; caption?: string }): Promise<UserActionResult>;
  pressButton(selector: ButtonSelector): Promise<ButtonPress>;
  /** Blocks the bot: sends my_chat_member (kicked); the bot's sends then fail with 403. */
  blockBot(): void;
  /** Restarts the bot after blocking it: sends my_chat_member (member). */
  unblockBot(): void;
  /** The bot's messages in this chat, current state, oldest first (deleted ones flagged). */
  messages(): BotMessageState[];
  /** The newest bot message that is not deleted. */
  lastMessage(): BotMessageState | undefined;
  /** The reply keyboard the bot currently shows this user. */
  replyKeyboard(): ReplyKeyboardMarkup | undefined;
  /** The current global sequence; pass as `since` to wait for anything newer. */
  mark(): number;
  /** Waits for a new or edited bot message (after the user's last action by default) matching `predicate`. */
  waitFor(predicate: (m: BotMessageState) => boolean, opts?: WaitOptions): Promise<BotMessageState>;
  /** Waits for a new or edited, non-deleted bot message whose text/caption contains the string or matches the regex. */
  waitForMessage(pattern: string | RegExp, opts?: WaitOptions): Promise<BotMessageState>;
}

let callbackCounter = 0;

function nextCallbackQueryId(): string {
  callbackCounter += 1;
  return (4_000_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt(callbackCounter)).toString();
}

/** Creates (or reattaches to) a simulated user; the chat is created on first use. */
export function createFakeUser(ctx: FakeContext, id: number, profile: UserProfile = {}): FakeUser {
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`fake user id must be a positive integer, got ${id}`);
  const { state, queue, files } = ctx;
  const chat = (): ChatState => state.ensureChat(id, {});
  state.ensureChat(id, profile);

  const finish = (c: ChatState): number => {
    c.lastUserActionSeq = state.seq;
    return state.seq;
  };

  const sendUserMessage = (build: (m: WireMessage) => void, media?: MediaInfo): UserActionResult => {
    const c = chat();
    const stored = state.addMessage(c, "user", (messageId, date) => {
      const m: WireMessage = { message_id: messageId, from: { ...c.user }, chat: { ...c.chat }, date };
      build(m);
      return m;
    }, media);
    const message = structuredClone(stored.message) as unknown as Message;
    const update = queue.push({ message } as Omit<Update, "update_id">);
    if (update !== undefined) state.emit({ type: "user-message", chatId: c.id, message, updateId: update.update_id });
    return { updateId: update?.update_id, message, seq: finish(c) };
  };

  const findTarget = (
    selector: ButtonSelector,
  ): { message: BotMessageState; button: InlineKeyboardButton } | { replyText: string } => {
    const live = state.botMessages(id).filter((m) => !m.deleted);
    const describe = () => live.filter((m) => m.replyMarkup).slice(-5).map((m) => `  ${describeMessage(m)}`).join("\n") || "  (no bot message has an inline keyboard)";
    if (typeof selector === "object" && !(selector instanceof RegExp) && selector.messageId !== undefined) {
      const message = live.find((m) => m.messageId === selector.messageId);
      if (message === undefined) throw new Error(`No live bot message #${selector.messageId} in chat ${id}. Messages with buttons:\n${describe()}`);
      const buttons = flattenButtons(message.replyMarkup);
      const wanted = "data" in selector ? selector.data : selector.text;
      const button = "data" in selector
        ? buttons.find((b) => "callback_data" in b && b.callback_data === selector.data)
        : pickByText(buttons, selector.text);
      if (button === undefined) {
        const labels = buttons.map((b) => `[${b.text}]${"callback_data" in b ? ` data=${JSON.stringify(b.callback_data)}` : ""}`).join(" ");
        throw new Error(`Bot message #${message.messageId} has no button matching ${typeof wanted === "string" ? JSON.stringify(wanted) : String(wanted)}; it has: ${labels || "(no buttons)"}`);
      }
      return { message, button };
    }
    const text = typeof selector === "string" || selector instanceof RegExp ? selector : "text" in selector ? selector.text : "";
    const message = [...live].reverse().find((m) => m.replyMarkup !== undefined);
    const button = message === undefined ? undefined : pickByText(flattenButtons(message.replyMarkup), text);
    if (message !== undefined && button !== undefined) return { message, button };
    if (typeof text === "string" && replyKeyboardHas(chat().replyKeyboard, text)) return { replyText: text };
    throw new Error(`No button matching ${String(text)} on the latest bot message with an inline keyboard in chat ${id}.\nMessages with buttons (newest last):\n${describe()}`);
  };

  const user: FakeUser = {
    id,
    chatId: id,
    async sendText(text) {
      const f = formatText(text, undefined, undefined);
      if (f.text === "") throw new Error("a Telegram message cannot be empty");
      const c = chat();
      const keyboard = c.replyKeyboard as (ReplyKeyboardMarkup & { one_time_keyboard?: boolean }) | undefined;
      if (keyboard?.one_time_keyboard === true && replyKeyboardHas(keyboard, f.text)) delete c.replyKeyboard;
      return sendUserMessage((m) => {
        m.text = f.text;
        if (f.entities.length > 0) m.entities = f.entities;
      });
    },
    async sendPhoto(bytes, opts = {}) {
      const dims = imageDimensions(bytes) ?? { width: 1280, height: 960 };
      const sizes = files.addPhoto(bytes, dims);
      const largest = sizes[sizes.length - 1];
      if (largest === undefined) throw new Error("photo has no sizes");
      const caption = opts.caption === undefined ? undefined : formatText(opts.caption, undefined, undefined);
      return sendUserMessage((m) => {
        m.photo = sizes;
        if (caption !== undefined && caption.text !== "") {
          m.caption = caption.text;
          if (caption.entities.length > 0) m.caption_entities = caption.entities;
        }
      }, { kind: "photo", fileId: largest.file_id, fileUniqueId: largest.file_unique_id, fileSize: bytes.length, width: largest.width, height: largest.height });
    },
    async sendDocument(bytes, opts) {
      const file = files.addDocument(bytes, opts.fileName, opts.mimeType);
      return sendUserMessage((m) => {
        m.document = files.toDocument(file);
        if (opts.caption !== undefined && opts.caption.trim() !== "") m.caption = opts.caption.trim();
      });
    },
    async pressButton(selector) {
      const target = findTarget(selector);
      if ("replyText" in target) {
        const text = target.replyText;
        const result = await user.sendText(text);
        return {
          kind: "text", updateId: result.updateId, seq: result.seq, messageId: result.message.message_id, buttonText: text,
          answer: () => undefined,
          waitForAnswer: () => Promise.reject(new Error("reply-keyboard buttons send text; there is no callback answer")),
        };
      }
      const { message, button } = target;
      if (!("callback_data" in button) || button.callback_data === undefined) {
        const url = "url" in button ? ` (opens ${button.url})` : "";
        throw new Error(`Button [${button.text}] on message #${message.messageId} is not a callback button${url}`);
      }
      const c = chat();
      const callbackQueryId = nextCallbackQueryId();
      const data = button.callback_data;
      state.callbackAnswers.set(callbackQueryId, { callbackQueryId, chatId: id, messageId: message.messageId, data, answered: false });
      const update = queue.push({
        callback_query: {
          id: callbackQueryId,
          from: { ...c.user },
          message: structuredClone(message.message),
          chat_instance: c.chatInstance,
          data,
        },
      } as never);
      const seq = finish(c);
      const answer = () => {
        const a = state.callbackAnswers.get(callbackQueryId);
        return a?.answered ? { ...a } : undefined;
      };
      return {
        kind: "callback", updateId: update?.update_id, seq, messageId: message.messageId, buttonText: button.text,
        data, callbackQueryId, answer,
        waitForAnswer: (opts = {}) => waitForAnswer(ctx, callbackQueryId, opts.timeoutMs ?? 5000),
      };
    },
    blockBot() {
      const c = chat();
      if (c.blocked) return;
      c.blocked = true;
      pushMemberChange(ctx, c, "member", "kicked");
    },
    unblockBot() {
      const c = chat();
      if (!c.blocked) return;
      c.blocked = false;
      pushMemberChange(ctx, c, "kicked", "member");
    },
    messages: () => state.botMessages(id),
    lastMessage: () => state.botMessages(id).filter((m) => !m.deleted).pop(),
    replyKeyboard: () => (chat().replyKeyboard === undefined ? undefined : structuredClone(chat().replyKeyboard)),
    mark: () => state.seq,
    waitFor: (predicate, opts = {}) =>
      waitForBotMessage(state, id, predicate, { ...opts, since: opts.since ?? chat().lastUserActionSeq, label: "matching the predicate" }),
    waitForMessage: (pattern, opts = {}) =>
      waitForBotMessage(state, id, (m) => !m.deleted && matchesText(m, pattern), {
        ...opts,
        since: opts.since ?? chat().lastUserActionSeq,
        label: `matching ${typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern)}`,
      }),
  };
  return user;
}

function pickByText(buttons: InlineKeyboardButton[], text: string | RegExp): InlineKeyboardButton | undefined {
  if (text instanceof RegExp) {
    return buttons.find((b) => {
      text.lastIndex = 0;
      return text.test(b.text);
    });
  }
  const exact = buttons.find((b) => b.text === text);
  if (exact !== undefined) return exact;
  const partial = buttons.filter((b) => b.text.includes(text));
  return partial.length === 1 ? partial[0] : undefined;
}

function replyKeyboardHas(keyboard: ReplyKeyboardMarkup | undefined, text: string): boolean {
  return keyboard?.keyboard.flat().some((b) => (typeof b === "string" ? b : b.text) === text) ?? false;
}

function pushMemberChange(ctx: FakeContext, chat: ChatState, from: string, to: string): void {
  const bot = { ...ctx.botUser };
  ctx.queue.push({
    my_chat_member: {
      chat: { ...chat.chat },
      from: { ...chat.user },
      date: ctx.state.unixNow(),
      old_chat_member: { user: bot, status: from },
      new_chat_member: to === "kicked" ? { user: bot, status: to, until_date: 0 } : { user: bot, status: to },
    },
  } as never);
  chat.lastUserActionSeq = ctx.state.seq;
}

function waitForAnswer(ctx: FakeContext, callbackQueryId: string, timeoutMs: number): Promise<CallbackAnswer> {
  const current = ctx.state.callbackAnswers.get(callbackQueryId);
  if (current?.answered) return Promise.resolve({ ...current });
  return new Promise((resolve, reject) => {
    const unsubscribe = ctx.state.subscribe((event) => {
      if (event.type !== "callback-answer" || event.answer.callbackQueryId !== callbackQueryId) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event.answer);
    });
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Timed out after ${timeoutMs} ms: the bot never called answerCallbackQuery for query ${callbackQueryId} (Telegram clients show a spinner until it does)`));
    }, timeoutMs);
  });
}
