import { createHash, randomBytes } from "node:crypto";
import { isUniqueViolation, type PrismaClient } from "../../db/client.js";

/**
 * Mini App sessions. A verified launch (`initData`) opens exactly one session: the SHA-256 of its
 * signature is unique in app_sessions, so a captured initData replayed later opens nothing.
 * The session token is 32 random bytes handed to the app once; only its SHA-256 is stored, so a
 * database copy holds no usable token. Sessions are short: the app asks Telegram for a new launch.
 */

/** How long a session lasts. An hour covers a sitting; the roles behind it are re-read on every request anyway. */
export const SESSION_TTL_MS = 60 * 60_000;

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export type OpenedSession = { ok: true; token: string; sessionId: number; expiresAt: Date } | { ok: false; reason: "replayed" };

/**
 * Sessions that ended (expired or revoked) and were opened long enough ago that their launch could
 * no longer be presented: `replayWindowMs`, the initData freshness window, and never less than a
 * day. Their init_hash no longer guards against a replay, so the row may go.
 */
function endedLongAgo(now: Date, replayWindowMs: number) {
  const keepSince = new Date(now.getTime() - Math.max(replayWindowMs, 24 * 60 * 60_000));
  return { createdAt: { lt: keepSince }, OR: [{ expiresAt: { lt: keepSince } }, { revokedAt: { lt: keepSince } }] };
}

/** Deletes every user's sessions that ended long ago (the daily retention run; openSession prunes only its user's). */
export async function purgeEndedSessions(prisma: PrismaClient, input: { replayWindowMs: number; now?: Date }): Promise<number> {
  const { count } = await prisma.appSession.deleteMany({ where: endedLongAgo(input.now ?? new Date(), input.replayWindowMs) });
  return count;
}

/**
 * Opens the session of one verified launch; the same launch a second time is `replayed`. The
 * user's sessions that ended long ago are dropped on the way: a row is only needed while its
 * launch could still be presented (`replayWindowMs`, the initData freshness window), and never less than a day.
 */
export async function openSession(
  prisma: PrismaClient,
  input: { userId: number; initHash: string; replayWindowMs: number; now?: Date; ttlMs?: number },
): Promise<OpenedSession> {
  const now = input.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + (input.ttlMs ?? SESSION_TTL_MS));
  await prisma.appSession.deleteMany({ where: { userId: input.userId, ...endedLongAgo(now, input.replayWindowMs) } });
  try {
    const row = await prisma.appSession.create({
      data: { tokenHash: sha256(token), userId: input.userId, initHash: sha256(input.initHash), createdAt: now, expiresAt },
    });
    return { ok: true, token, sessionId: row.id, expiresAt };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "replayed" };
    throw err;
  }
}

/** The session a bearer token belongs to, while it is open (not expired, not revoked); else null. */
export async function sessionOf(prisma: PrismaClient, token: string, now = new Date()) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return prisma.appSession.findFirst({
    where: { tokenHash: sha256(token), revokedAt: null, expiresAt: { gt: now } },
    select: { id: true, expiresAt: true, user: { select: { id: true, telegramId: true, firstName: true, username: true } } },
  });
}

/** Ends a session (the app's "log out", or a banned user's session). */
export async function revokeSession(prisma: PrismaClient, sessionId: number, now = new Date()): Promise<void> {
  await prisma.appSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: now } });
}

