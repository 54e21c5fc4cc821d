import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { Logger } from "../shop/platform/logger.js";

/**
 * What every handler of the HTTP surface shares: the app's types and the per-request helpers.
 * Its own module so the server and the routes it mounts both import it, not each other.
 */

/** What @hono/node-server passes as `c.env`; absent under `app.request()` (tests). */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse };

export type AppEnv = { Bindings: NodeBindings; Variables: { requestId: string; baseLog?: Logger; log?: Logger } };

/**
 * A request header (name in lower case). On Node it is read from the parsed IncomingMessage
 * headers; `c.req.header()` would first build a web `Headers` copy of all of them per request.
 * Repeated headers are joined with ", " either way.
 */
export function header(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The request's logger (a child carrying its request id), created on first use: most
 * requests never log beyond the access line, and a child logger per request is not free.
 */
export function requestLog(c: Context<AppEnv>): Logger {
  let log = c.get("log");
  if (!log) {
    const base = c.get("baseLog");
    if (!base) throw new Error("requestLog: createServer's middleware did not run for this request");
    log = base.child({ requestId: c.get("requestId") });
    c.set("log", log);
  }
  return log;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The client's address, for per-address limits. Behind the local Caddy (the peer is loopback)
 * it is the last X-Forwarded-For entry: Caddy drops what a client sent in that header and
 * writes the address it saw. A direct peer is taken as it is, so a client cannot pick its own.
 * Under `app.request()` (tests, no socket) the header is read as if from the proxy.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const peer = c.env?.incoming?.socket.remoteAddress;
  if (peer && !LOOPBACK.test(peer)) return peer;
  const forwarded = header(c, "x-forwarded-for")?.split(",").at(-1)?.trim();
  return forwarded || peer || "unknown";
}
