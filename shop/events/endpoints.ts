/**
 * A reseller's webhook endpoint: one URL per user and its signing secret. The secret is shown
 * once (when the endpoint is made or the secret rotated) and kept sealed with DATA_ENCRYPTION_KEY;
 * the delivery decrypts it to sign each request.
 */
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../db/client.js";
import { open, ready, seal } from "../crypto/secretbox.js";
import { checkWebhookUrl, type Resolve, type WebhookUrlCheck, type WebhookUrlPolicy } from "./webhook-url.js";

export interface WebhookEndpointView {
  url: string;
  createdAt: Date;
  updatedAt: Date;
  enabled: boolean;
}

export interface EndpointDeps {
  prisma: PrismaClient;
  encryptionKey: Uint8Array;
  policy: WebhookUrlPolicy;
  resolve?: Resolve;
}

export type SetEndpointResult =
  | { ok: true; endpoint: WebhookEndpointView; /** Only when the endpoint was created (or `rotate`): shown once, never again. */ secret?: string }
  | Extract<WebhookUrlCheck, { ok: false }>;

/** `whsec_` + 32 random bytes: the prefix tells a leaked string's kind at a glance. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

async function sealSecret(key: Uint8Array, secret: string): Promise<Uint8Array<ArrayBuffer>> {
  await ready();
  return new Uint8Array(seal(key, new TextEncoder().encode(secret)));
}

/** The signing secret of a stored endpoint. */
export async function openEndpointSecret(key: Uint8Array, secretEnc: Uint8Array): Promise<string> {
  await ready();
  return new TextDecoder().decode(open(key, secretEnc));
}

function view(e: { url: string; createdAt: Date; updatedAt: Date; disabledAt: Date | null }): WebhookEndpointView {
  return { url: e.url, createdAt: e.createdAt, updatedAt: e.updatedAt, enabled: e.disabledAt === null };
}

/**
 * Sets the user's webhook URL (enabling the endpoint). A new endpoint gets a secret, returned
 * once; changing the URL keeps the secret unless `rotate`. A refused URL changes nothing.
 */
export async function setWebhookEndpoint(deps: EndpointDeps, input: { userId: number; url: string; rotate?: boolean }): Promise<SetEndpointResult> {
  const checked = await checkWebhookUrl(input.url, deps.policy, deps.resolve);
  if (!checked.ok) return checked;
  const secret = newSecret();
  const secretEnc = await sealSecret(deps.encryptionKey, secret);
  const existing = await deps.prisma.webhookEndpoint.findUnique({ where: { userId: input.userId }, select: { id: true } });
  const row = await deps.prisma.webhookEndpoint.upsert({
    where: { userId: input.userId },
    create: { userId: input.userId, url: checked.url, secretEnc },
    update: { url: checked.url, disabledAt: null, ...(input.rotate ? { secretEnc } : {}) },
  });
  const fresh = !existing || input.rotate === true;
  return { ok: true, endpoint: view(row), ...(fresh ? { secret } : {}) };
}

/** A new signing secret for the user's endpoint (the old one stops working at once); null without an endpoint. */
export async function rotateWebhookSecret(deps: Pick<EndpointDeps, "prisma" | "encryptionKey">, userId: number): Promise<string | null> {
  const secret = newSecret();
  const secretEnc = await sealSecret(deps.encryptionKey, secret);
  const { count } = await deps.prisma.webhookEndpoint.updateMany({ where: { userId }, data: { secretEnc } });
  return count === 1 ? secret : null;
}

export async function getWebhookEndpoint(prisma: PrismaClient, userId: number): Promise<WebhookEndpointView | null> {
  const row = await prisma.webhookEndpoint.findUnique({ where: { userId } });
  return row ? view(row) : null;
}

/** Removes the endpoint; its deliveries (the log and any still pending) go with it. False when there was none. */
export async function removeWebhookEndpoint(prisma: PrismaClient, userId: number): Promise<boolean> {
  const { count } = await prisma.webhookEndpoint.deleteMany({ where: { userId } });
  return count === 1;
}
