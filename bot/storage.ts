import { AsyncLocalStorage } from "node:async_hooks";
import type { StorageAdapter } from "grammy";
import type { Redis } from "ioredis";

/**
 * The update being handled, as the webhook inbox (bot/inbox.ts) runs it: storage writes made while
 * handling it are stamped with its update_id, in the same Redis step as the write, and fenced with
 * the token of the chat's lease under which it is handled (shop/leases.ts `Lease.fence`).
 */
export const handlingUpdate = new AsyncLocalStorage<{ updateId: number; fence: number }>();

/** The key beside a chat's stored value that names the last update whose handling wrote it. */
export const stampKey = (prefix: string, key: string) => `${prefix}${key}:u`;
/** The key beside a chat's stored value that holds the largest lease token written with it. */
export const fenceKey = (prefix: string, key: string) => `${prefix}${key}:f`;

/**
 * Writes (ARGV[4] "set") or deletes ("del") the value, stamps it with the update, and records the
 * lease token; refuses (returns 0) when a larger token was already recorded: a process that lost
 * the chat's lease must not put back an older state over its successor's.
 * KEYS: value, stamp, fence. ARGV: value, update id, token, "set" | "del", TTL seconds.
 */
const FENCED_WRITE = `
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
if last > tonumber(ARGV[3]) then return 0 end
if ARGV[4] == 'del' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[5]) end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[5])
return 1`;

/**
 * Redis-backed storage for sessions and conversation state, so a restart (even
 * `kill -9`) in the middle of a conversation resumes where the user was.
 * A TTL keeps abandoned chats from growing Redis forever.
 *
 * Inside an inbox update, each write (and delete) also records that update's id (`stampKey`), in
 * one Redis step with the value: if the process dies after the state moved on but before the update
 * was marked done, the process that takes the update over sees that its state change already
 * happened and does not apply it a second time (a conversation would take the same answer twice).
 * The same step refuses a write fenced with an older lease token than the last one (`fenceKey`):
 * that process lost the chat's lease while handling (paused or cut off past the lease's TTL), and
 * another has handled the chat since; `onFenced` is told, and the newer state stays.
 */
export class RedisStorage<T> implements StorageAdapter<T> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly onFenced?: (key: string, updateId: number) => void,
  ) {}

  async read(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async write(key: string, value: T): Promise<void> {
    const handling = handlingUpdate.getStore();
    if (handling === undefined) {
      await this.redis.set(this.prefix + key, JSON.stringify(value), "EX", this.ttlSeconds);
      return;
    }
    await this.fenced(key, "set", JSON.stringify(value), handling);
  }

  async delete(key: string): Promise<void> {
    const handling = handlingUpdate.getStore();
    if (handling === undefined) {
      await this.redis.del(this.prefix + key);
      return;
    }
    await this.fenced(key, "del", "", handling);
  }

  private async fenced(key: string, op: "set" | "del", value: string, { updateId, fence }: { updateId: number; fence: number }): Promise<void> {
    const keys = [this.prefix + key, stampKey(this.prefix, key), fenceKey(this.prefix, key)];
    const applied = await this.redis.eval(FENCED_WRITE, keys.length, ...keys, value, String(updateId), String(fence), op, String(this.ttlSeconds));
    if (applied !== 1) this.onFenced?.(key, updateId);
  }
}

/**
 * Whether the handling of `updateId` already wrote this chat's stored state (an earlier start of it
 * got that far before its process died): the stamp beside the state is that update or a later one.
 */
export async function stateAlreadyWritten(redis: Redis, prefixes: readonly string[], chatKey: string, updateId: number): Promise<boolean> {
  const stamps = await redis.mget(...prefixes.map((p) => stampKey(p, chatKey)));
  return stamps.some((s) => s !== null && Number(s) >= updateId);
}
