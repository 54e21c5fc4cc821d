import type http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

/** A fake's HTTP server once it listens. */
export interface ListeningFake {
  server: http.Server;
  /** http://host:port (IPv6 hosts in brackets). */
  origin: string;
  port: number;
  /** Stops once (later calls get the same promise); kept-alive client connections are dropped. */
  stop(): Promise<void>;
}

/** Serves a fake's (Hono) app on `host:port` (default 127.0.0.1, a free port). `beforeStop` runs first on stop. */
export async function listenFake(app: { fetch: (req: Request) => Response | Promise<Response> }, opts: { host?: string; port?: number }, beforeStop?: () => void): Promise<ListeningFake> {
  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host ?? "127.0.0.1", port: opts.port ?? 0 }, () => {
      s.off("error", reject);
      resolve(s as http.Server);
    });
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    server,
    origin: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        beforeStop?.();
        server.close(() => resolve());
        setImmediate(() => server.closeAllConnections());
      })),
  };
}
