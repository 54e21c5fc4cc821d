import { AsyncLocalStorage } from "node:async_hooks";
import type { StorageAdapter } from "grammy";
import type { Redis } from "ioredis";

/**
 * The update being handled, as the webhook inbox (bot/inbox.ts) runs it: storage writes made while
 * handling it are stamped with its update_id, in the same Redis transaction as the write.
 */
export const handlingUpdate = new AsyncLocalStorage<number>();

/** The key beside a chat's stored value that names the last update whose handling wrote it. */
export const stampKey = (prefix: string, key: string) => `${prefix}${key}:u`;

/**
 * Redis-backed storage for sessions and conversation state, so a restart (even
 * `kill -9`) in the middle of a conversation resumes where the user was.
 * A TTL keeps abandoned chats from growing Redis forever.
 *
 * Inside an inbox update, each write (and delete) also records that update's id (`stampKey`), in
 * one MULTI with the value: if the process dies after the state moved on but before the update was
 * marked done, the process that takes the update over sees that its state change already happened
 * and does not apply it a second time (a conversation would take the same answer twice).
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
    const updateId = handlingUpdate.getStore();
    if (updateId === undefined) {
      await this.redis.set(this.prefix + key, JSON.stringify(value), "EX", this.ttlSeconds);
      return;
    }
    failed(
      await this.redis
        .multi()
        .set(this.prefix + key, JSON.stringify(value), "EX", this.ttlSeconds)
        .set(stampKey(this.prefix, key), String(updateId), "EX", this.ttlSeconds)
        .exec(),
    );
  }

  async delete(key: string): Promise<void> {
    const updateId = handlingUpdate.getStore();
    if (updateId === undefined) {
      await this.redis.del(this.prefix + key);
      return;
    }
    failed(await this.redis.multi().del(this.prefix + key).set(stampKey(this.prefix, key), String(updateId), "EX", this.ttlSeconds).exec());
  }
}

/** MULTI reports each command's error in its reply instead of throwing: throw the first. */
function failed(replies: [Error | null, unknown][] | null): void {
  const error = replies?.find(([err]) => err)?.[0];
  if (error) throw error;
  if (replies === null) throw new Error("Redis discarded the transaction");
}

/**
 * Whether the handling of `updateId` already wrote this chat's stored state (an earlier start of it
 * got that far before its process died): the stamp beside the state is that update or a later one.
 */
export async function stateAlreadyWritten(redis: Redis, prefixes: readonly string[], chatKey: string, updateId: number): Promise<boolean> {
  const stamps = await redis.mget(...prefixes.map((p) => stampKey(p, chatKey)));
  return stamps.some((s) => s !== null && Number(s) >= updateId);
}
