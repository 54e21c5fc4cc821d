import type { StorageAdapter } from "grammy";
import type { Redis } from "ioredis";

/**
 * Redis-backed storage for sessions and conversation state, so a restart (even
 * `kill -9`) in the middle of a conversation resumes where the user was.
 * A TTL keeps abandoned chats from growing Redis forever.
 */
export class RedisStorage<T> implements StorageAdapter<T> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  async read(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async write(key: string, value: T): Promise<void> {
    await this.redis.set(this.prefix + key, JSON.stringify(value), "EX", this.ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
