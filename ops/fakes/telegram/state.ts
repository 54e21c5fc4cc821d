import type { BotCommand, Message, ReplyKeyboardMarkup } from "grammy/types";
import type {
  ApiCall,
  BotMessageState,
  CallbackAnswer,
  FakeEvent,
  MediaInfo,
  WireChat,
  WireMessage,
  WireUser,
} from "./types.js";

/** Profile of a simulated user; the same object shapes `from` and `chat`. */
export interface UserProfile {
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
}

/** Everything the fake knows about one private chat. */
export interface ChatState {
  id: number;
  user: WireUser;
  chat: WireChat;
  /** Message ids are per chat and shared by both sides, as in real private chats. */
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  /** Stable per chat, sent in every callback_query. */
  chatInstance: string;
  /** When true the bot gets 403 "bot was blocked by the user". */
  blocked: boolean;
  /** The reply keyboard the user currently sees, if any. */
  replyKeyboard?: ReplyKeyboardMarkup;
  /** Global seq at the user's last action; `waitFor` looks for changes after it by default. */
  lastUserActionSeq: number;
}

/** A message in a chat with its current content and bookkeeping. */
export interface StoredMessage {
  chatId: number;
  messageId: number;
  sender: "bot" | "user";
  message: WireMessage;
  deleted: boolean;
  seq: number;
  createdSeq: number;
  editCount: number;
  media?: MediaInfo;
}

/**
 * The fake's whole memory: chats and their messages, the call log, callback answers,
 * bot settings, and a global change sequence with listeners so waiters wake up at once.
 */
export class FakeState {
  seq = 0;
  readonly chats = new Map<number, ChatState>();
  readonly calls: ApiCall[] = [];
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  readonly commands = new Map<string, BotCommand[]>();
  readonly botSettings = new Map<string, unknown>();
  private readonly listeners = new Set<(event: FakeEvent) => void>();

  constructor(readonly now: () => number) {}

  /** Telegram dates are unix SECONDS. */
  unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Advances and returns the global change sequence. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Notifies listeners; a throwing listener never breaks the API response. */
  emit(event: FakeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // listeners are test helpers; their failures must not break the fake
      }
    }
  }

  /** Registers a listener and returns its unsubscribe function. */
  subscribe(listener: (event: FakeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Returns the chat, creating it (and applying any profile changes) as needed. */
  ensureChat(id: number, profile: UserProfile = {}): ChatState {
    let chat = this.chats.get(id);
    if (chat === undefined) {
      chat = {
        id,
        user: { id, is_bot: false, first_name: profile.firstName ?? `User ${id}` },
        chat: { id, type: "private", first_name: profile.firstName ?? `User ${id}` },
        nextMessageId: 1,
        messages: new Map(),
        chatInstance: String(-(BigInt(Math.abs(id)) * 7919n + 4_611_686_018_427n)),
        blocked: false,
        lastUserActionSeq: this.seq,
      };
      this.chats.set(id, chat);
    }
    if (profile.firstName !== undefined) {
      chat.user.first_name = profile.firstName;
      chat.chat.first_name = profile.firstName;
    }
    if (profile.lastName !== undefined) {
      chat.user.last_name = profile.lastName;
      chat.chat.last_name = profile.lastName;
    }
    if (profile.username !== undefined) {
      chat.user.username = profile.username;
      chat.chat.username = profile.username;
    }
    if (profile.languageCode !== undefined) chat.user.language_code = profile.languageCode;
    return chat;
  }

  /** Adds a message built around a fresh per-chat message_id. */
  addMessage(
    chat: ChatState,
    sender: "bot" | "user",
    build: (messageId: number, date: number) => WireMessage,
    media?: MediaInfo,
  ): StoredMessage {
    const messageId = chat.nextMessageId++;
    const seq = this.nextSeq();
    const stored: StoredMessage = {
      chatId: chat.id,
      messageId,
      sender,
      message: build(messageId, this.unixNow()),
      deleted: false,
      seq,
      createdSeq: seq,
      editCount: 0,
      ...(media !== undefined ? { media } : {}),
    };
    chat.messages.set(messageId, stored);
    if (sender === "bot") this.emit({ type: "bot-message", change: "sent", state: this.view(stored) });
    return stored;
  }

  /** A live (not deleted) message, or undefined. */
  findMessage(chatId: number, messageId: number): StoredMessage | undefined {
    const m = this.chats.get(chatId)?.messages.get(messageId);
    return m === undefined || m.deleted ? undefined : m;
  }

  /** Replaces a message's content after an edit and bumps its sequence. */
  replaceMessage(stored: StoredMessage, next: WireMessage): void {
    stored.message = next;
    stored.editCount += 1;
    stored.seq = this.nextSeq();
    if (stored.sender === "bot") this.emit({ type: "bot-message", change: "edited", state: this.view(stored) });
  }

  /** Flags a message deleted (it stays listed with `deleted: true`). */
  markDeleted(stored: StoredMessage): void {
    stored.deleted = true;
    stored.seq = this.nextSeq();
    if (stored.sender === "bot") this.emit({ type: "bot-message", change: "deleted", state: this.view(stored) });
  }

  /** A detached snapshot of a bot message for tests. */
  view(stored: StoredMessage): BotMessageState {
    const m = stored.message;
    const state: BotMessageState = {
      chatId: stored.chatId,
      messageId: stored.messageId,
      seq: stored.seq,
      createdSeq: stored.createdSeq,
      deleted: stored.deleted,
      editCount: stored.editCount,
      message: structuredClone(m) as unknown as Message,
    };
    if (m.text !== undefined) state.text = m.text;
    if (m.caption !== undefined) state.caption = m.caption;
    const entities = m.entities ?? m.caption_entities;
    if (entities !== undefined) state.entities = structuredClone(entities);
    if (m.reply_markup !== undefined) state.replyMarkup = structuredClone(m.reply_markup);
    if (stored.media !== undefined) state.media = { ...stored.media };
    return state;
  }

  /** The bot's messages in a chat (deleted ones included and flagged), oldest first. */
  botMessages(chatId: number): BotMessageState[] {
    const chat = this.chats.get(chatId);
    if (chat === undefined) return [];
    return [...chat.messages.values()].filter((m) => m.sender === "bot").map((m) => this.view(m));
  }

  /** Clears everything except listeners (chats, calls, answers, commands, settings). */
  reset(): void {
    this.chats.clear();
    this.calls.length = 0;
    this.callbackAnswers.clear();
    this.commands.clear();
    this.botSettings.clear();
  }
}
