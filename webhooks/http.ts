import type { IncomingMessage, ServerResponse } from "node:http";
import { BlockList, isIP, isIPv4, isIPv6 } from "node:net";
import type { Context } from "hono";
import type { Logger } from "../shop/platform/logger.js";

/**
 * What every handler of the HTTP surface shares: the app's types and the per-request helpers.
 * Its own module so the server and the routes it mounts both import it, not each other.
 */

/** What @hono/node-server passes as `c.env`; absent under `app.request()` (tests). */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse };

export type AppEnv = { Bindings: NodeBindings; Variables: { requestId: string; baseLog?: Logger; log?: Logger; trustedProxy?: (address: string) => boolean } };

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
 * Which peers may tell us the client's address: always the local proxy (loopback), plus the
 * TRUSTED_PROXIES (addresses or CIDR ranges: the load balancer in front of several hosts).
 */
export function trustedProxies(list: readonly string[]): (address: string) => boolean {
  const block = new BlockList();
  for (const entry of list) {
    const [address, bits] = entry.split("/");
    const type = isIPv6(address!) ? "ipv6" : "ipv4";
    if (bits === undefined) block.addAddress(address!, type);
    else block.addSubnet(address!, Number(bits), type);
  }
  return (address) => {
    if (LOOPBACK.test(address)) return true;
    const plain = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
    return isIP(plain) !== 0 && block.check(plain, isIPv6(plain) ? "ipv6" : "ipv4");
  };
}

const loopbackOnly = trustedProxies([]);

/**
 * The client's address, for per-address limits. From a trusted proxy (the local Caddy, or a load
 * balancer in TRUSTED_PROXIES) it is the right-most X-Forwarded-For entry that is not itself a
 * trusted proxy: each proxy appends the address it saw, and whatever a client wrote there itself
 * sits further left. A direct peer is taken as it is, so a client cannot pick its own.
 * Under `app.request()` (tests, no socket) the header is read as if from the proxy.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const trusted = c.get("trustedProxy") ?? loopbackOnly;
  const peer = c.env?.incoming?.socket.remoteAddress;
  if (peer && !trusted(peer)) return peer;
  const hops = (header(c, "x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i]!) || i === 0) return hops[i]!;
  return peer || "unknown";
}
