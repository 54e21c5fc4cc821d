import type { InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity, PhotoSize } from "grammy/types";
import type { FakeContext, MethodHandler } from "./context.js";
import { badRequest, entityTooLarge, forbidden } from "./errors.js";
import { MAX_UPLOAD_BYTES, type StoredFile, imageDimensions } from "./files.js";
import { type FormattedText, formatText } from "./formatting.js";
import { type MarkupResult, validateReplyMarkup } from "./markup.js";
import type { Params } from "./params.js";
import type { ChatState, StoredMessage } from "./state.js";
import type { MediaInfo, WireMessage } from "./types.js";

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

const CHAT_ACTIONS = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
  "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);

/** Resolves chat_id to a known private chat; unknown chats are 400 and blocked users 403, as on Telegram. */
function targetChat(ctx: FakeContext, p: Params): ChatState {
  const chatId = p.chatId();
  let chat = ctx.state.chats.get(chatId);
  if (chat === undefined) {
    if (!ctx.autoCreateChats || chatId <= 0) throw badRequest("chat not found");
    chat = ctx.state.ensureChat(chatId);
  }
  if (chat.blocked) throw forbidden("bot was blocked by the user");
  return chat;
}

function messageIdParam(p: Params): number {
  const id = p.int("message_id", "message identifier is not specified");
  if (id === undefined) throw badRequest("message identifier is not specified");
  return id;
}

function applyReplyKeyboard(ctx: FakeContext, chat: ChatState, markup: MarkupResult): void {
  if (markup.replyKeyboard === "keep") return;
  if (markup.replyKeyboard === "remove") delete chat.replyKeyboard;
  else chat.replyKeyboard = markup.replyKeyboard;
  ctx.state.emit({ type: "reply-keyboard", chatId: chat.id, keyboard: chat.replyKeyboard });
}

function replyTarget(ctx: FakeContext, chat: ChatState, p: Params): WireMessage | undefined {
  const rp = p.json<{ message_id?: number | string; allow_sending_without_reply?: boolean }>("reply_parameters");
  const raw = rp?.message_id ?? p.int("reply_to_message_id");
  if (raw === undefined) return undefined;
  const allow = rp?.allow_sending_without_reply ?? p.bool("allow_sending_without_reply") ?? false;
  const target = ctx.state.findMessage(chat.id, Number(raw));
  if (target === undefined) {
    if (allow) return undefined;
    throw badRequest("message to be replied not found");
  }
  const copy = structuredClone(target.message);
  delete copy.reply_to_message;
  return copy;
}

function linkPreview(p: Params): LinkPreviewOptions | undefined {
  const lpo = p.json<LinkPreviewOptions>("link_preview_options");
  if (lpo !== undefined) return lpo;
  return p.bool("disable_web_page_preview") === true ? { is_disabled: true } : undefined;
}

/** Builds the common part of a bot Message (ids, sender, chat, date, reply, protection). */
function baseMessage(ctx: FakeContext, chat: ChatState, p: Params, reply: WireMessage | undefined) {
  return (messageId: number, date: number): WireMessage => {
    const m: WireMessage = { message_id: messageId, from: { ...ctx.botUser }, chat: { ...chat.chat }, date };
    if (reply !== undefined) m.reply_to_message = reply;
    if (p.bool("protect_content") === true) m.has_protected_content = true;
    return m;
  };
}

function formatCaption(p: Params, field = "caption"): FormattedText | undefined {
  const raw = p.str(field);
  if (raw === undefined || raw.trim() === "") return undefined;
  const f = formatText(raw, p.str("parse_mode"), p.json<MessageEntity[]>("caption_entities"));
  if (f.text.length > 1024) throw badRequest("message caption is too long");
  return f;
}

function formatMessageText(p: Params): FormattedText {
  const raw = p.str("text");
  if (raw === undefined || raw.trim() === "") throw badRequest("message text is empty");
  const f = formatText(raw, p.str("parse_mode"), p.json<MessageEntity[]>("entities"));
  if (f.text.length === 0) throw badRequest("message text is empty");
  if (f.text.length > 4096) throw badRequest("message is too long");
  return f;
}

type InputFileRef = { kind: "upload"; data: Buffer; fileName: string } | { kind: "file"; file: StoredFile } | { kind: "url"; url: string };

/** Finds the file a send method refers to: an uploaded part (attach:// or same-named), a known file_id or a URL. */
function resolveInputFile(ctx: FakeContext, p: Params, field: string): InputFileRef {
  const value = p.raw[field];
  const wrong = () => badRequest("wrong file identifier/HTTP URL specified");
  if (typeof value === "string" && value.startsWith("attach://")) {
    const up = p.uploads.get(value.slice("attach://".length));
    if (up === undefined) throw wrong();
    return { kind: "upload", data: up.data, fileName: up.fileName };
  }
  const direct = p.uploads.get(field);
  if (direct !== undefined) return { kind: "upload", data: direct.data, fileName: direct.fileName };
  if (value === undefined || value === null || value === "") throw badRequest(`there is no ${field} in the request`);
  if (typeof value !== "string") throw wrong();
  if (/^https?:\/\//i.test(value)) return { kind: "url", url: value };
  const file = ctx.files.get(value.trim());
  if (file === undefined) throw wrong();
  return { kind: "file", file };
}

function withCaption(m: WireMessage, caption: FormattedText | undefined): WireMessage {
  if (caption !== undefined) {
    m.caption = caption.text;
    if (caption.entities.length > 0) m.caption_entities = caption.entities;
  }
  return m;
}

function photoSizes(ctx: FakeContext, ref: InputFileRef): PhotoSize[] {
  if (ref.kind === "file") {
    const sizes = ctx.files.photoSizesFor(ref.file.fileId);
    if (sizes === undefined) throw badRequest("type of file mismatch");
    return sizes;
  }
  if (ref.kind === "url") return ctx.files.addPhoto(Buffer.alloc(0), { width: 800, height: 600 }, ref.url);
  if (ref.data.length === 0) throw badRequest("file must be non-empty");
  const dims = imageDimensions(ref.data);
  if (dims === undefined) throw badRequest("IMAGE_PROCESS_FAILED");
  if (dims.width + dims.height > 10000 || Math.max(dims.width, dims.height) / Math.max(1, Math.min(dims.width, dims.height)) > 20) {
    throw badRequest("PHOTO_INVALID_DIMENSIONS");
  }
  return ctx.files.addPhoto(ref.data, dims);
}

function documentFile(ctx: FakeContext, ref: InputFileRef): StoredFile {
  if (ref.kind === "file") {
    if (ref.file.kind !== "document") throw badRequest("type of file mismatch");
    return ref.file;
  }
  if (ref.kind === "url") {
    const name = decodeURIComponent(new URL(ref.url).pathname.split("/").pop() || "file");
    return ctx.files.addDocument(Buffer.alloc(0), name, undefined, ref.url);
  }
  if (ref.data.length === 0) throw badRequest("file must be non-empty");
  // Sent by file_id a document of any size goes through; uploaded, it may carry at most 50 MB.
  if (ref.data.length > MAX_UPLOAD_BYTES) throw entityTooLarge();
  return ctx.files.addDocument(ref.data, ref.fileName, undefined);
}

/** Stable JSON (sorted keys) so "not modified" compares content, not key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function editableBotMessage(ctx: FakeContext, p: Params): { chat: ChatState; stored: StoredMessage } {
  if (p.has("inline_message_id")) throw badRequest("inline_message_id edits are not supported by the fake Telegram server");
  const chat = targetChat(ctx, p);
  const stored = ctx.state.findMessage(chat.id, messageIdParam(p));
  if (stored === undefined) throw badRequest("message to edit not found");
  if (stored.sender !== "bot") throw badRequest("message can't be edited");
  return { chat, stored };
}

function inlineOnly(ctx: FakeContext, p: Params): InlineKeyboardMarkup | undefined {
  const markup = validateReplyMarkup(p.json("reply_markup"), ctx);
  if (markup.replyKeyboard !== "keep") throw badRequest("inline keyboard expected");
  return markup.inline;
}

function commitEdit(ctx: FakeContext, stored: StoredMessage, next: WireMessage): WireMessage {
  if (next.reply_markup === undefined) delete next.reply_markup;
  const before = { ...stored.message, edit_date: 0 };
  if (canonical(before) === canonical({ ...next, edit_date: 0 })) throw badRequest(NOT_MODIFIED);
  next.edit_date = ctx.state.unixNow();
  ctx.state.replaceMessage(stored, next);
  return structuredClone(next);
}

const sendMessage: MethodHandler = (ctx, p) => {
  const chat = targetChat(ctx, p);
  const f = formatMessageText(p);
  const markup = validateReplyMarkup(p.json("reply_markup"), ctx);
  const reply = replyTarget(ctx, chat, p);
  const lpo = linkPreview(p);
  const stored = ctx.state.addMessage(chat, "bot", (id, date) => {
    const m = baseMessage(ctx, chat, p, reply)(id, date);
    m.text = f.text;
    if (f.entities.length > 0) m.entities = f.entities;
    if (lpo !== undefined) m.link_preview_options = lpo;
    if (markup.inline !== undefined) m.reply_markup = markup.inline;
    return m;
  });
  applyReplyKeyboard(ctx, chat, markup);
  return structuredClone(stored.message);
};

const sendPhoto: MethodHandler = (ctx, p) => {
  const chat = targetChat(ctx, p);
  const sizes = photoSizes(ctx, resolveInputFile(ctx, p, "photo"));
  const caption = formatCaption(p);
  const markup = validateReplyMarkup(p.json("reply_markup"), ctx);
  const reply = replyTarget(ctx, chat, p);
  const largest = sizes[sizes.length - 1] as PhotoSize;
  const media: MediaInfo = {
    kind: "photo", fileId: largest.file_id, fileUniqueId: largest.file_unique_id, fileSize: largest.file_size ?? 0,
    width: largest.width, height: largest.height, mimeType: "image/jpeg",
  };
  const stored = ctx.state.addMessage(chat, "bot", (id, date) => {
    const m = withCaption(baseMessage(ctx, chat, p, reply)(id, date), caption);
    m.photo = sizes.map((s) => ({ ...s }));
    if (markup.inline !== undefined) m.reply_markup = markup.inline;
    return m;
  }, media);
  applyReplyKeyboard(ctx, chat, markup);
  return structuredClone(stored.message);
};

const sendDocument: MethodHandler = (ctx, p) => {
  const chat = targetChat(ctx, p);
  const file = documentFile(ctx, resolveInputFile(ctx, p, "document"));
  const caption = formatCaption(p);
  const markup = validateReplyMarkup(p.json("reply_markup"), ctx);
  const reply = replyTarget(ctx, chat, p);
  const media: MediaInfo = { kind: "document", fileId: file.fileId, fileUniqueId: file.fileUniqueId, fileSize: file.bytes.length };
  if (file.fileName !== undefined) media.fileName = file.fileName;
  if (file.mimeType !== undefined) media.mimeType = file.mimeType;
  const stored = ctx.state.addMessage(chat, "bot", (id, date) => {
    const m = withCaption(baseMessage(ctx, chat, p, reply)(id, date), caption);
    m.document = ctx.files.toDocument(file);
    if (markup.inline !== undefined) m.reply_markup = markup.inline;
    return m;
  }, media);
  applyReplyKeyboard(ctx, chat, markup);
  return structuredClone(stored.message);
};

const editMessageText: MethodHandler = (ctx, p) => {
  const { stored } = editableBotMessage(ctx, p);
  if (stored.message.text === undefined) throw badRequest("there is no text in the message to edit");
  const f = formatMessageText(p);
  const inline = inlineOnly(ctx, p);
  const next: WireMessage = { ...structuredClone(stored.message), text: f.text };
  if (f.entities.length > 0) next.entities = f.entities;
  else delete next.entities;
  const lpo = linkPreview(p);
  if (lpo !== undefined) next.link_preview_options = lpo;
  // Like Telegram: an edit without reply_markup removes the inline keyboard.
  if (inline !== undefined) next.reply_markup = inline;
  else delete next.reply_markup;
  return commitEdit(ctx, stored, next);
};

const editMessageCaption: MethodHandler = (ctx, p) => {
  const { stored } = editableBotMessage(ctx, p);
  if (stored.message.photo === undefined && stored.message.document === undefined) {
    throw badRequest("there is no caption in the message to edit");
  }
  const caption = formatCaption(p);
  const inline = inlineOnly(ctx, p);
  const next: WireMessage = structuredClone(stored.message);
  delete next.caption;
  delete next.caption_entities;
  withCaption(next, caption);
  if (inline !== undefined) next.reply_markup = inline;
  else delete next.reply_markup;
  return commitEdit(ctx, stored, next);
};

const editMessageReplyMarkup: MethodHandler = (ctx, p) => {
  const { stored } = editableBotMessage(ctx, p);
  const inline = inlineOnly(ctx, p);
  const next: WireMessage = structuredClone(stored.message);
  if (inline !== undefined) next.reply_markup = inline;
  else delete next.reply_markup;
  return commitEdit(ctx, stored, next);
};

const deleteMessage: MethodHandler = (ctx, p) => {
  const chat = ctx.state.chats.get(p.chatId());
  if (chat === undefined) throw badRequest("chat not found");
  const stored = ctx.state.findMessage(chat.id, messageIdParam(p));
  if (stored === undefined) throw badRequest("message to delete not found");
  ctx.state.markDeleted(stored);
  return true;
};

const deleteMessages: MethodHandler = (ctx, p) => {
  const chat = ctx.state.chats.get(p.chatId());
  if (chat === undefined) throw badRequest("chat not found");
  const ids = p.json<unknown[]>("message_ids");
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw badRequest("message identifiers are not specified");
  for (const id of ids) {
    const stored = ctx.state.findMessage(chat.id, Number(id));
    if (stored !== undefined) ctx.state.markDeleted(stored);
  }
  return true;
};

const sendChatAction: MethodHandler = (ctx, p) => {
  const chat = targetChat(ctx, p);
  const action = p.str("action");
  if (action === undefined || !CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
  ctx.state.emit({ type: "chat-action", chatId: chat.id, action });
  return true;
};

/** Message-producing and message-editing Bot API methods. */
export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  sendPhoto,
  sendDocument,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  sendChatAction,
};
