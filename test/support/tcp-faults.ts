/**
 * A TCP proxy in front of a fake server that breaks connections the way a bad network does:
 * `resetNext(n)` answers the next n connections with a TCP RST (the client sees ECONNRESET),
 * `down()` stops listening (ECONNREFUSED) and `up()` listens again on the same port. The fake
 * behind it stays a faithful server; the faults live where they happen, on the wire.
 */
import net from "node:net";

export interface FaultyProxy {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the target's URL. */
  readonly url: string;
  readonly port: number;
  /** Connections reset so far. */
  readonly resets: number;
  /** Connections passed through to the target so far. */
  readonly passed: number;
  /** Resets the next `n` connections, and closes the idle ones so the client has to open new ones. */
  resetNext(n: number): void;
  /** Resets every new connection until `heal()`. */
  resetAll(): void;
  heal(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Pipes `client` and `upstream` into each other, tracked in `sockets` while open: when one side
 * closes or fails, both are destroyed. A side that merely goes silent leaves both open.
 */
export function pipeBothWays(client: net.Socket, upstream: net.Socket, sockets: Set<net.Socket>): void {
  sockets.add(client).add(upstream);
  const drop = () => {
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on("error", drop).on("close", drop);
  upstream.on("error", drop).on("close", drop);
  client.pipe(upstream).pipe(client);
}

export async function startFaultyProxy(targetUrl: string): Promise<FaultyProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let toReset = 0;
  let resets = 0;
  let passed = 0;
  const server = net.createServer((client) => {
    if (toReset > 0) {
      toReset -= 1;
      resets += 1;
      client.resetAndDestroy();
      return;
    }
    passed += 1;
    pipeBothWays(client, net.connect(Number(target.port), target.hostname), sockets);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const closeAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get resets() {
      return resets;
    },
    get passed() {
      return passed;
    },
    resetNext(n) {
      toReset = n;
      closeAll();
    },
    resetAll() {
      toReset = Number.POSITIVE_INFINITY;
      closeAll();
    },
    heal() {
      toReset = 0;
    },
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closeAll();
      }),
    up: () => listen(port),
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        closeAll();
      }),
  };
}
