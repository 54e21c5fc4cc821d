/**
 * A small private network of Linux network namespaces, for tests that cut one "host" off the
 * network while its processes keep running (a split brain), then let it back:
 *
 *   root namespace: bridge vsbr<pid> = 10.213.N.1/24 (the test process, the fakes, the proxy,
 *                   and TCP forwarders to the machine's Postgres and Redis, which listen on
 *                   127.0.0.1 only)
 *     ├─ veth vsp<pid>a ── eth0 = 10.213.N.2 in netns vpsnet-<pid>-a
 *     └─ veth vsp<pid>b ── eth0 = 10.213.N.3 in netns vpsnet-<pid>-b
 *
 * `cut(name)` downs the root-side end of the host's veth: nothing gets through any more, but no
 * socket is closed on either side (no RST, no FIN: the packets just vanish), like a switch port
 * going dark. `heal(name)` brings it back; the kernel's retransmissions then resume what was
 * queued. Needs root (CAP_NET_ADMIN) and iproute2. <pid> is the test process', so concurrent runs
 * do not collide, and `removeLeftoverLabs` can tell a crashed run's leftovers (pid gone) from a
 * live one's.
 */
import { execFileSync } from "node:child_process";
import net from "node:net";
import { pidAlive } from "./pids.js";
import { pipeBothWays } from "./tcp-faults.js";

const NETNS_PREFIX = "vpsnet-";
const BRIDGE_PREFIX = "vsbr";
const PEER_PREFIX = "vsp";

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Throws a clear error unless this process can create network namespaces (root with iproute2). */
export function requireNetns(): void {
  const why = (() => {
    if (process.getuid?.() !== 0) return `it runs as uid ${process.getuid?.()}, not root`;
    const probe = `${NETNS_PREFIX}${process.pid}-probe`;
    try {
      ip("netns", "add", probe);
      ip("netns", "del", probe);
      return undefined;
    } catch (err) {
      return `\`ip netns add\` failed: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`;
    }
  })();
  if (why !== undefined) throw new Error(`this test needs Linux network namespaces (root and iproute2's \`ip netns\`), and ${why}; CI runs as root on this machine kind, so this is a failure, not a skip`);
}

/** Deletes namespaces, bridges and veths of runs whose process is gone (a crashed run), and kills what still runs in them. */
export function removeLeftoverLabs(): string[] {
  const removed: string[] = [];
  for (const line of ip("netns", "list").split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    for (const pid of ip("netns", "pids", name).split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone already
      }
    }
    try {
      ip("netns", "del", name);
      removed.push(name);
    } catch {
      // a concurrent cleanup got it
    }
  }
  for (const line of ip("-o", "link", "show").split("\n")) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    const m = name ? new RegExp(`^(?:${BRIDGE_PREFIX}|${PEER_PREFIX})(\\d+)[a-z]?$`).exec(name) : null;
    if (!name || !m || pidAlive(Number(m[1]))) continue;
    try {
      ip("link", "del", name);
      removed.push(name);
    } catch {
      // gone with its namespace
    }
  }
  return removed;
}

export interface LabHost {
  name: string;
  /** The namespace its processes run in (`ip netns exec <netns> …`). */
  netns: string;
  /** Its address on the lab's subnet. */
  address: string;
  /** The root-side end of its veth (what `cut` downs). */
  peer: string;
}

export interface NetLab {
  /** The root namespace's address on the subnet: where the hosts reach the forwarders. */
  readonly gateway: string;
  readonly subnet: string;
  readonly hosts: Record<string, LabHost>;
  cut(name: string): void;
  heal(name: string): void;
  /** Kills whatever still runs in the namespaces, then deletes them, the veths and the bridge. Safe to call twice. */
  remove(): void;
}

/** A third octet no address on this machine uses yet (concurrent runs pick different subnets). */
function freeSubnet(): number {
  const used = new Set([...ip("-o", "-4", "addr", "show").matchAll(/inet 10\.213\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let tries = 0; tries < 1000; tries++) {
    const n = 1 + Math.floor(Math.random() * 254);
    if (!used.has(n)) return n;
  }
  throw new Error("no free 10.213.N.0/24 subnet");
}

/** Creates the bridge and one namespace per name (at most 9 hosts), each with its veth and address. */
export function createNetLab(names: string[]): NetLab {
  const tag = String(process.pid);
  const octet = freeSubnet();
  const bridge = `${BRIDGE_PREFIX}${tag}`;
  const gateway = `10.213.${octet}.1`;
  const hosts: Record<string, LabHost> = {};
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const h of Object.values(hosts)) {
      try {
        for (const pid of ip("netns", "pids", h.netns).split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
      } catch {
        // namespace or process gone
      }
      for (const args of [["netns", "del", h.netns], ["link", "del", h.peer]]) {
        try {
          ip(...args);
        } catch {
          // already gone (deleting the namespace deletes its veth pair)
        }
      }
    }
    try {
      ip("link", "del", bridge);
    } catch {
      // already gone
    }
  };
  try {
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${gateway}/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    names.forEach((name, i) => {
      const host: LabHost = { name, netns: `${NETNS_PREFIX}${tag}-${name.toLowerCase()}`, address: `10.213.${octet}.${i + 2}`, peer: `${PEER_PREFIX}${tag}${String.fromCharCode(97 + i)}` };
      hosts[name] = host;
      ip("netns", "add", host.netns);
      ip("link", "add", host.peer, "type", "veth", "peer", "name", "eth0", "netns", host.netns);
      ip("link", "set", host.peer, "master", bridge, "up");
      ip("-n", host.netns, "addr", "add", `${host.address}/24`, "dev", "eth0");
      ip("-n", host.netns, "link", "set", "eth0", "up");
      ip("-n", host.netns, "link", "set", "lo", "up");
    });
  } catch (err) {
    remove();
    throw err;
  }
  const host = (name: string) => {
    const h = hosts[name];
    if (!h) throw new Error(`no host ${name} in the lab`);
    return h;
  };
  return {
    gateway,
    subnet: `10.213.${octet}.0/24`,
    hosts,
    cut: (name) => void ip("link", "set", host(name).peer, "down"),
    heal: (name) => void ip("link", "set", host(name).peer, "up"),
    remove,
  };
}

/**
 * Bytes sent and not yet acknowledged on the TCP connections between `address` and its peers (as
 * `ss` reports Send-Q), seen from inside `netns` (the host's side) or from the root namespace
 * (`netns` undefined: the forwarders' and the proxy's side). 0 once everything queued across a
 * cut has been delivered.
 */
export function unackedBytes(address: string, netns?: string): number {
  const args = ["-tnH", "state", "connected"];
  const out = netns === undefined ? execFileSync("ss", args, { encoding: "utf8" }) : ip("netns", "exec", netns, "ss", ...args);
  let total = 0;
  for (const line of out.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // With a state filter ss still prints the state: State Recv-Q Send-Q Local Peer.
    if (cols.length < 5 || !(cols[3]!.startsWith(`${address}:`) || cols[4]!.startsWith(`${address}:`))) continue;
    total += Number(cols[2]) || 0;
  }
  return total;
}

// ───────────────────────────── TCP forwarders ─────────────────────────────

export interface TcpForwarder {
  /** Where the namespaces connect: `gateway:port`. */
  readonly host: string;
  readonly port: number;
  /** Per source address: connections accepted and when bytes last came from it (Date.now()). */
  from(address: string): { connections: number; lastDataAt: number };
  stop(): Promise<void>;
}

/**
 * Listens on `host` (port picked by the kernel) and pipes every connection to `target`. A side
 * that closes closes the other; a side that goes silent (cut off) leaves both open, as a real
 * network path would.
 */
export async function startTcpForwarder(host: string, target: { host: string; port: number }): Promise<TcpForwarder> {
  const sockets = new Set<net.Socket>();
  const seen = new Map<string, { connections: number; lastDataAt: number }>();
  const server = net.createServer((client) => {
    const source = client.remoteAddress?.replace(/^::ffff:/, "") ?? "?";
    const stats = seen.get(source) ?? { connections: 0, lastDataAt: 0 };
    seen.set(source, stats);
    stats.connections++;
    client.on("data", () => {
      stats.lastDataAt = Date.now();
    });
    pipeBothWays(client, net.connect(target.port, target.host), sockets);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    from: (address) => ({ ...(seen.get(address) ?? { connections: 0, lastDataAt: 0 }) }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const DEFAULT_PORTS: Record<string, number> = { "postgres:": 5432, "postgresql:": 5432, "redis:": 6379, "http:": 80, "https:": 443 };

/**
 * The environment with every URL that points at this machine's loopback (Postgres, Redis, the
 * fakes) pointed at a forwarder on `host` instead, one forwarder per target; `keep` lists
 * variables left as they are (e.g. PUBLIC_BASE_URL, which only the outside world calls).
 */
export async function forwardLoopbackUrls(env: Record<string, string>, host: string, keep: string[] = []): Promise<{ env: Record<string, string>; forwarders: TcpForwarder[] }> {
  const byTarget = new Map<string, TcpForwarder>();
  const out: Record<string, string> = { ...env };
  try {
    for (const [key, value] of Object.entries(env)) {
      if (keep.includes(key) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
      const url = new URL(value);
      if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") continue;
      const port = url.port !== "" ? Number(url.port) : DEFAULT_PORTS[url.protocol];
      if (port === undefined) continue;
      const target = `${url.hostname}:${port}`;
      let fwd = byTarget.get(target);
      if (!fwd) {
        fwd = await startTcpForwarder(host, { host: url.hostname, port });
        byTarget.set(target, fwd);
      }
      url.hostname = host;
      url.port = String(fwd.port);
      // new URL() adds a "/" to a bare origin; keep the value's own form.
      out[key] = value.endsWith("/") || url.pathname !== "/" ? url.toString() : url.toString().replace(/\/$/, "");
    }
  } catch (err) {
    await Promise.all([...byTarget.values()].map((f) => f.stop()));
    throw err;
  }
  return { env: out, forwarders: [...byTarget.values()] };
}
