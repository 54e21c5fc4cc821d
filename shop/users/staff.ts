import type { PrismaClient } from "../../db/client.js";
import type { Role, ShopUser } from "./directory.js";

/**
 * What a staff member may do. A role is a set of these (staff_roles); OWNER holds them
 * all, SELLER_IDS hold the built-in seller set unless the chat gave them another role.
 * Every check is `can()` on the user as effectiveStaff() resolved them.
 */
export const PERMISSIONS = [
  /** See transfer screenshots, approve or reject payments; receive the review pushes. */
  "payments.review",
  /** Start provisioning again after a failure; receive the failure pushes. */
  "provisioning.retry",
  /** Refund a failed order to the customer's wallet (moves money). */
  "orders.refund",
  "stats.view",
  "service.health",
  /** Receive the owner's private alerts; mute an alert. */
  "alerts.receive",
  /** Release or keep a hold placed after a gateway refund or chargeback (frees a wallet, un-suspends a VPS: moves money); receive those pushes. */
  "payments.holds",
  /** Take a backup now, see backup status. */
  "backups.run",
  /** Restore the shop from a backup (replaces the database). */
  "backups.restore",
  /** Switch maintenance mode on or off. */
  "maintenance.manage",
  /** Run the prelaunch doctor. */
  "service.doctor",
  /** Look up orders (/order, search, the order card and its drill-ins, CSV export). */
  "orders.view",
  /** Act on an order: mark a stuck gateway payment paid, cancel/reject it, resend invoice or credentials, add a note. */
  "orders.manage",
  /** Providers, plans, prices, stock, promos, OS images and bank accounts. */
  "catalog.manage",
  /** Create, list and disable coupons; see redemptions. */
  "coupons.manage",
  /** Look up a customer: orders, VPS, wallet and ledger. */
  "customers.view",
  /** Block or unblock a customer, set their reseller tier, message them. */
  "customers.manage",
  /** Adjust a customer's wallet balance (a ledger ADJUSTMENT; moves money). */
  "wallet.adjust",
  /** Send a broadcast to customers. */
  "broadcast.send",
  /** Add and remove staff, give them roles, define roles. */
  "staff.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What SELLER_IDS members hold unless the chat gave them another role (the built-in "seller" role). */
export const SELLER_DEFAULT_PERMISSIONS: readonly Permission[] = [
  "payments.review",
  "provisioning.retry",
  "orders.refund",
  "stats.view",
  "orders.view",
  "customers.view",
];

export function isPermission(name: string): name is Permission {
  return (PERMISSIONS as readonly string[]).includes(name);
}

/** A staff_members row as the resolver needs it: the role it gives (null: removed from the chat). */
export interface StaffGrant {
  roleId: number | null;
  roleName: string | null;
  permissions: readonly string[];
}

export interface EffectiveStaff {
  role: Role;
  permissions: Permission[];
  /** The role's name as staff see it ("owner", "seller", "reviewer", …); null for a customer. */
  staffRole: string | null;
}

/**
 * The one place a person's powers are decided. OWNER_IDS: every permission, whatever the chat
 * did (an owner cannot be demoted from the chat). Otherwise the chat's grant, if there is one
 * (a role, or removed), then SELLER_IDS (the built-in seller set), else a customer.
 */
export function effectiveStaff(configRole: Role, grant: StaffGrant | null): EffectiveStaff {
  if (configRole === "OWNER") return { role: "OWNER", permissions: [...PERMISSIONS], staffRole: "owner" };
  if (grant) {
    if (grant.roleId === null) return { role: "CUSTOMER", permissions: [], staffRole: null };
    return { role: "SELLER", permissions: grant.permissions.filter(isPermission), staffRole: grant.roleName };
  }
  if (configRole === "SELLER") return { role: "SELLER", permissions: [...SELLER_DEFAULT_PERMISSIONS], staffRole: "seller" };
  return { role: "CUSTOMER", permissions: [], staffRole: null };
}

/** What to select of a user's staff_members row (`staffMembership: { select: GRANT_SELECT }`). */
export const GRANT_SELECT = { roleId: true, role: { select: { name: true, permissions: true } } } as const;

/** A selected staff_members row as a grant (null when the chat never made them staff). */
export function grantFrom(member: { roleId: number | null; role: { name: string; permissions: string[] } | null } | null | undefined): StaffGrant | null {
  return member ? { roleId: member.roleId, roleName: member.role?.name ?? null, permissions: member.role?.permissions ?? [] } : null;
}

/** Reads the chat's grant for one user (null when the chat never made them staff). */
export async function staffGrantOf(prisma: PrismaClient, userId: number): Promise<StaffGrant | null> {
  return grantFrom(await prisma.staffMember.findUnique({ where: { userId }, select: GRANT_SELECT }));
}

/** The one permission check: a blocked user has no staff power, whatever their role. */
export function can(user: Pick<ShopUser, "permissions" | "blocked">, permission: Permission): boolean {
  return !user.blocked && Array.isArray(user.permissions) && user.permissions.includes(permission);
}

/** Who did a staff action, as the domain records it (status history, audit), or null if not allowed. */
export function staffActor(user: ShopUser, permission: Permission): { userId: number; role: "SELLER" | "OWNER" } | null {
  if (!can(user, permission) || user.role === "CUSTOMER") return null;
  return { userId: user.id, role: user.role };
}

/**
 * Who is staff, and as what. The configuration is authoritative: anyone it does
 * not list is a customer, whatever the database row says. The staff console will
 * add a second source (grants made by an owner from the chat) behind this shape.
 */
export interface StaffRoster {
  roleOf(telegramId: number): Role;
  members(): Array<{ telegramId: number; role: Role }>;
}

/** The roster OWNER_IDS / SELLER_IDS describe (an id in both is an owner). */
export function configRoster(config: { ownerIds: number[]; sellerIds: number[] }): StaffRoster {
  const roles = new Map<number, Role>();
  for (const id of config.sellerIds) roles.set(id, "SELLER");
  for (const id of config.ownerIds) roles.set(id, "OWNER");
  return {
    roleOf: (telegramId) => roles.get(telegramId) ?? "CUSTOMER",
    members: () => [...roles].map(([telegramId, role]) => ({ telegramId, role })),
  };
}

/**
 * Everyone with staff powers and what they hold (effectiveStaff: config and the chat's grants),
 * minus anyone blocked (or banned by staff) in the database. Configured members who never opened the bot are
 * included (a send to them fails and is logged, never fatal).
 */
export async function staffPowers(prisma: PrismaClient, roster: StaffRoster): Promise<Array<{ telegramId: number; permissions: Permission[] }>> {
  return (await staffCandidates(prisma, roster))
    .filter((c) => !c.row?.blocked && !c.row?.bannedAt && c.staff.permissions.length > 0)
    .map((c) => ({ telegramId: c.telegramId, permissions: c.staff.permissions }));
}

/**
 * Everyone who may hold staff powers — the configured ids and anyone the chat ever made staff —
 * with their user row (null for a configured member who never opened the bot), their grant and
 * their powers now. The one read behind the pushes, the menus and the staff console's list.
 */
export async function staffCandidates(prisma: PrismaClient, roster: StaffRoster) {
  const configured = roster.members();
  const rows = await prisma.user.findMany({
    where: { OR: [{ telegramId: { in: configured.map((m) => BigInt(m.telegramId)) } }, { staffMembership: { isNot: null } }] },
    select: { id: true, telegramId: true, firstName: true, username: true, blocked: true, bannedAt: true, staffMembership: { select: GRANT_SELECT } },
  });
  const known = new Map(rows.map((r) => [Number(r.telegramId), r]));
  return [...new Set<number>([...configured.map((m) => m.telegramId), ...known.keys()])].map((telegramId) => {
    const configRole = roster.roleOf(telegramId);
    const grant = grantFrom(known.get(telegramId)?.staffMembership);
    return { telegramId, row: known.get(telegramId) ?? null, configRole, grant, staff: effectiveStaff(configRole, grant) };
  });
}

/** Telegram ids of the staff a push with this permission goes to (see staffPowers). */
export async function staffChatIds(prisma: PrismaClient, roster: StaffRoster, permission: Permission): Promise<number[]> {
  return (await staffPowers(prisma, roster)).filter((m) => m.permissions.includes(permission)).map((m) => m.telegramId);
}

/**
 * Whether this Telegram user holds any staff power now (config and the chat's grants, not
 * blocked or banned); the maintenance gate asks while the shop is closed.
 */
export async function holdsStaffPower(prisma: PrismaClient, roster: StaffRoster, telegramId: number): Promise<boolean> {
  const row = await prisma.user.findUnique({ where: { telegramId: BigInt(telegramId) }, select: { blocked: true, bannedAt: true, staffMembership: { select: GRANT_SELECT } } });
  if (row?.blocked || row?.bannedAt) return false;
  return effectiveStaff(roster.roleOf(telegramId), grantFrom(row?.staffMembership)).permissions.length > 0;
}

/** Who reviews payments (and hears about failed provisioning): sellers and owners in the config. */
export function reviewerChatIds(prisma: PrismaClient, config: { sellerIds: number[]; ownerIds: number[] }): Promise<number[]> {
  return staffChatIds(prisma, configRoster(config), "payments.review");
}
