/**
 * The fake Telegram's file limits are the cloud Bot API's: an upload may carry at most 50 MB
 * (over it: HTTP 413 "Request Entity Too Large", nothing is sent), `getFile` hands out files of
 * at most 20 MB (over it: HTTP 400 "Bad Request: file is too big"), and the download route
 * serves exactly the bytes that were stored. Backups are split into 45 MB parts and restored
 * from the chat through getFile, so both edges matter.
 */
import { createHash, randomBytes } from "node:crypto";
import { Bot, GrammyError, InputFile } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTelegram, startFakeTelegram } from "../../ops/fakes/telegram/index.js";
import { MAX_DOWNLOAD_BYTES, MAX_UPLOAD_BYTES } from "../../ops/fakes/telegram/files.js";

const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fakeServer(): Promise<{ fake: FakeTelegram; bot: Bot }> {
  const fake = await startFakeTelegram();
  cleanups.push(() => fake.stop());
  return { fake, bot: new Bot(fake.token, { client: { apiRoot: fake.url, timeoutSeconds: 60 } }) };
}

async function errorOf(promise: Promise<unknown>): Promise<GrammyError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Every byte value, CRLFs and multipart-boundary look-alikes, then random bytes. */
function awkwardBytes(size: number): Buffer {
  const head = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\r\n--boundary\r\n\r\n--")]);
  return Buffer.concat([head, randomBytes(size - head.length)]);
}

describe("fake Telegram file limits", () => {
  it("states the Bot API limits: 50 MB per upload, 20 MB per getFile", () => {
    expect(MAX_UPLOAD_BYTES).toBe(50 * MiB);
    expect(MAX_DOWNLOAD_BYTES).toBe(20 * MiB);
  });

  it("sendDocument takes an upload of exactly 50 MB and refuses one byte more with 413, sending nothing", async () => {
    const { fake, bot } = await fakeServer();
    fake.user(501);
    const atLimit = Buffer.alloc(MAX_UPLOAD_BYTES, 7);
    const sent = await bot.api.sendDocument(501, new InputFile(atLimit, "part-01.bin"));
    expect(sent.document.file_size).toBe(MAX_UPLOAD_BYTES);

    const over = Buffer.alloc(MAX_UPLOAD_BYTES + 1, 7);
    const err = await errorOf(bot.api.sendDocument(501, new InputFile(over, "part-02.bin")));
    expect(err.error_code).toBe(413);
    expect(err.description).toBe("Request Entity Too Large");
    expect(fake.botMessages(501)).toHaveLength(1);
    const call = fake.calls.filter((c) => c.method === "sendDocument").at(-1);
    expect(call?.status).toBe(413);
    expect(call?.response).toEqual({ ok: false, error_code: 413, description: "Request Entity Too Large" });
  });

  it("a request body far over the limit gets the same 413 (not a dropped connection)", async () => {
    const { fake, bot } = await fakeServer();
    fake.user(502);
    const err = await errorOf(bot.api.sendDocument(502, new InputFile(Buffer.alloc(60 * MiB, 1), "huge.bin")));
    expect(err.error_code).toBe(413);
    expect(err.description).toBe("Request Entity Too Large");
    expect(fake.botMessages(502)).toHaveLength(0);
  });

  it("a file already on Telegram is re-sent by file_id whatever its size (no upload happens)", async () => {
    const { fake, bot } = await fakeServer();
    const user = fake.user(503);
    const sent = await user.sendDocument(Buffer.alloc(MAX_UPLOAD_BYTES + 1, 3), { fileName: "big.bin" });
    const again = await bot.api.sendDocument(503, sent.message.document!.file_id);
    expect(again.document.file_size).toBe(MAX_UPLOAD_BYTES + 1);
  });

  it("getFile hands out a document of exactly 20 MB and refuses one byte more with 400 'file is too big'", async () => {
    const { fake, bot } = await fakeServer();
    const user = fake.user(504);
    const atLimit = awkwardBytes(MAX_DOWNLOAD_BYTES);
    const okId = (await user.sendDocument(atLimit, { fileName: "backup.part-01" })).message.document!.file_id;
    const file = await bot.api.getFile(okId);
    expect(file.file_size).toBe(MAX_DOWNLOAD_BYTES);
    const res = await fetch(fake.fileUrl(file.file_path!));
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("content-length"))).toBe(MAX_DOWNLOAD_BYTES);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(atLimit));

    const bigId = (await user.sendDocument(Buffer.alloc(MAX_DOWNLOAD_BYTES + 1, 9), { fileName: "backup.part-02" })).message.document!.file_id;
    const err = await errorOf(bot.api.getFile(bigId));
    expect(err.error_code).toBe(400);
    expect(err.description).toBe("Bad Request: file is too big");
    const raw = await fetch(fake.apiUrl("getFile"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ file_id: bigId }) });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ ok: false, error_code: 400, description: "Bad Request: file is too big" });
  });

  it("the download route serves byte for byte what the bot uploaded (binary, multipart look-alikes included)", async () => {
    const { fake, bot } = await fakeServer();
    fake.user(505);
    const bytes = awkwardBytes(3 * MiB + 17);
    const sent = await bot.api.sendDocument(505, new InputFile(bytes, "shop-2026-12-03.part-01.enc"));
    const file = await bot.api.getFile(sent.document.file_id);
    const res = await fetch(fake.fileUrl(file.file_path!));
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(bytes.length);
    expect(body.equals(bytes)).toBe(true);
    expect(fake.fileBytes(sent.document.file_id)?.equals(bytes)).toBe(true);
  });
});
