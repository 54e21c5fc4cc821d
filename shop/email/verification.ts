/**
 * A customer's email address, confirmed with a code: the address is theirs (and email copies
 * go to it) only after they typed back the 6-digit code we mailed to it. The code itself is
 * never stored: only an HMAC of it bound to the user and the address, so a database copy does
 * not reveal it and a code cannot confirm another address.
 */
import { createHmac, hkdfSync, randomInt, timingSafeEqual } from "node:crypto";
import type { Db, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import type { Locale } from "../messages/locale.js";
import { emailBody } from "./render.js";
import { smtpErrorText, type Mailer } from "./transport.js";

/** How long a code is valid, how many wrong tries it takes, how often a new one may be asked for. */
export const CODE_TTL_MS = 15 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;
export const RESEND_COOLDOWN_MS = 60_000;
export const MAX_CODES_PER_HOUR = 5;
export const MAX_EMAIL_LENGTH = 254;

export type Translate = (locale: Locale, key: string, params?: Record<string, string | number>) => string;

export interface VerificationDeps {
  prisma: PrismaClient;
  /** Undefined when SMTP_URL is not set: nothing can be confirmed. */
  mailer: Mailer | undefined;
  t: Translate;
  /** DATA_ENCRYPTION_KEY: the code's HMAC key is derived from it. */
  secret: Uint8Array;
  shopName: string;
  now?: () => Date;
}

export type ParsedEmail = { ok: true; email: string } | { ok: false; reason: "invalid" | "too_long" };

/**
 * An address as typed: trimmed and lower-cased (mail providers ignore case, and one spelling
 * per address keeps "already confirmed" honest). A plain local@domain.tld, nothing fancier.
 */
export function parseEmailAddress(raw: string): ParsedEmail {
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, reason: "too_long" };
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at < 1 || local.length > 64 || !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    return { ok: false, reason: "invalid" };
  }
  if (!/^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) return { ok: false, reason: "invalid" };
  return { ok: true, email };
}

/** The code's HMAC: bound to the user and the address it was sent to. */
function codeHash(secret: Uint8Array, userId: number, email: string, code: string): string {
  const key = Buffer.from(hkdfSync("sha256", secret, "email-verification", "code-hmac", 32));
  return createHmac("sha256", key).update(`${userId}\n${email}\n${code}`).digest("hex");
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));

export type CodeRequest =
  | { status: "sent"; email: string; expiresAt: Date }
  | { status: "disabled" }
  | { status: "same_address" }
  | { status: "no_pending" }
  | { status: "wait"; retryAfterS: number }
  | { status: "too_many" }
  | { status: "send_failed"; error: string };

/**
 * Mails a new code to `email` (or, with `email` undefined, to the address of the newest code
 * not used or withdrawn: "resend"). Any earlier code stops working. At most one code a minute and
 * MAX_CODES_PER_HOUR an hour per customer, counted in Postgres under a lock on their row, so
 * two taps at once send one code. A failed send is said plainly and its code never works.
 */
export async function requestCode(deps: VerificationDeps, input: { userId: number; email?: string; locale: Locale }): Promise<CodeRequest> {
  const { mailer } = deps;
  if (!mailer) return { status: "disabled" };
  const now = deps.now?.() ?? new Date();
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const decided = await deps.prisma.$transaction(async (tx): Promise<CodeRequest | { status: "go"; id: number; email: string; expiresAt: Date }> => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${input.userId} FOR UPDATE`;
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { email: true, emailVerifiedAt: true } });
    const recent = await tx.emailVerification.findMany({ where: { userId: input.userId, createdAt: { gt: new Date(now.getTime() - 3600_000) } }, orderBy: { createdAt: "desc" } });
    let email = input.email;
    if (email === undefined) {
      // "Send a new code" also after the last one expired or was locked by wrong tries; not after it was used or withdrawn.
      const last = await tx.emailVerification.findFirst({ where: { userId: input.userId, consumedAt: null, createdAt: { gt: new Date(now.getTime() - 24 * 3600_000) } }, orderBy: { createdAt: "desc" } });
      if (!last) return { status: "no_pending" };
      email = last.email;
    }
    if (user.emailVerifiedAt && user.email === email) return { status: "same_address" };
    const last = recent[0];
    if (last && now.getTime() - last.createdAt.getTime() < RESEND_COOLDOWN_MS) return { status: "wait", retryAfterS: Math.ceil((RESEND_COOLDOWN_MS - (now.getTime() - last.createdAt.getTime())) / 1000) };
    if (recent.length >= MAX_CODES_PER_HOUR) return { status: "too_many" };
    // One live code at a time: the newest.
    await tx.emailVerification.updateMany({ where: { userId: input.userId, consumedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
    const row = await tx.emailVerification.create({ data: { userId: input.userId, email, codeHash: codeHash(deps.secret, input.userId, email, code), expiresAt, createdAt: now } });
    await audit(tx, { actorUserId: input.userId, actorType: "CUSTOMER", action: "email.code_sent", targetType: "user", targetId: input.userId, details: { email, verificationId: row.id } });
    return { status: "go", id: row.id, email, expiresAt };
  });
  if (decided.status !== "go") return decided;
  const minutes = Math.round(CODE_TTL_MS / 60_000);
  const chat = deps.t(input.locale, "email-code-body", { code, minutes, shop: deps.shopName });
  const subject = deps.t(input.locale, "email-code-subject", { code, shop: deps.shopName });
  try {
    await mailer.send({ to: decided.email, subject, ...emailBody(chat, false, deps.t(input.locale, "email-code-footer", { shop: deps.shopName }), subject) });
  } catch (err) {
    // Never delivered: this code must not count as one the customer could have read.
    await deps.prisma.emailVerification.update({ where: { id: decided.id }, data: { expiresAt: now, consumedAt: now } });
    return { status: "send_failed", error: smtpErrorText(err) };
  }
  return { status: "sent", email: decided.email, expiresAt: decided.expiresAt };
}

export type CodeCheck =
  | { status: "confirmed"; email: string; previous: string | null }
  | { status: "wrong"; attemptsLeft: number }
  | { status: "locked" }
  | { status: "expired" };

/**
 * Checks a typed code against the newest live code. Right: the address becomes the
 * customer's confirmed address (audited). Wrong: one of MAX_CODE_ATTEMPTS tries used; after
 * the last one the code is dead and a new one must be asked for.
 */
export async function confirmCode(deps: Pick<VerificationDeps, "prisma" | "secret" | "now">, input: { userId: number; code: string }): Promise<CodeCheck> {
  const now = deps.now?.() ?? new Date();
  return deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${input.userId} FOR UPDATE`;
    const pending = await tx.emailVerification.findFirst({ where: { userId: input.userId, consumedAt: null }, orderBy: { createdAt: "desc" } });
    if (!pending || pending.expiresAt <= now) return { status: "expired" } as const;
    if (pending.attempts >= MAX_CODE_ATTEMPTS) return { status: "locked" } as const;
    if (!sameHash(codeHash(deps.secret, input.userId, pending.email, input.code), pending.codeHash)) {
      const attempts = pending.attempts + 1;
      await tx.emailVerification.update({ where: { id: pending.id }, data: { attempts } });
      return attempts >= MAX_CODE_ATTEMPTS ? ({ status: "locked" } as const) : ({ status: "wrong", attemptsLeft: MAX_CODE_ATTEMPTS - attempts } as const);
    }
    const before = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { email: true, emailVerifiedAt: true } });
    await tx.emailVerification.update({ where: { id: pending.id }, data: { consumedAt: now } });
    await tx.user.update({ where: { id: input.userId }, data: { email: pending.email, emailVerifiedAt: now } });
    const previous = before.emailVerifiedAt ? before.email : null;
    await audit(tx, { actorUserId: input.userId, actorType: "CUSTOMER", action: "email.confirmed", targetType: "user", targetId: input.userId, details: { before: previous, after: pending.email } });
    return { status: "confirmed", email: pending.email, previous };
  });
}

/** Removes the confirmed address (and any code in progress): no more email copies. Audited. */
export async function removeEmail(deps: Pick<VerificationDeps, "prisma" | "now">, userId: number): Promise<{ status: "removed"; email: string } | { status: "none" }> {
  const now = deps.now?.() ?? new Date();
  return deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
    await tx.emailVerification.updateMany({ where: { userId, consumedAt: null }, data: { expiresAt: now, consumedAt: now } });
    if (!user.email) return { status: "none" } as const;
    await tx.user.update({ where: { id: userId }, data: { email: null, emailVerifiedAt: null } });
    await audit(tx, { actorUserId: userId, actorType: "CUSTOMER", action: "email.removed", targetType: "user", targetId: userId, details: { before: user.email } });
    return { status: "removed", email: user.email } as const;
  });
}

/** The code in progress, if any: live, not used up. */
async function pendingVerification(db: Db, userId: number, now: Date) {
  const row = await db.emailVerification.findFirst({ where: { userId, consumedAt: null }, orderBy: { createdAt: "desc" } });
  return row && row.expiresAt > now && row.attempts < MAX_CODE_ATTEMPTS ? row : null;
}

/** What the email screen shows: the confirmed address, and a code in progress. */
export async function emailState(prisma: PrismaClient, userId: number, now = new Date()) {
  const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, emailVerifiedAt: true } });
  const pending = await pendingVerification(prisma, userId, now);
  return {
    confirmed: user.email && user.emailVerifiedAt ? { email: user.email, since: user.emailVerifiedAt } : null,
    pending: pending ? { email: pending.email, expiresAt: pending.expiresAt, attemptsLeft: MAX_CODE_ATTEMPTS - pending.attempts } : null,
  };
}

/** How long a code's row is kept (the audit log keeps who confirmed what): a month, then the daily retention run deletes it. */
export const VERIFICATION_RETENTION_MS = 30 * 86_400_000;

/** Deletes code rows older than the retention (used, expired or withdrawn long ago). */
export async function purgeEmailVerifications(prisma: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await prisma.emailVerification.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - VERIFICATION_RETENTION_MS) } } });
  return count;
}
