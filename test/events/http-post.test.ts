/**
 * The webhook POST checks the address where it connects (shop/events/http-post.ts): a name that
 * resolves to a loopback address is refused at connect time even when the URL check was passed
 * (DNS rebinding), unless WEBHOOK_ALLOW_PRIVATE; a silent receiver ends at the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postOnce } from "../../shop/events/http-post.js";
import { startReceiver, type Receiver } from "./support.js";

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.stop();
});

describe("webhook POST", () => {
  it("refuses to connect to a name that resolves to a private address", async () => {
    const byName = receiver.url.replace("127.0.0.1", "localhost");
    await expect(postOnce(byName, {}, "{}", { timeoutMs: 2_000, allowPrivate: false })).rejects.toMatchObject({ code: "EPRIVATE" });
    expect(receiver.received).toHaveLength(0);
    expect(await postOnce(byName, { "Content-Type": "application/json" }, '{"a":1}', { timeoutMs: 2_000, allowPrivate: true })).toEqual({ status: 200, retryAfter: null });
    expect(receiver.received.map((r) => r.body)).toEqual(['{"a":1}']);
  });

  it("answers with the status only, a redirect included (not followed), and times out a silent receiver", async () => {
    receiver.respond = () => 302;
    expect(await postOnce(receiver.url, {}, "{}", { timeoutMs: 2_000, allowPrivate: true })).toMatchObject({ status: 302 });
    receiver.respond = () => "hang";
    await expect(postOnce(receiver.url, {}, "{}", { timeoutMs: 200, allowPrivate: true })).rejects.toMatchObject({ code: "ETIMEDOUT", message: "timeout after 200 ms" });
  });
});
