/**
 * An answer to an expired callback query (Telegram: 400 "query is too old and response timeout
 * expired or query ID is invalid") only concerns a spinner that is long gone: the bot's API client
 * takes it as answered, so an update handled late, or again after its process died, still shows
 * its screen. Any other refusal still fails.
 */
import { Api } from "grammy";
import { describe, expect, it } from "vitest";
import { botRetry } from "../../shop/messages/telegram-api.js";

function apiAnswering(answers: Record<string, unknown>): Api {
  const fetchStub = (async (url: string | URL | Request) => {
    const method = String(url).split("/").at(-1)!;
    return new Response(JSON.stringify(answers[method] ?? { ok: true, result: true }), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const api = new Api("123:abc", { apiRoot: "http://telegram.invalid", fetch: fetchStub } as ConstructorParameters<typeof Api>[1]);
  botRetry(api);
  return api;
}

describe("expired callback answers", () => {
  it("takes 'query is too old' on answerCallbackQuery as answered; other 400s still throw", async () => {
    const tooOld = { ok: false, error_code: 400, description: "Bad Request: query is too old and response timeout expired or query ID is invalid" };
    const api = apiAnswering({ answerCallbackQuery: tooOld, sendMessage: { ok: false, error_code: 400, description: "Bad Request: query is too old" } });
    await expect(api.answerCallbackQuery("4000000000000000001")).resolves.toBe(true);
    // Only the spinner's answer is forgiven: the same words on another method are still an error.
    await expect(api.sendMessage(1, "hi")).rejects.toThrow(/query is too old/);
    const other = apiAnswering({ answerCallbackQuery: { ok: false, error_code: 400, description: "Bad Request: message text is empty" } });
    await expect(other.answerCallbackQuery("4000000000000000002", { text: "" })).rejects.toThrow(/message text is empty/);
  });
});
