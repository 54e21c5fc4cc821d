import type { Redis } from "ioredis";

/**
 * Which node a connection reached, for the doctor and the tests: "host:port", with the master's
 * name in Sentinel mode ("mymaster at 10.0.0.5:6379"). Empty while not connected.
 */
export function reachedNode(conn: Redis): string {
  const stream = (conn as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  if (!stream?.remoteAddress) return "";
  const at = `${stream.remoteAddress}:${stream.remotePort}`;
  return conn.options.sentinels ? `${conn.options.name ?? "mymaster"} at ${at}` : at;
}
