/**
 * A tiny webhook receiver for gateway fake tests: records each POST's raw body and headers
 * (exactly the bytes a real handler would verify) and answers with a configurable reply.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** What to answer next (default 200 {"success":true}). */
  reply: { status: number; body: string };
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const state = { reply: { status: 200, body: '{"success":true}' } };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(state.reply.status, { "content-type": "application/json" });
      res.end(state.reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    get reply() {
      return state.reply;
    },
    set reply(v) {
      state.reply = v;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
