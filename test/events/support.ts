/**
 * What the customer-event tests share: a reseller's HTTP receiver on loopback (records every
 * request with its raw body; answers what the test says) and a webhook endpoint stored the way
 * the shop stores it (secret sealed with the service's DATA_ENCRYPTION_KEY).
 */
import { randomBytes } from "node:crypto";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { PrismaClient } from "../../db/client.js";
import { ready, seal } from "../../shop/crypto/secretbox.js";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms). */
  at: number;
}

/** The status to answer (with extra headers), or "hang" to never answer (the sender's timeout must end it). */
export type Responder = (req: Received, nth: number) => number | { status: number; headers: Record<string, string> } | "hang";

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests carrying this X-Shop-Delivery. */
  forDelivery(deliveryId: number): Received[];
  respond: Responder;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: "",
    received,
    forDelivery: (id) => received.filter((r) => r.headers["x-shop-delivery"] === String(id)),
    respond: () => 200,
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      received.push(r);
      const answer = receiver.respond(r, received.length);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      const { status, headers } = typeof answer === "number" ? { status: answer, headers: {} } : answer;
      res.writeHead(status, { "content-type": "text/plain", ...headers }).end(status < 300 ? "ok" : "nope");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/shop`;
  return receiver;
}

let seq = 7_400_000n;

/** A reseller with a webhook endpoint at `url`; returns the user id and the signing secret. */
export async function resellerWithEndpoint(prisma: PrismaClient, encryptionKey: Uint8Array, url: string, opts: { disabled?: boolean } = {}) {
  seq += 1n;
  // A reseller: webhooks go only to accounts the reseller API serves (a tier, not banned or restricted).
  const tier = await prisma.resellerTier.upsert({ where: { code: "events-test" }, create: { code: "events-test", name: "Events test" }, update: {} });
  const user = await prisma.user.create({ data: { telegramId: seq, firstName: "Reseller", resellerTierId: tier.id } });
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  await ready();
  const secretEnc = new Uint8Array(seal(encryptionKey, new TextEncoder().encode(secret)));
  await prisma.webhookEndpoint.create({ data: { userId: user.id, url, secretEnc, ...(opts.disabled ? { disabledAt: new Date() } : {}) } });
  return { userId: user.id, secret };
}
