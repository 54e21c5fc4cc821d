/**
 * A reseller's webhook endpoint (one per reseller): the URL signed events go to and the signing
 * secret, stored sealed with DATA_ENCRYPTION_KEY (shop/crypto/secretbox.ts) and shown only when it
 * is made (first PUT, or a rotation). Switching it off keeps the row, so the delivery log stays.
 * Every change is audited, never with the secret.
 */
import { randomBytes } from "node:crypto";
import type { OutboundStatus, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { open, ready, seal } from "../crypto/secretbox.js";
import { EVENT_WIRE_TYPES } from "../events/record.js";
import { checkWebhookUrl, type Resolve, type WebhookUrlCheck } from "../events/webhook-url.js";

export interface EndpointPolicy {
  encryptionKey: Uint8Array;
  /** WEBHOOK_ALLOW_PRIVATE: plain http and loopback/private hosts allowed (tests, local development). */
  allowPrivate: boolean;
  /** DNS lookup for the URL check (tests). */
  resolve?: Resolve;
}

/** Why a URL was refused (shop/events/webhook-url.ts, the check deliveries make again). */
export type UrlRejection = Extract<WebhookUrlCheck, { ok: false }>["reason"];

export interface EndpointView {
  url: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const newSecret = (): string => `whsec_${randomBytes(32).toString("base64url")}`;

async function sealSecret(key: Uint8Array, secret: string): Promise<Uint8Array<ArrayBuffer>> {
  await ready();
  return new Uint8Array(seal(key, Buffer.from(secret, "utf8")));
}

/** The endpoint's signing secret in clear (for signing deliveries and for tests). */
export async function webhookSecret(sealed: Uint8Array, key: Uint8Array): Promise<string> {
  await ready();
  return Buffer.from(open(key, sealed)).toString("utf8");
}

const view = (row: { url: string; disabledAt: Date | null; createdAt: Date; updatedAt: Date }): EndpointView => ({ url: row.url, enabled: row.disabledAt === null, createdAt: row.createdAt, updatedAt: row.updatedAt });

export async function getWebhookEndpoint(prisma: PrismaClient, userId: number): Promise<EndpointView | null> {
  const row = await prisma.webhookEndpoint.findUnique({ where: { userId } });
  return row ? view(row) : null;
}

/**
 * Sets the URL (and switches the endpoint on). A new endpoint gets a secret, returned once;
 * changing the URL of an existing one keeps its secret (`secret` absent).
 */
export async function setWebhookEndpoint(
  prisma: PrismaClient,
  policy: EndpointPolicy,
  input: { userId: number; url: string },
): Promise<{ ok: true; endpoint: EndpointView; secret?: string } | { ok: false; reason: UrlRejection }> {
  const checked = await checkWebhookUrl(input.url, { allowPrivate: policy.allowPrivate }, policy.resolve);
  if (!checked.ok) return checked;
  const secret = newSecret();
  const secretEnc = await sealSecret(policy.encryptionKey, secret);
  return prisma.$transaction(async (tx) => {
    // The owner's row is the lock: of two first PUTs at once, the second waits and then finds
    // the first's endpoint (an update, secret kept) instead of failing on the unique user_id.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${input.userId} FOR UPDATE`;
    const before = await tx.webhookEndpoint.findUnique({ where: { userId: input.userId }, select: { url: true, disabledAt: true } });
    const row = before
      ? await tx.webhookEndpoint.update({ where: { userId: input.userId }, data: { url: checked.url, disabledAt: null } })
      : await tx.webhookEndpoint.create({ data: { userId: input.userId, url: checked.url, secretEnc } });
    await audit(tx, { actorUserId: input.userId, actorType: "CUSTOMER", action: "webhook_endpoint.set", targetType: "webhook_endpoint", targetId: row.id, details: { before: before?.url ?? null, after: checked.url } });
    return { ok: true, endpoint: view(row), ...(before ? {} : { secret }) } as const;
  });
}

/** A new signing secret for the endpoint, returned once; the old one stops signing at once. */
export async function rotateWebhookSecret(prisma: PrismaClient, policy: Pick<EndpointPolicy, "encryptionKey">, userId: number): Promise<{ ok: true; secret: string; endpoint: EndpointView } | { ok: false; reason: "not_found" }> {
  const secret = newSecret();
  const secretEnc = await sealSecret(policy.encryptionKey, secret);
  return prisma.$transaction(async (tx) => {
    const found = await tx.webhookEndpoint.findUnique({ where: { userId }, select: { id: true } });
    if (!found) return { ok: false, reason: "not_found" } as const;
    const row = await tx.webhookEndpoint.update({ where: { userId }, data: { secretEnc } });
    await audit(tx, { actorUserId: userId, actorType: "CUSTOMER", action: "webhook_endpoint.rotate", targetType: "webhook_endpoint", targetId: row.id });
    return { ok: true, secret, endpoint: view(row) } as const;
  });
}

/** Switches the endpoint off (no new deliveries); the row and its delivery log stay. */
export async function disableWebhookEndpoint(prisma: PrismaClient, userId: number): Promise<{ ok: boolean }> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.findUnique({ where: { userId }, select: { id: true, disabledAt: true } });
    if (!row || row.disabledAt) return { ok: false };
    await tx.webhookEndpoint.update({ where: { userId }, data: { disabledAt: new Date() } });
    await audit(tx, { actorUserId: userId, actorType: "CUSTOMER", action: "webhook_endpoint.disable", targetType: "webhook_endpoint", targetId: row.id });
    return { ok: true };
  });
}

export interface DeliveryLogItem {
  id: number;
  eventId: string;
  type: string;
  url: string;
  status: OutboundStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** The reseller's webhook deliveries, newest first (the delivery log). */
export async function listWebhookDeliveries(prisma: PrismaClient, userId: number, page: number, pageSize: number): Promise<{ total: number; items: DeliveryLogItem[] }> {
  const where = { endpoint: { userId } };
  const [total, rows] = await Promise.all([
    prisma.webhookDelivery.count({ where }),
    prisma.webhookDelivery.findMany({ where, orderBy: { id: "desc" }, skip: page * pageSize, take: pageSize, include: { event: { select: { id: true, type: true } } } }),
  ]);
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      eventId: `evt_${r.event.id}`,
      type: EVENT_WIRE_TYPES[r.event.type],
      url: r.url,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      nextAttemptAt: r.nextAttemptAt,
      deliveredAt: r.deliveredAt,
      createdAt: r.createdAt,
    })),
  };
}
