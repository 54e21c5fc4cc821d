import type { Db, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { effectiveStaff, grantFrom, type EffectiveStaff, GRANT_SELECT, isPermission, PERMISSIONS, staffCandidates, type Permission, type StaffRoster } from "./staff.js";

/**
 * The staff console's rules (who may make whom staff, with which role), one function per
 * action. Each takes the actor's permissions as the caller just resolved them from Postgres
 * (`UserDirectory.fresh`), locks what it changes, checks again inside the transaction and
 * writes an audit row with before and after. The rules:
 * - only a holder of staff.manage acts at all;
 * - an owner (OWNER_IDS) is never changed from the chat, and nobody changes themselves;
 * - nobody grants a permission they do not hold: a role may be given, created or edited only
 *   if all its permissions are the actor's own;
 * - nobody changes a member who holds a permission the actor does not (no demoting a stronger member).
 */

export interface ConsoleActor {
  userId: number;
  telegramId: number;
  role: "SELLER" | "OWNER";
  permissions: readonly Permission[];
}

export type ConsoleRefusal = "not-allowed" | "owner" | "self" | "exceeds" | "stronger" | "unknown-role" | "unknown-user" | "built-in" | "in-use" | "unchanged" | "bad-name" | "taken";
export type ConsoleResult<T> = ({ ok: true } & T) | { ok: false; reason: ConsoleRefusal };

export interface StaffEntry {
  userId: number | null;
  telegramId: number;
  name: string;
  username: string | null;
  role: string;
  source: "config" | "chat";
  permissions: Permission[];
  owner: boolean;
}

export interface RoleEntry {
  id: number;
  name: string;
  permissions: Permission[];
  builtIn: boolean;
  members: number;
}

const MANAGE: Permission = "staff.manage";
const ROLE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _-]{0,31}$/u;

/** Whether the actor holds every (still existing) permission of `wanted`. */
const holdsAll = (actor: readonly Permission[], wanted: readonly string[]) => wanted.filter(isPermission).every((p) => actor.includes(p));

/**
 * The actor's powers as Postgres has them inside this transaction, their user row locked (with
 * the target's, in id order, so two managers acting on each other cannot deadlock nor both win):
 * a manager removed a moment ago acts no more, whatever the tap's earlier check saw.
 */
async function actorNow(tx: Db, roster: StaffRoster, actor: ConsoleActor, targetUserId?: number): Promise<ConsoleActor | null> {
  const ids = targetUserId === undefined || targetUserId === actor.userId ? [actor.userId] : [actor.userId, targetUserId].sort((a, b) => a - b);
  await tx.$queryRaw`SELECT id FROM users WHERE id = ANY(${ids}::int[]) ORDER BY id FOR UPDATE`;
  const row = await tx.user.findUnique({ where: { id: actor.userId }, select: { telegramId: true, blocked: true, bannedAt: true, staffMembership: { select: GRANT_SELECT } } });
  if (!row || row.blocked || row.bannedAt) return null;
  const staff = effectiveStaff(roster.roleOf(Number(row.telegramId)), grantFrom(row.staffMembership));
  if (!staff.permissions.includes(MANAGE)) return null;
  return { ...actor, permissions: staff.permissions };
}

/** Everyone with staff powers: configured owners and sellers, and whoever the chat made staff. */
export async function listStaff(prisma: PrismaClient, roster: StaffRoster): Promise<StaffEntry[]> {
  const out: StaffEntry[] = [];
  for (const { telegramId, row, configRole, grant, staff } of await staffCandidates(prisma, roster)) {
    if (staff.role === "CUSTOMER") continue;
    out.push({
      userId: row?.id ?? null,
      telegramId,
      name: row?.firstName || String(telegramId),
      username: row?.username ?? null,
      role: staff.staffRole ?? "?",
      source: configRole !== "CUSTOMER" && (configRole === "OWNER" || !grant) ? "config" : "chat",
      permissions: staff.permissions,
      owner: staff.role === "OWNER",
    });
  }
  return out.sort((a, b) => Number(b.owner) - Number(a.owner) || a.name.localeCompare(b.name));
}

/** Every role, with how many members hold it. */
export async function listRoles(prisma: PrismaClient): Promise<RoleEntry[]> {
  const rows = await prisma.staffRole.findMany({ orderBy: [{ builtIn: "desc" }, { name: "asc" }], include: { _count: { select: { members: true } } } });
  return rows.map((r) => ({ id: r.id, name: r.name, permissions: r.permissions.filter(isPermission), builtIn: r.builtIn, members: r._count.members }));
}

export async function roleById(prisma: PrismaClient, id: number): Promise<RoleEntry | null> {
  return (await listRoles(prisma)).find((r) => r.id === id) ?? null;
}

/** One member as the console shows them (null if the user does not exist). */
export async function staffMember(prisma: PrismaClient, roster: StaffRoster, userId: number) {
  const row = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, telegramId: true, firstName: true, username: true, staffMembership: { select: GRANT_SELECT } } });
  if (!row) return null;
  const configRole = roster.roleOf(Number(row.telegramId));
  const staff = effectiveStaff(configRole, grantFrom(row.staffMembership));
  return { ...row, telegramId: Number(row.telegramId), configRole, staff };
}

export type TargetInput = { kind: "user"; telegramId: number; firstName: string; username?: string } | { kind: "username"; username: string } | { kind: "id"; telegramId: number };

/**
 * Finds (or, by Telegram id, creates) the user a staff change is about. A @username is only
 * known once that person has written to the bot; a forwarded message or an id always works.
 */
export async function resolveTarget(prisma: PrismaClient, input: TargetInput): Promise<{ id: number; telegramId: number; name: string } | null> {
  if (input.kind === "username") {
    const row = await prisma.user.findFirst({ where: { username: { equals: input.username.replace(/^@/, ""), mode: "insensitive" } }, orderBy: { updatedAt: "desc" } });
    return row ? { id: row.id, telegramId: Number(row.telegramId), name: row.firstName || row.username || String(row.telegramId) } : null;
  }
  const profile = input.kind === "user" ? { firstName: input.firstName.slice(0, 128), username: input.username ?? null } : {};
  const row = await prisma.user.upsert({
    where: { telegramId: BigInt(input.telegramId) },
    create: { telegramId: BigInt(input.telegramId), ...profile },
    update: profile,
  });
  return { id: row.id, telegramId: Number(row.telegramId), name: row.firstName || String(row.telegramId) };
}

/** Locks the target's user row and reads their powers now; the refusals every member change shares. */
async function lockTarget(tx: Db, roster: StaffRoster, tapped: ConsoleActor, userId: number): Promise<{ refusal: ConsoleRefusal } | { telegramId: number; before: EffectiveStaff; actor: ConsoleActor }> {
  const actor = await actorNow(tx, roster, tapped, userId);
  if (!actor) return { refusal: "not-allowed" };
  const locked = await tx.user.findUnique({ where: { id: userId }, select: { telegramId: true } });
  if (!locked) return { refusal: "unknown-user" };
  const telegramId = Number(locked.telegramId);
  const configRole = roster.roleOf(telegramId);
  if (configRole === "OWNER") return { refusal: "owner" };
  if (userId === actor.userId) return { refusal: "self" };
  const grant = grantFrom(await tx.staffMember.findUnique({ where: { userId }, select: GRANT_SELECT }));
  const before = effectiveStaff(configRole, grant);
  if (!holdsAll(actor.permissions, before.permissions)) return { refusal: "stronger" };
  return { telegramId, before, actor };
}

/** Makes a user staff with a role, or moves a member to another role. */
export async function assignRole(
  prisma: PrismaClient,
  roster: StaffRoster,
  actor: ConsoleActor,
  userId: number,
  roleId: number,
): Promise<ConsoleResult<{ telegramId: number; role: string; permissions: Permission[]; before: string | null }>> {
  if (!actor.permissions.includes(MANAGE)) return { ok: false, reason: "not-allowed" };
  return prisma.$transaction(async (tx) => {
    const target = await lockTarget(tx, roster, actor, userId);
    if ("refusal" in target) return { ok: false, reason: target.refusal } as const;
    // Shared lock: a permission toggled on this role meanwhile waits for this assignment (and the reverse).
    await tx.$queryRaw`SELECT id FROM staff_roles WHERE id = ${roleId} FOR SHARE`;
    const role = await tx.staffRole.findUnique({ where: { id: roleId } });
    if (!role) return { ok: false, reason: "unknown-role" } as const;
    if (!holdsAll(target.actor.permissions, role.permissions)) return { ok: false, reason: "exceeds" } as const;
    if (target.before.staffRole === role.name && target.before.role !== "CUSTOMER") return { ok: false, reason: "unchanged" } as const;
    await tx.staffMember.upsert({ where: { userId }, create: { userId, roleId, addedByUserId: actor.userId }, update: { roleId, addedByUserId: actor.userId } });
    await tx.user.update({ where: { id: userId }, data: { role: "SELLER" } });
    await audit(tx, {
      actorType: actor.role,
      actorUserId: actor.userId,
      action: target.before.role === "CUSTOMER" ? "staff.add" : "staff.role.change",
      targetType: "user",
      targetId: userId,
      details: { telegramId: target.telegramId, before: { role: target.before.staffRole, permissions: target.before.permissions }, after: { role: role.name, permissions: role.permissions } },
    });
    return { ok: true, telegramId: target.telegramId, role: role.name, permissions: role.permissions.filter(isPermission), before: target.before.staffRole } as const;
  });
}

/** Takes every staff power from a member (also one listed in SELLER_IDS), at their next tap. */
export async function removeStaff(prisma: PrismaClient, roster: StaffRoster, actor: ConsoleActor, userId: number): Promise<ConsoleResult<{ telegramId: number; before: string | null }>> {
  if (!actor.permissions.includes(MANAGE)) return { ok: false, reason: "not-allowed" };
  return prisma.$transaction(async (tx) => {
    const target = await lockTarget(tx, roster, actor, userId);
    if ("refusal" in target) return { ok: false, reason: target.refusal } as const;
    if (target.before.role === "CUSTOMER") return { ok: false, reason: "unchanged" } as const;
    await tx.staffMember.upsert({ where: { userId }, create: { userId, roleId: null, addedByUserId: actor.userId }, update: { roleId: null, addedByUserId: actor.userId } });
    await tx.user.update({ where: { id: userId }, data: { role: "CUSTOMER" } });
    await audit(tx, {
      actorType: actor.role,
      actorUserId: actor.userId,
      action: "staff.remove",
      targetType: "user",
      targetId: userId,
      details: { telegramId: target.telegramId, before: { role: target.before.staffRole, permissions: target.before.permissions }, after: { role: null, permissions: [] } },
    });
    return { ok: true, telegramId: target.telegramId, before: target.before.staffRole } as const;
  });
}

/** A new, empty role (permissions are added one by one, each one the actor's own). */
export async function createRole(prisma: PrismaClient, roster: StaffRoster, actor: ConsoleActor, name: string): Promise<ConsoleResult<{ role: RoleEntry }>> {
  if (!actor.permissions.includes(MANAGE)) return { ok: false, reason: "not-allowed" };
  const clean = name.trim().toLowerCase();
  if (!ROLE_NAME.test(clean) || clean === "owner") return { ok: false, reason: "bad-name" };
  return prisma.$transaction(async (tx) => {
    if (!(await actorNow(tx, roster, actor))) return { ok: false, reason: "not-allowed" } as const;
    if (await tx.staffRole.findUnique({ where: { name: clean } })) return { ok: false, reason: "taken" } as const;
    const role = await tx.staffRole.create({ data: { name: clean, createdByUserId: actor.userId } });
    await audit(tx, { actorType: actor.role, actorUserId: actor.userId, action: "staff.role.create", targetType: "staff_role", targetId: role.id, details: { before: null, after: { name: clean, permissions: [] } } });
    return { ok: true, role: { id: role.id, name: role.name, permissions: [], builtIn: false, members: 0 } } as const;
  });
}

/**
 * Adds or removes one permission of a role. Only permissions the actor holds, only on a role
 * whose every permission the actor holds, never a built-in role. Members holding the role
 * gain or lose it at their next tap; returns their Telegram ids so their menus can follow.
 */
export async function toggleRolePermission(
  prisma: PrismaClient,
  roster: StaffRoster,
  tapped: ConsoleActor,
  roleId: number,
  permission: Permission,
): Promise<ConsoleResult<{ role: RoleEntry; memberTelegramIds: number[] }>> {
  if (!tapped.permissions.includes(MANAGE)) return { ok: false, reason: "not-allowed" };
  return prisma.$transaction(async (tx) => {
    const actor = await actorNow(tx, roster, tapped);
    if (!actor) return { ok: false, reason: "not-allowed" } as const;
    if (!actor.permissions.includes(permission)) return { ok: false, reason: "exceeds" } as const;
    const locked = await tx.$queryRaw<Array<{ id: number }>>`SELECT id FROM staff_roles WHERE id = ${roleId} FOR UPDATE`;
    if (locked.length === 0) return { ok: false, reason: "unknown-role" } as const;
    const role = await tx.staffRole.findUniqueOrThrow({ where: { id: roleId }, include: { members: { select: { user: { select: { telegramId: true } } } } } });
    if (role.builtIn) return { ok: false, reason: "built-in" } as const;
    if (!holdsAll(actor.permissions, role.permissions)) return { ok: false, reason: "exceeds" } as const;
    const has = role.permissions.includes(permission);
    const after = has ? role.permissions.filter((p) => p !== permission) : PERMISSIONS.filter((p) => p === permission || role.permissions.includes(p));
    await tx.staffRole.update({ where: { id: roleId }, data: { permissions: after } });
    await audit(tx, {
      actorType: actor.role,
      actorUserId: actor.userId,
      action: has ? "staff.role.permission.remove" : "staff.role.permission.add",
      targetType: "staff_role",
      targetId: roleId,
      // Every holder gains or loses it: who they are is part of what happened.
      details: { permission, before: role.permissions, after, members: role.members.map((m) => Number(m.user.telegramId)) },
    });
    return {
      ok: true,
      role: { id: role.id, name: role.name, permissions: after.filter(isPermission), builtIn: false, members: role.members.length },
      memberTelegramIds: role.members.map((m) => Number(m.user.telegramId)),
    } as const;
  });
}

/** Deletes a role nobody holds (a removed member's row does not count: it holds no role). */
export async function deleteRole(prisma: PrismaClient, roster: StaffRoster, tapped: ConsoleActor, roleId: number): Promise<ConsoleResult<{ name: string }>> {
  if (!tapped.permissions.includes(MANAGE)) return { ok: false, reason: "not-allowed" };
  return prisma.$transaction(async (tx) => {
    const actor = await actorNow(tx, roster, tapped);
    if (!actor) return { ok: false, reason: "not-allowed" } as const;
    const locked = await tx.$queryRaw<Array<{ id: number }>>`SELECT id FROM staff_roles WHERE id = ${roleId} FOR UPDATE`;
    if (locked.length === 0) return { ok: false, reason: "unknown-role" } as const;
    const role = await tx.staffRole.findUniqueOrThrow({ where: { id: roleId }, include: { _count: { select: { members: true } } } });
    if (role.builtIn) return { ok: false, reason: "built-in" } as const;
    if (!holdsAll(actor.permissions, role.permissions)) return { ok: false, reason: "exceeds" } as const;
    if (role._count.members > 0) return { ok: false, reason: "in-use" } as const;
    await tx.staffRole.delete({ where: { id: roleId } });
    await audit(tx, { actorType: actor.role, actorUserId: actor.userId, action: "staff.role.delete", targetType: "staff_role", targetId: roleId, details: { before: { name: role.name, permissions: role.permissions }, after: null } });
    return { ok: true, name: role.name } as const;
  });
}
