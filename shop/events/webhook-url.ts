/**
 * Which URLs a reseller's webhooks may go to. The shop's worker makes the request, so a URL that
 * points inside our own network (loopback, private ranges, cloud metadata at 169.254.169.254)
 * would let anyone with an API key probe it: such hosts are refused, both when the URL is set
 * and again at every delivery (DNS may have changed since). `allowPrivate` (WEBHOOK_ALLOW_PRIVATE,
 * for tests and local development) lifts that and also allows plain http.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

export interface WebhookUrlPolicy {
  allowPrivate: boolean;
}

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: "invalid" | "not_https" | "private_host" | "unresolvable" };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 127],
  // IPv4-compatible (::a.b.c.d), 6to4 (2002:a.b.c.d::) and local-use NAT64: each can carry an IPv4 address.
  ["::", 96],
  ["2002::", 16],
  ["64:ff9b:1::", 48],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** Whether an IP address is one the shop must not call (loopback, private, link-local, multicast…). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  return blocked.check(address, "ipv6");
}

export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Checks a webhook URL against the policy, resolving its host (every address must be public). */
export async function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy, resolve: Resolve = resolveAll): Promise<WebhookUrlCheck> {
  const text = raw.trim();
  if (text.length === 0 || text.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: "invalid" };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (url.username || url.password || url.hash || !["https:", "http:"].includes(url.protocol)) return { ok: false, reason: "invalid" };
  if (policy.allowPrivate) return { ok: true, url: url.toString() };
  if (url.protocol !== "https:") return { ok: false, reason: "not_https" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return { ok: false, reason: "private_host" };
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return { ok: false, reason: "unresolvable" };
  }
  if (addresses.length === 0) return { ok: false, reason: "unresolvable" };
  if (addresses.some(isPrivateAddress)) return { ok: false, reason: "private_host" };
  return { ok: true, url: url.toString() };
}
