import type { BotCommand, BotCommandScope } from "grammy/types";
import type { MethodHandler } from "./context.js";
import { badRequest } from "./errors.js";
import { MAX_DOWNLOAD_BYTES } from "./files.js";
import type { Params } from "./params.js";

/** The key commands are stored under: Telegram keeps one list per (scope, language_code). */
export function commandsKey(scope: BotCommandScope | undefined, languageCode: string | undefined): string {
  const s = (scope ?? { type: "default" }) as { type: string; chat_id?: number | string; user_id?: number };
  return JSON.stringify([s.type, s.chat_id ?? null, s.user_id ?? null, languageCode ?? ""]);
}

function scopeAndLanguage(p: Params): string {
  const scope = p.json<BotCommandScope>("scope");
  const validScopes = ["default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member"];
  if (scope !== undefined && !validScopes.includes((scope as { type?: string }).type ?? "")) {
    throw badRequest("can't parse BotCommandScope: unknown scope type");
  }
  const lang = p.str("language_code");
  if (lang !== undefined && lang !== "" && !/^[a-z]{2}$/.test(lang)) throw badRequest("invalid language code specified");
  return commandsKey(scope, lang === "" ? undefined : lang);
}

const setMyCommands: MethodHandler = (ctx, p) => {
  const commands = p.json<BotCommand[]>("commands");
  if (!Array.isArray(commands)) throw badRequest("parameter \"commands\" is required");
  if (commands.length > 100) throw badRequest("too many commands specified");
  for (const c of commands) {
    if (typeof c?.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest("BOT_COMMAND_INVALID");
    if (typeof c.description !== "string" || c.description.trim() === "" || c.description.length > 256) {
      throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
  }
  const key = scopeAndLanguage(p);
  if (commands.length === 0) ctx.state.commands.delete(key);
  else ctx.state.commands.set(key, commands.map((c) => ({ command: c.command, description: c.description })));
  return true;
};

const getMyCommands: MethodHandler = (ctx, p) => structuredClone(ctx.state.commands.get(scopeAndLanguage(p)) ?? []);

const deleteMyCommands: MethodHandler = (ctx, p) => {
  ctx.state.commands.delete(scopeAndLanguage(p));
  return true;
};

const answerCallbackQuery: MethodHandler = (ctx, p) => {
  const id = p.str("callback_query_id");
  const record = id === undefined ? undefined : ctx.state.callbackAnswers.get(id);
  if (record === undefined || record.answered) {
    throw badRequest("query is too old and response timeout expired or query ID is invalid");
  }
  const text = p.str("text");
  if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
  record.answered = true;
  record.answeredAt = ctx.state.now();
  if (text !== undefined) record.text = text;
  const showAlert = p.bool("show_alert");
  if (showAlert !== undefined) record.showAlert = showAlert;
  const url = p.str("url");
  if (url !== undefined) record.url = url;
  ctx.state.emit({ type: "callback-answer", answer: { ...record } });
  return true;
};

const getFile: MethodHandler = (ctx, p) => {
  const fileId = p.str("file_id");
  const file = fileId === undefined ? undefined : ctx.files.get(fileId.trim());
  if (file === undefined) throw badRequest("invalid file_id");
  // Telegram's own wording and status for a file over 20 MB: 400 "Bad Request: file is too big".
  if (file.bytes.length > MAX_DOWNLOAD_BYTES) throw badRequest("file is too big");
  return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length, file_path: file.filePath };
};

/** setMyX/getMyX pairs that just store a string per language (name, descriptions). */
function textSetting(field: string, maxLength: number): { set: MethodHandler; get: MethodHandler } {
  const key = (p: Params) => `${field}|${p.str("language_code") ?? ""}`;
  return {
    set: (ctx, p) => {
      const value = p.str(field) ?? "";
      if (value.length > maxLength) throw badRequest(`${field} is too long`);
      if (value === "") ctx.state.botSettings.delete(key(p));
      else ctx.state.botSettings.set(key(p), value);
      return true;
    },
    get: (ctx, p) => {
      const stored = ctx.state.botSettings.get(key(p));
      const fallback = field === "name" ? ctx.botInfo.first_name : "";
      return { [field]: typeof stored === "string" ? stored : fallback };
    },
  };
}

const description = textSetting("description", 512);
const shortDescription = textSetting("short_description", 120);
const name = textSetting("name", 64);

/** Bot-level methods: identity, commands, callback answers, files, profile texts, menu button. */
export const botMethods: Record<string, MethodHandler> = {
  getMe: (ctx) => ({ ...ctx.botInfo }),
  answerCallbackQuery,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  getFile,
  setMyDescription: description.set,
  getMyDescription: description.get,
  setMyShortDescription: shortDescription.set,
  getMyShortDescription: shortDescription.get,
  setMyName: name.set,
  getMyName: name.get,
  setChatMenuButton: (ctx, p) => {
    ctx.state.botSettings.set(`menu_button|${p.str("chat_id") ?? ""}`, p.json("menu_button") ?? { type: "default" });
    return true;
  },
  getChatMenuButton: (ctx, p) =>
    ctx.state.botSettings.get(`menu_button|${p.str("chat_id") ?? ""}`) ?? { type: "default" },
};
