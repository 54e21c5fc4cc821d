/**
 * One POST to a reseller's URL, answered by its status only. Plain node:http(s) rather than fetch
 * for one reason: the address is checked where the connection is made (a `lookup` that refuses
 * private addresses), so a name that resolved to a public address when the URL was checked cannot
 * point at our own network by the time we connect (DNS rebinding). One deadline covers connect,
 * request and the answer's headers; redirects are not followed (a 3xx is just a status).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isPrivateAddress } from "./webhook-url.js";

export class PostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PostError";
  }
}

/** A lookup that fails for a name resolving to any private address. */
const publicOnly: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, options, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    if (err) return callback(err, address as string, family);
    const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
    if (all.some((a) => isPrivateAddress(a.address))) return callback(new PostError("EPRIVATE", `${hostname} resolves to a private address`), address as string, family);
    callback(null, address as string, family);
  });
};

/** What a POST was answered: the status, and the receiver's Retry-After header when it sent one. */
export interface PostAnswer {
  status: number;
  retryAfter: string | null;
}

/** POSTs `body` and resolves with the answer's status (and Retry-After); rejects with a PostError on timeout or a refused address. */
export function postOnce(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<PostAnswer> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, {
      method: "POST",
      headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
      ...(opts.allowPrivate ? {} : { lookup: publicOnly }),
    });
    const timer = setTimeout(() => req.destroy(new PostError("ETIMEDOUT", `timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("response", (res) => {
      clearTimeout(timer);
      // Only the status (and Retry-After) matters; the body is not read.
      res.destroy();
      const retryAfter = res.headers["retry-after"];
      resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === "string" ? retryAfter : null });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
