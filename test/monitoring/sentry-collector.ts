import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** A stand-in for Sentry's ingest host: keeps every envelope POSTed to /api/<project>/envelope/. */
export interface SentryCollector {
  dsn: string;
  envelopes: string[];
  /** Resolves with the first envelope that contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSentryCollector(): Promise<SentryCollector> {
  const envelopes: string[] = [];
  const waiters: Array<{ text: string; resolve: (body: string) => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      if (req.method === "POST" && /^\/api\/1\/envelope\/?/.test(req.url ?? "")) {
        envelopes.push(body);
        for (const w of waiters.filter((x) => body.includes(x.text))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(body);
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    envelopes,
    waitFor(text, timeoutMs = 10_000) {
      const found = envelopes.find((e) => e.includes(text));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no envelope with ${JSON.stringify(text)} in ${timeoutMs} ms (${envelopes.length} received)`)), timeoutMs);
        waiters.push({ text, resolve: (body) => (clearTimeout(timer), resolve(body)) });
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
