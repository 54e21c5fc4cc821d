/**
 * Reseller API keys. A key reads `vsk_<prefix>_<secret>`: the prefix (10 hex digits, unique,
 * shown in lists) finds the row, the secret is kept only as its SHA-256 and compared in constant
 * time, so a database copy holds nothing that can call the API. The whole key is shown once, at
 * creation. Only customers with a reseller tier hold keys, and every request re-reads the owner
 * (tier, ban) so a tier taken away or a ban takes effect on the next call.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { audit } from "../audit.js";

export const API_SCOPES = ["read", "order", "vps"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Keys one reseller may hold at once (revoked ones do not count). */
export const MAX_ACTIVE_KEYS = 10;
export const MAX_KEY_NAME_CHARS = 40;

const KEY_PATTERN = /^vsk_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

export const isApiScope = (s: string): s is ApiScope => (API_SCOPES as readonly string[]).includes(s);

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  ratePerMinute: number;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const VIEW = { id: true, name: true, prefix: true, scopes: true, ratePerMinute: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

export type CreateKeyResult =
  | { ok: true; key: ApiKeyView; token: string }
  | { ok: false; reason: "not_reseller" | "banned" | "too_many" | "bad_scopes" | "bad_name" };

/**
 * Creates a key for `userId` with `scopes`; the returned `token` is the only time the secret
 * exists outside the caller's hands. Audited (never with the secret).
 */
export async function createApiKey(prisma: PrismaClient, input: { userId: number; name: string; scopes: string[]; actorUserId?: number }): Promise<CreateKeyResult> {
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0 || !scopes.every(isApiScope)) return { ok: false, reason: "bad_scopes" };
  const name = input.name.replace(/\s+/gu, " ").trim();
  if (name === "" || [...name].length > MAX_KEY_NAME_CHARS) return { ok: false, reason: "bad_name" };
  const owner = await prisma.user.findUnique({ where: { id: input.userId }, select: { resellerTierId: true, bannedAt: true, blocked: true } });
  if (!owner || owner.resellerTierId === null) return { ok: false, reason: "not_reseller" };
  if (owner.bannedAt || owner.blocked) return { ok: false, reason: "banned" };
  for (let attempt = 0; ; attempt++) {
    const prefix = randomBytes(5).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    try {
      return await prisma.$transaction(async (tx) => {
        // The owner's row is the lock: two creates at once cannot both pass the count.
        await tx.$queryRaw`SELECT id FROM users WHERE id = ${input.userId} FOR UPDATE`;
        const active = await tx.apiKey.count({ where: { userId: input.userId, revokedAt: null } });
        if (active >= MAX_ACTIVE_KEYS) return { ok: false, reason: "too_many" } as const;
        const key = await tx.apiKey.create({
          data: { userId: input.userId, name, prefix, secretHash: sha256(secret), scopes, createdByUserId: input.actorUserId ?? input.userId },
          select: VIEW,
        });
        await audit(tx, { actorUserId: input.actorUserId ?? input.userId, actorType: "CUSTOMER", action: "api_key.create", targetType: "api_key", targetId: key.id, details: { prefix, name, scopes } });
        return { ok: true, key: key as ApiKeyView, token: `vsk_${prefix}_${secret}` } as const;
      });
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err, ["prefix"])) continue;
      throw err;
    }
  }
}

/** The reseller's keys, newest first, revoked ones included (with when). */
export async function listApiKeys(prisma: PrismaClient, userId: number): Promise<ApiKeyView[]> {
  return (await prisma.apiKey.findMany({ where: { userId }, orderBy: { id: "desc" }, select: VIEW })) as ApiKeyView[];
}

/** Revokes one of the reseller's own keys; a second revoke (or someone else's key) changes nothing. Audited. */
export async function revokeApiKey(prisma: PrismaClient, input: { userId: number; keyId: number; actorUserId?: number }): Promise<{ ok: true; prefix: string } | { ok: false; reason: "not_found" | "already_revoked" }> {
  return prisma.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: input.keyId, userId: input.userId }, select: { id: true, prefix: true, revokedAt: true } });
    if (!key) return { ok: false, reason: "not_found" } as const;
    const moved = await tx.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date(), revokedByUserId: input.actorUserId ?? input.userId } });
    if (moved.count === 0) return { ok: false, reason: "already_revoked" } as const;
    await audit(tx, { actorUserId: input.actorUserId ?? input.userId, actorType: "CUSTOMER", action: "api_key.revoke", targetType: "api_key", targetId: key.id, details: { prefix: key.prefix } });
    return { ok: true, prefix: key.prefix } as const;
  });
}

/**
 * Why a request's key was not accepted (the 401's reason). An unknown prefix and a wrong secret
 * are one reason, "invalid": telling them apart would let anyone find which prefixes exist.
 */
export type KeyRefusal = "missing" | "malformed" | "invalid" | "revoked";

export interface AuthenticatedKey {
  id: number;
  prefix: string;
  scopes: ApiScope[];
  ratePerMinute: number;
  user: { id: number; resellerTierId: number | null; bannedAt: Date | null; blocked: boolean; language: string };
}

/** Checks a presented key: format, prefix, secret (constant time), not revoked. Reads the owner fresh. */
export async function authenticateApiKey(prisma: PrismaClient, presented: string | undefined): Promise<{ ok: true; key: AuthenticatedKey } | { ok: false; reason: KeyRefusal }> {
  if (!presented) return { ok: false, reason: "missing" };
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { ok: false, reason: "malformed" };
  const row = await prisma.apiKey.findUnique({
    where: { prefix: match[1]! },
    select: { id: true, prefix: true, secretHash: true, scopes: true, ratePerMinute: true, revokedAt: true, user: { select: { id: true, resellerTierId: true, bannedAt: true, blocked: true, language: true } } },
  });
  if (!row) return { ok: false, reason: "invalid" };
  const given = Buffer.from(sha256(match[2]!), "hex");
  const stored = Buffer.from(row.secretHash, "hex");
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return { ok: false, reason: "invalid" };
  if (row.revokedAt) return { ok: false, reason: "revoked" };
  return { ok: true, key: { id: row.id, prefix: row.prefix, scopes: row.scopes.filter(isApiScope), ratePerMinute: row.ratePerMinute, user: row.user } };
}

/** Stamps last use at most once a minute per key (one write per request would be most of a read's cost). */
export async function touchApiKey(prisma: PrismaClient, keyId: number, now = new Date()): Promise<void> {
  await prisma.apiKey.updateMany({ where: { id: keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - 60_000) } }] }, data: { lastUsedAt: now } });
}
