import type { PrismaClient } from "../../db/client.js";
import type { Role, ShopUser } from "./directory.js";

/**
 * What a staff member may do. A role is a set of these: today SELLER is a fixed
 * set and OWNER holds them all; the staff console (owner-managed staff with roles
 * made of permissions) only has to store other sets, the checks stay `can()`.
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

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  CUSTOMER: [],
  SELLER: ["payments.review", "provisioning.retry", "orders.refund", "stats.view"],
  OWNER: PERMISSIONS,
};

/** The permissions a role carries. */
export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

/** The one permission check: a blocked user has no staff power, whatever their role. */
export function can(user: Pick<ShopUser, "role" | "blocked">, permission: Permission): boolean {
  return !user.blocked && ROLE_PERMISSIONS[user.role].includes(permission);
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
 * Telegram ids of the staff a push with this permission goes to: the roster's
 * members that hold it, minus anyone blocked in the database. Members who never
 * opened the bot are included (a send to them fails and is logged, never fatal).
 */
export async function staffChatIds(prisma: PrismaClient, roster: StaffRoster, permission: Permission): Promise<number[]> {
  const listed = roster
    .members()
    .filter((m) => can({ role: m.role, blocked: false }, permission))
    .map((m) => m.telegramId);
  if (listed.length === 0) return [];
  const blocked = await prisma.user.findMany({ where: { telegramId: { in: listed.map(BigInt) }, blocked: true }, select: { telegramId: true } });
  const out = new Set(blocked.map((r) => Number(r.telegramId)));
  return listed.filter((id) => !out.has(id));
}

/** Who reviews payments (and hears about failed provisioning): sellers and owners in the config. */
export function reviewerChatIds(prisma: PrismaClient, config: { sellerIds: number[]; ownerIds: number[] }): Promise<number[]> {
  return staffChatIds(prisma, configRoster(config), "payments.review");
}
