import type {
  Document,
  InlineKeyboardMarkup,
  LinkPreviewOptions,
  Message,
  MessageEntity,
  PhotoSize,
  ReplyKeyboardMarkup,
  Update,
  UserFromGetMe,
} from "grammy/types";

/** A Telegram user object as it appears on the wire (`from`, `callback_query.from`). */
export interface WireUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** The private-chat object the fake puts in every message (`message.chat`). */
export interface WireChat {
  id: number;
  type: "private";
  first_name: string;
  last_name?: string;
  username?: string;
}

/**
 * The message shape the fake stores and returns; a subset of Telegram's Message
 * with real field names, cast to grammY's `Message` at the public boundary.
 */
export interface WireMessage {
  message_id: number;
  from?: WireUser;
  chat: WireChat;
  date: number;
  edit_date?: number;
  reply_to_message?: WireMessage;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: PhotoSize[];
  document?: Document;
  link_preview_options?: LinkPreviewOptions;
  has_protected_content?: true;
  reply_markup?: InlineKeyboardMarkup;
}

/** One recorded Bot API call, so tests can assert on exactly what the bot asked Telegram to do. */
export interface ApiCall {
  /** Method name as the bot spelled it (Telegram method names are case-insensitive). */
  method: string;
  /** Decoded parameters; uploaded files appear as `{ upload: { fileName, size } }`. */
  params: Record<string, unknown>;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status the fake answered with. */
  status: number;
  /** The exact JSON body the fake answered with. */
  response: unknown;
  /** "http" for normal requests, "webhook-reply" for a method returned in a webhook response. */
  via: "http" | "webhook-reply";
}

/** Media attached to a message, flattened for easy assertions. */
export interface MediaInfo {
  kind: "photo" | "document";
  /** file_id of the largest photo size, or of the document. */
  fileId: string;
  fileUniqueId: string;
  fileSize: number;
  fileName?: string;
  mimeType?: string;
  width?: number;
  height?: number;
}

/**
 * The CURRENT state of one bot message in a chat (after edits/deletion), the thing
 * tests and the chat client look at instead of the raw call log.
 */
export interface BotMessageState {
  chatId: number;
  messageId: number;
  /** Global sequence number of the last change (send, edit, delete) to this message. */
  seq: number;
  /** Global sequence number at which the message was sent. */
  createdSeq: number;
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  replyMarkup?: InlineKeyboardMarkup;
  deleted: boolean;
  editCount: number;
  media?: MediaInfo;
  /** The full Telegram Message object as the bot last saw it. */
  message: Message;
}

/** An answerCallbackQuery call matched to the button press it answers. */
export interface CallbackAnswer {
  callbackQueryId: string;
  chatId: number;
  messageId: number;
  data?: string;
  answered: boolean;
  text?: string;
  showAlert?: boolean;
  url?: string;
  answeredAt?: number;
}

/** Events the fake emits so tests and the chat client can react without polling. */
export type FakeEvent =
  | { type: "bot-message"; change: "sent" | "edited" | "deleted"; state: BotMessageState }
  | { type: "user-message"; chatId: number; message: Message; updateId: number }
  | { type: "callback-answer"; answer: CallbackAnswer }
  | { type: "chat-action"; chatId: number; action: string }
  | { type: "reply-keyboard"; chatId: number; keyboard: ReplyKeyboardMarkup | undefined }
  | { type: "call"; call: ApiCall }
  | { type: "update"; update: Update };

/** Options for `startFakeTelegram`. Everything is optional; defaults make a permissive, fast fake. */
export interface FakeTelegramOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (random free port). */
  port?: number;
  /** When set, only this token is accepted (others get 401). When omitted any token is accepted. */
  token?: string;
  /** Flood control, off by default. Counts sendX/editX/copy/forward calls in a sliding 1 s window. */
  rateLimit?: { perChatPerSecond?: number; globalPerSecond?: number; retryAfterSeconds?: number };
  /** Overrides for the getMe answer. */
  botInfo?: Partial<UserFromGetMe>;
  /** Webhook delivery tuning (how often a failing delivery is retried before it is dropped). */
  webhook?: { maxAttempts?: number; retryDelayMs?: number; timeoutMs?: number };
  /** Let the bot message chats nobody created with `fake.user()` (default false: 400 "chat not found"). */
  autoCreateChats?: boolean;
  /** Accept `localhost` URLs in inline buttons (Telegram rejects them; default false). */
  allowLocalhostUrls?: boolean;
  /** First update_id handed out; default 100000001. */
  firstUpdateId?: number;
  /** Clock in milliseconds, for deterministic `date` fields; default Date.now. */
  now?: () => number;
}
