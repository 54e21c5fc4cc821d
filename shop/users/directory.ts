import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";

export type Role = "CUSTOMER" | "SELLER" | "OWNER";
export type Language = "id" | "en";

/** The slice of a user every update needs; cached so most updates skip Postgres. */
export interface ShopUser {
  id: number;
  telegramId: number;
  role: Role;
  language: Language;
  blocked: boolean;
  firstName: string;
  resellerTierId: number | null;
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
 * Resolves Telegram users to shop users. Roles come from the database, raised by
 * OWNER_IDS / SELLER_IDS from the config (an operator must never lock themselves
 * out by editing a row). Writes go to Postgres first, then refresh the cache.
 */
export class UserDirectory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly roles: { ownerIds: number[]; sellerIds: number[] },
  ) {}

  private readonly local = new Map<number, { at: number; user: ShopUser }>();

  private remember(user: ShopUser): ShopUser {
    if (this.local.size > 20_000) this.local.clear();
    this.local.set(user.telegramId, { at: Date.now(), user });
    return user;
  }

  private key(telegramId: number) {
    return `${this.prefix}:user:${telegramId}`;
  }

  private configRole(telegramId: number): Role | undefined {
    if (this.roles.ownerIds.includes(telegramId)) return "OWNER";
    if (this.roles.sellerIds.includes(telegramId)) return "SELLER";
    return undefined;
  }

  /** Loads (or creates on first contact) the user behind a Telegram profile. */
  async resolve(from: TelegramProfile): Promise<ShopUser> {
    const hit = this.local.get(from.id);
    if (hit && Date.now() - hit.at < LOCAL_TTL_MS) return hit.user;
    const cached = await this.redis.get(this.key(from.id));
    if (cached) return this.remember(JSON.parse(cached) as ShopUser);
    const elevated = this.configRole(from.id);
    const row = await this.prisma.user.upsert({
      where: { telegramId: BigInt(from.id) },
      create: {
        telegramId: BigInt(from.id),
        firstName: from.first_name.slice(0, 128),
        username: from.username ?? null,
        role: elevated ?? "CUSTOMER",
      },
      update: {
        firstName: from.first_name.slice(0, 128),
        username: from.username ?? null,
        ...(elevated ? { role: elevated } : {}),
      },
    });
    const user = toShopUser(row);
    await this.redis.set(this.key(from.id), JSON.stringify(user), "EX", CACHE_TTL_SECONDS);
    return this.remember(user);
  }

  /** Persists the user's language choice and refreshes the cache. */
  async setLanguage(telegramId: number, language: Language): Promise<ShopUser> {
    const row = await this.prisma.user.update({ where: { telegramId: BigInt(telegramId) }, data: { language } });
    const user = toShopUser(row);
    await this.redis.set(this.key(telegramId), JSON.stringify(user), "EX", CACHE_TTL_SECONDS);
    return this.remember(user);
  }

  /** Drops the cached copy (after a role or block change by the owner). */
  async forget(telegramId: number): Promise<void> {
    this.local.delete(telegramId);
    await this.redis.del(this.key(telegramId));
  }
}

function toShopUser(row: {
  id: number;
  telegramId: bigint;
  role: string;
  language: string;
  blocked: boolean;
  firstName: string | null;
  resellerTierId: number | null;
}): ShopUser {
  return {
    id: row.id,
    telegramId: Number(row.telegramId),
    role: row.role as Role,
    language: row.language === "en" ? "en" : "id",
    blocked: row.blocked,
    firstName: row.firstName ?? "",
    resellerTierId: row.resellerTierId,
  };
}
