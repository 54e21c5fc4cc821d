import type { Message, Update, UserFromGetMe } from "grammy/types";

/** One Bot API call the bot made, as it would have gone over the wire. */
export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

export const TEST_BOT_INFO: UserFromGetMe = {
  id: 424242,
  is_bot: true,
  first_name: "Toko VPS",
  username: "toko_vps_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/**
 * A recording `fetch` for grammY's client: every Bot API request (including
 * those made inside conversations, which build their own Api) is captured and
 * answered with a canned, well-formed result instead of reaching Telegram.
 */
export function recordingFetch(): { fetch: typeof fetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  let nextMessageId = 1000;
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const method = url.slice(url.lastIndexOf("/") + 1);
    let p: Record<string, unknown> = {};
    if (typeof init?.body === "string") p = JSON.parse(init.body) as Record<string, unknown>;
    calls.push({ method, payload: p });
    let result: unknown = true;
    if (["sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption", "editMessageReplyMarkup"].includes(method)) {
      result = {
        message_id: typeof p.message_id === "number" ? p.message_id : ++nextMessageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(p.chat_id), type: "private", first_name: "User" },
        from: TEST_BOT_INFO,
        ...(typeof p.text === "string" ? { text: p.text } : {}),
      } satisfies Message;
    }
    return new Response(JSON.stringify({ ok: true, result }), { status: 200, headers: { "content-type": "application/json" } });
  };
  return { fetch: fake as typeof fetch, calls };
}

export interface TestUser {
  id: number;
  first_name: string;
  username?: string;
  language_code?: string;
}

let updateSeq = Math.floor(Math.random() * 1_000_000);

/** Builds real-shaped updates for the bot under test. */
export const updates = {
  text(user: TestUser, text: string, messageId = ++updateSeq): Update {
    const command = /^\/\w+/.exec(text);
    return {
      update_id: ++updateSeq,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: "private", first_name: user.first_name },
        from: { is_bot: false, ...user },
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      },
    } as Update;
  },
  callback(user: TestUser, data: string, messageId = 1): Update {
    return {
      update_id: ++updateSeq,
      callback_query: {
        id: String(++updateSeq),
        from: { is_bot: false, ...user },
        chat_instance: `ci-${user.id}`,
        data,
        message: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: user.id, type: "private", first_name: user.first_name },
          from: TEST_BOT_INFO,
          text: "…",
        },
      },
    } as Update;
  },
};

/** The texts of sendMessage/editMessageText calls since index `from`. */
export function textsSince(calls: RecordedCall[], from = 0): string[] {
  return calls
    .slice(from)
    .filter((c) => c.method === "sendMessage" || c.method === "editMessageText")
    .map((c) => String(c.payload.text));
}

/** Inline keyboard button labels and callback data of a recorded call. */
export function buttonsOf(call: RecordedCall | undefined): Array<{ text: string; data?: string }> {
  const markup = call?.payload.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data }));
}
