/**
 * requestJson edge cases against a tiny scripted node:http server: each request consumes
 * the next scripted answer. Sleeps are recorded instead of waited, so the file stays fast.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ExternalServiceError, requestJson, retryAfterMs, type RequestJsonOptions } from "../../../shop/http/resilient-fetch.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function scripted(...handlers: Handler[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const h = handlers[seen.length - 1] ?? json(500, { message: "script exhausted" });
      h(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}
/** Never answers (the client's timeout must fire). */
const hang: Handler = () => undefined;

function fast(overrides: Partial<RequestJsonOptions> & { url: string }): { opts: RequestJsonOptions; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    opts: {
      service: "testsvc",
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      minDelayMs: 100,
      maxDelayMs: 1000,
      ...overrides,
    },
  };
}

async function failure(p: Promise<unknown>): Promise<ExternalServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExternalServiceError);
  return err as ExternalServiceError;
}

describe("requestJson", () => {
  it("parses JSON, sends JSON bodies with content-type and accept", async () => {
    const srv = await scripted(json(201, { id: 7 }));
    const { opts } = fast({ url: `${srv.url}/things`, method: "POST", body: { name: "a" } });
    const res = await requestJson<{ id: number }>(opts);
    expect(res).toMatchObject({ status: 201, data: { id: 7 }, attempts: 1 });
    expect(srv.seen[0]).toMatchObject({ method: "POST", body: '{"name":"a"}' });
    expect(srv.seen[0]?.headers["content-type"]).toBe("application/json");
    expect(srv.seen[0]?.headers.accept).toBe("application/json");
  });

  it("429 with Retry-After (seconds) waits that long, then succeeds", async () => {
    const srv = await scripted(json(429, { message: "slow down" }, { "retry-after": "2" }), json(200, { ok: true }));
    const { opts, sleeps } = fast({ url: srv.url });
    const res = await requestJson(opts);
    expect(res.data).toEqual({ ok: true });
    expect(res.attempts).toBe(2);
    expect(sleeps).toEqual([2000]);
  });

  it("honours an HTTP-date Retry-After and a rate-limit reset epoch", async () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const srv = await scripted(
      json(429, {}, { "retry-after": new Date(now + 3000).toUTCString() }),
      json(429, {}, { "ratelimit-reset": String(now / 1000 + 5) }),
      json(429, {}, { "x-ratelimit-reset": "1" }),
      json(200, { ok: true }),
    );
    const { opts, sleeps } = fast({ url: srv.url, now: () => now });
    await requestJson(opts);
    expect(sleeps).toEqual([3000, 5000, 1000]);
  });

  it("gives up at once when the server asks to wait longer than the cap", async () => {
    const srv = await scripted(json(429, { id: "too_many_requests", message: "API rate limit exceeded." }, { "retry-after": "3600" }));
    const { opts, sleeps } = fast({ url: srv.url, maxRetryAfterMs: 30_000 });
    const err = await failure(requestJson(opts));
    expect(err).toMatchObject({ code: "rate_limited", status: 429, retryable: true, retryAfterMs: 3_600_000, attempts: 1 });
    expect(sleeps).toEqual([]);
    expect(srv.seen).toHaveLength(1);
  });

  it("500 then success, with exponential backoff and full jitter", async () => {
    const srv = await scripted(json(500, {}), json(502, {}), json(200, { ok: 1 }));
    const { opts, sleeps } = fast({ url: srv.url });
    const res = await requestJson(opts);
    expect(res.attempts).toBe(3);
    expect(sleeps).toEqual([50, 100]); // 0.5 × 100, 0.5 × 200
  });

  it("stops after `retries` and reports http_5xx", async () => {
    const srv = await scripted(json(503, {}), json(503, {}), json(503, {}));
    const { opts, sleeps } = fast({ url: srv.url, retries: 2, random: () => 0.999 });
    const err = await failure(requestJson(opts));
    expect(err).toMatchObject({ code: "http_5xx", status: 503, attempts: 3, retryable: true });
    expect(sleeps).toEqual([99, 199]);
  });

  it("a timed-out GET is retried", async () => {
    const srv = await scripted(hang, json(200, { ok: true }));
    // The retry must be answered within the timeout: 2 s, so a loaded machine still makes it.
    const { opts } = fast({ url: srv.url, timeoutMs: 2_000 });
    const res = await requestJson(opts);
    expect(res.attempts).toBe(2);
    expect(srv.seen).toHaveLength(2);
  });

  it("a timed-out POST is not retried (the server may have acted on it)", async () => {
    const srv = await scripted(hang, json(200, { ok: true }));
    const { opts } = fast({ url: srv.url, method: "POST", body: { pay: 1 }, timeoutMs: 150 });
    const err = await failure(requestJson(opts));
    expect(err).toMatchObject({ code: "timeout", retryable: true, attempts: 1 });
    expect(srv.seen).toHaveLength(1);
  });

  it("a POST answered 500 or 429 is not retried unless retryNonIdempotent", async () => {
    const a = await scripted(json(500, {}), json(200, {}));
    expect(await failure(requestJson(fast({ url: a.url, method: "POST", body: {} }).opts))).toMatchObject({ code: "http_5xx", attempts: 1 });
    const b = await scripted(json(429, {}, { "retry-after": "1" }), json(200, {}));
    expect(await failure(requestJson(fast({ url: b.url, method: "POST", body: {} }).opts))).toMatchObject({ code: "rate_limited", attempts: 1 });
    const c = await scripted(json(500, {}), json(200, { ok: true }));
    const res = await requestJson(fast({ url: c.url, method: "POST", body: {}, retryNonIdempotent: true }).opts);
    expect(res.attempts).toBe(2);
  });

  it("a POST whose connection was refused is retried (nothing was sent)", async () => {
    const srv = await scripted();
    const closed = srv.url;
    const s = servers.pop() as http.Server;
    await new Promise((r) => s.close(r));
    const { opts, sleeps } = fast({ url: closed, method: "POST", body: {}, retries: 2 });
    const err = await failure(requestJson(opts));
    expect(err).toMatchObject({ code: "network", retryable: true, attempts: 3 });
    expect(err.message).toContain("ECONNREFUSED");
    expect(sleeps).toHaveLength(2);
  });

  it("never retries 400 and exposes the vendor detail and parsed body", async () => {
    const srv = await scripted(json(400, { success: false, message: "Invalid signature" }), json(200, {}));
    const { opts, sleeps } = fast({ url: `${srv.url}/transaction/create`, method: "GET" });
    const err = await failure(requestJson(opts));
    expect(err).toMatchObject({ code: "http_4xx", status: 400, retryable: false, attempts: 1 });
    expect(err.message).toBe(`testsvc: HTTP 400 from GET ${new URL(srv.url).host}/transaction/create: Invalid signature`);
    expect(err.data).toEqual({ success: false, message: "Invalid signature" });
    expect(Object.keys(err)).not.toContain("data");
    expect(sleeps).toEqual([]);
  });

  it("keeps secrets out of messages and bodies (auth header, Basic credentials, query string, redact list)", async () => {
    const echo: Handler = (req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `bad key ${req.headers.authorization} for ${req.url}`, privateKey: "PRIV-SECRET-123" }));
    };
    const srv = await scripted(echo, echo);
    const bearer = await failure(
      requestJson(fast({ url: `${srv.url}/x?api_key=QUERY-SECRET-9`, headers: { authorization: "Bearer TOKEN-SECRET-42" }, redact: ["PRIV-SECRET-123"] }).opts),
    );
    const basicKey = "SB-Mid-server-SECRETKEY";
    const basic = await failure(requestJson(fast({ url: `${srv.url}/y`, headers: { authorization: `Basic ${Buffer.from(`${basicKey}:`).toString("base64")}` } }).opts));
    const cases: [ExternalServiceError, string[]][] = [
      [bearer, ["TOKEN-SECRET-42", "QUERY-SECRET-9", "PRIV-SECRET-123"]],
      [basic, [basicKey, Buffer.from(`${basicKey}:`).toString("base64")]],
    ];
    for (const [err, secrets] of cases) {
      const visible = `${err.message}\n${err.body}\n${err.stack}\n${JSON.stringify(err)}`;
      for (const secret of secrets) expect(visible).not.toContain(secret);
      expect(err.message).toContain("[redacted]");
    }
  });

  it("non-JSON 200 is bad_response; empty body is undefined data; acceptStatus returns listed statuses", async () => {
    const srv = await scripted(
      (_q, res) => res.end("<html>maintenance</html>"),
      (_q, res) => {
        res.writeHead(204);
        res.end();
      },
      // Not 407: the Fetch standard turns an HTTP 407 into a network error before we see it.
      json(404, { status_code: "404" }),
    );
    expect(await failure(requestJson(fast({ url: srv.url }).opts))).toMatchObject({ code: "bad_response", status: 200, retryable: false });
    expect((await requestJson(fast({ url: srv.url, method: "DELETE" }).opts)).data).toBeUndefined();
    expect((await requestJson(fast({ url: srv.url, acceptStatus: [404] }).opts)).status).toBe(404);
  });

  it("does not follow redirects", async () => {
    const srv = await scripted((_q, res) => {
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
    });
    expect(await failure(requestJson(fast({ url: srv.url, method: "POST", body: {} }).opts))).toMatchObject({ code: "bad_response", status: 302 });
    expect(srv.seen).toHaveLength(1);
  });

  it("caller abort is rethrown as is, not wrapped or retried", async () => {
    const srv = await scripted(hang, hang);
    const ctl = new AbortController();
    // Aborted once the request is in flight at the server (however long it takes to get there).
    const inFlight = setInterval(() => {
      if (srv.seen.length === 0) return;
      clearInterval(inFlight);
      ctl.abort(new Error("shutting down"));
    }, 5);
    await expect(requestJson(fast({ url: srv.url, signal: ctl.signal, timeoutMs: 20_000 }).opts)).rejects.toThrow("shutting down");
    clearInterval(inFlight);
    expect(srv.seen).toHaveLength(1);
  });
});

describe("retryAfterMs", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  it("prefers Retry-After and reads reset headers only when asked", () => {
    expect(retryAfterMs(h({ "retry-after": "1.5" }), 0, true)).toBe(1500);
    expect(retryAfterMs(h({ "retry-after": "garbage" }), 0, true)).toBeUndefined();
    expect(retryAfterMs(h({ "ratelimit-reset": "2000000000" }), 1_999_999_990_000, true)).toBe(10_000);
    expect(retryAfterMs(h({ "ratelimit-reset": "2000000000" }), 1_999_999_990_000, false)).toBeUndefined();
    expect(retryAfterMs(h({ "retry-after": new Date(0).toUTCString() }), 5000, true)).toBe(0);
  });
});
