import { Api, GrammyError, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { createLogger, serializeError } from "../../shop/platform/logger.js";

const TOKEN = "7123456789:AAH-secretBotTokenValue_0123456789ab";
const API_KEY = "DEV-tripayApiKeyValue0042";
const PASSWORD = "Rt9-pw-Kq2mZx7";

/** A logger that keeps its lines, as an operator's log shipper would receive them. */
function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({ role: "test", level: "trace", secrets, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, text: () => lines.join("") };
}

describe("log serializer and scrub", () => {
  it("drops a GrammyError's payload (the credentials message) and keeps its codes", () => {
    const err = new GrammyError(
      "Call to 'sendMessage' failed!",
      { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } },
      "sendMessage",
      { chat_id: 42, text: `IP 10.0.0.1\nroot / ${PASSWORD}` },
    );
    const { logger, lines, text } = capture();
    logger.warn({ err }, "send failed");
    logger.error(err);
    logger.error({ error: err, reason: err }, "under other keys");
    logger.child({ jobId: "j1" }).error({ err }, "from a child");
    expect(lines).toHaveLength(4);
    expect(text()).not.toContain(PASSWORD);
    const first = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(first.err).toMatchObject({ type: "GrammyError", error_code: 429, method: "sendMessage", retry_after: 7, description: "Too Many Requests: retry after 7" });
    expect(first.err).not.toHaveProperty("payload");
    expect(JSON.parse(lines[2]!)).toMatchObject({ error: { type: "GrammyError" }, reason: { type: "GrammyError" } });
  });

  it("scrubs the bot token a network error carries in its URL, and keeps the cause's code", async () => {
    const api = new Api(TOKEN, { apiRoot: "http://127.0.0.1:9" });
    const err = await api.getMe().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpError);
    // The raw error does carry the token: this is what used to reach the log.
    expect(JSON.stringify({ message: ((err as HttpError).error as Error).message })).toContain(TOKEN);
    const { logger, text } = capture();
    logger.error({ err }, "telegram unreachable");
    logger.error({ err: ((err as HttpError).error as Error).message }, "the message alone");
    logger.error(`in the message: ${((err as HttpError).error as Error).message}`);
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(TOKEN.split(":")[1]);
    expect(text()).toContain("bot[redacted]");
    expect(JSON.parse(text().split("\n")[0]!)).toMatchObject({ err: { type: "HttpError", cause: { code: "ECONNREFUSED" } } });
  });

  it("blanks configured secret values in messages, fields, stacks, bindings and URLs", () => {
    const { logger, text } = capture([API_KEY, "short"]);
    const err = new Error(`gateway said: invalid key ${API_KEY}`, { cause: new Error(`signed with ${API_KEY}`) });
    logger.child({ api: `https://x.test/?k=${encodeURIComponent(API_KEY)}` }).error({ err, nested: { deeper: [`key=${API_KEY}`] } }, `calling with ${API_KEY}`);
    logger.info({ db: "postgresql://shop:S3cret-db-pw@db.local:5432/shop", auth: "Bearer abcdefghijklmnop" }, "connecting");
    const out = text();
    expect(out).not.toContain(API_KEY);
    expect(out).not.toContain("S3cret-db-pw");
    expect(out).not.toContain("abcdefghijklmnop");
    // Values too short to be told apart from ordinary words are not blanked.
    logger.info("a short word stays");
    expect(text()).toContain("a short word stays");
  });

  it("serializes only scalar fields of unknown error classes", () => {
    class VendorError extends Error {
      status = 502;
      retryable = true;
      request = { headers: { authorization: "x" }, body: PASSWORD };
      apiToken = "abc";
    }
    const out = serializeError(new VendorError("bad gateway")) as Record<string, unknown>;
    expect(out).toMatchObject({ type: "Error", message: "bad gateway", status: 502, retryable: true });
    expect(out).not.toHaveProperty("request");
    expect(out).not.toHaveProperty("apiToken");
    expect(serializeError("plain string")).toBe("plain string");
  });
});
