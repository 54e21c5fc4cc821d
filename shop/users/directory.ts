import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { applyRosterRole, syncRosterRoles, type RoleChange } from "./role-sync.js";
import { effectiveStaff, staffGrantOf, type Permission, type StaffRoster } from "./staff.js";

export type Role = "CUSTOMER" | "SELLER" | "OWNER";
export type Language = "id" | "en";

/** The slice of a user every update needs; cached so most updates skip Postgres. */
export interface ShopUser {
  id: number;
  telegramId: number;
  role: Role;
  language: Language;
  /** No shop and no staff power: the bot's block flag, or a staff ban (`banned`). */
  blocked: boolean;
  /** Banned by staff from /customer (users.banned_at); also sets `blocked`. Absent in copies cached before bans existed. */
  banned?: boolean;
  firstName: string;
  resellerTierId: number | null;
  /** What this person may do as staff (effectiveStaff: OWNER_IDS, the chat's grants, SELLER_IDS). */
  permissions: Permission[];
  /** Their staff role's name ("owner", "seller", "reviewer", …); null for a customer. */
  staffRole: string | null;
}

export interface TelegramProfile {
  id: number;
  first_name: string;
  username?: string;
}

const CACHE_TTL_SECONDS = 300;
/** In-process copy: a busy chat sends several updates a second; Redis is asked at most every few seconds. */
const LOCAL_TTL_MS = 5_000;

/**
 * Resolves Telegram users to shop users. The roster (OWNER_IDS / SELLER_IDS) is
 * authoritative for roles: the stored role follows it on every load, and a cached
 * copy whose role the roster contradicts (the config changed at a restart) is
 * thrown away instead of served. Staff checks read `fresh()`, never a cache.
 * Writes go to Postgres first, then refresh the cache.
 */
export class UserDirectory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly roster: StaffRoster,
  ) {}

  private readonly local = new Map<number, { at: number; user: ShopUser }>();

  private async remember(user: ShopUser): Promise<ShopUser> {
    await this.redis.set(this.key(user.telegramId), JSON.stringify(user), "EX", CACHE_TTL_SECONDS);
    return this.rememberLocally(user);
  }

  private rememberLocally(user: ShopUser): ShopUser {
    if (this.local.size > 20_000) this.local.clear();
    this.local.set(user.telegramId, { at: Date.now(), user });
    return user;
  }

  private key(telegramId: number) {
    return `${this.prefix}:user:${telegramId}`;
  }

  /**
   * A cached copy is served only while the roster agrees with its role (a staff member the
   * chat added is SELLER where the config says CUSTOMER: that copy stands, staff checks read
   * `fresh()` anyway, and every change from the chat drops the copy with `forget()`).
   */
  private current(user: ShopUser): boolean {
    if (!Array.isArray(user.permissions)) return false;
    const configured = this.roster.roleOf(user.telegramId);
    return user.role === configured || (configured === "CUSTOMER" && user.role === "SELLER" && user.staffRole !== null);
  }

  /** Loads (or creates on first contact) the user behind a Telegram profile. */
  async resolve(from: TelegramProfile): Promise<ShopUser> {
    const hit = this.local.get(from.id);
    if (hit && Date.now() - hit.at < LOCAL_TTL_MS && this.current(hit.user)) return hit.user;
    const cached = await this.redis.get(this.key(from.id));
    if (cached) {
      const user = JSON.parse(cached) as ShopUser;
      if (this.current(user)) return this.rememberLocally(user);
    }
    return this.fresh(from);
  }

  /**
   * The user as Postgres has them now (role brought in line with the roster,
   * a demotion audited), bypassing both caches and refreshing them. Every staff
   * command and button checks its permission on this, so a cache minutes old
   * never grants a power that was taken away.
   */
  async fresh(from: TelegramProfile): Promise<ShopUser> {
    const configured = this.roster.roleOf(from.id);
    const profile = { firstName: from.first_name.slice(0, 128), username: from.username ?? null };
    const row = await this.prisma.user.upsert({
      where: { telegramId: BigInt(from.id) },
      create: { telegramId: BigInt(from.id), ...profile, role: configured },
      update: profile,
    });
    return this.remember(await this.withPowers(row, configured));
  }

  /** The stored role brought in line with what config and the chat's grants say, and the permissions that go with it. */
  private async withPowers(row: UserRow, configured = this.roster.roleOf(Number(row.telegramId))): Promise<ShopUser> {
    const staff = effectiveStaff(configured, configured === "OWNER" ? null : await staffGrantOf(this.prisma, row.id));
    if (row.role !== staff.role) await applyRosterRole(this.prisma, row, staff.role, "update");
    return toShopUser({ ...row, role: staff.role }, staff.permissions, staff.staffRole);
  }

  /** Persists the user's language choice and refreshes the cache. */
  async setLanguage(telegramId: number, language: Language): Promise<ShopUser> {
    const row = await this.prisma.user.update({ where: { telegramId: BigInt(telegramId) }, data: { language } });
    return this.remember(await this.withPowers(row));
  }

  /** Drops the cached copy (after a role or block change by the owner). */
  async forget(telegramId: number): Promise<void> {
    this.local.delete(telegramId);
    await this.redis.del(this.key(telegramId));
  }

  /**
   * Start-up: every stored role follows the roster (staff no longer listed are
   * demoted, audited) and the cached copies of those whose role changed are dropped.
   */
  async applyRoster(): Promise<RoleChange[]> {
    const changes = await syncRosterRoles(this.prisma, this.roster);
    for (const change of changes) await this.forget(change.telegramId);
    return changes;
  }
}

interface UserRow {
  id: number;
  telegramId: bigint;
  role: Role;
  language: string;
  blocked: boolean;
  bannedAt: Date | null;
  firstName: string | null;
  resellerTierId: number | null;
}

function toShopUser(row: UserRow, permissions: Permission[], staffRole: string | null): ShopUser {
  return {
    permissions,
    staffRole,
    id: row.id,
    telegramId: Number(row.telegramId),
    role: row.role,
    language: row.language === "en" ? "en" : "id",
    // A staff ban takes everything `blocked` takes (can() refuses it, the guard stops it).
    blocked: row.blocked || row.bannedAt !== null,
    banned: row.bannedAt !== null,
    firstName: row.firstName ?? "",
    resellerTierId: row.resellerTierId,
  };
}
