import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.js";

/**
 * Leases: locks kept in Postgres with an expiry. Why not Redis: Redis may lose everything at any
 * moment, and a per-order lock that vanishes with it lets two workers build two servers for one
 * order. Why not advisory locks: those belong to one connection, and a lease must outlive any
 * single query (provisioning holds it for minutes) without pinning a pooled connection.
 * A crashed holder's lease lapses on its own at `expiresAt`.
 */
export interface Lease {
  key: string;
  holder: string;
  /**
   * Fencing token of this acquisition: Postgres' clock when it was taken, in microseconds. A holder
   * that lost the lease without noticing (paused longer than the TTL, cut off from Postgres) still
   * carries its token; whoever took the lease over took it only once it had lapsed, at least the
   * TTL later, so with a larger token (unless Postgres' clock stepped back by more than the TTL).
   * A store that remembers the largest token written to it can refuse such a holder's late writes
   * (bot/storage.ts). A clock rather than a sequence: restoring a backup rolls a sequence back,
   * while the tokens already written to Redis stay.
   */
  fence: number;
}

/** Takes the lease if it is free or lapsed; returns it, or null when someone else holds it. */
export async function acquireLease(db: Db, key: string, ttlMs: number, holder: string = randomUUID()): Promise<Lease | null> {
  const rows = await db.$queryRaw<{ fence: bigint }[]>`
    INSERT INTO leases (key, holder, expires_at) VALUES (${key}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE leases.expires_at <= now() OR leases.holder = EXCLUDED.holder
    RETURNING (EXTRACT(EPOCH FROM now()) * 1000000)::bigint AS fence`;
  return rows.length > 0 ? { key, holder, fence: Number(rows[0]!.fence) } : null;
}

/** Extends a held lease; false when it was lost meanwhile (lapsed and taken by another). */
export async function renewLease(db: Db, lease: Pick<Lease, "key" | "holder">, ttlMs: number): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE leases SET expires_at = now() + ${ttlMs} * interval '1 millisecond' WHERE key = ${lease.key} AND holder = ${lease.holder}`;
  return n > 0;
}

export async function releaseLease(db: Db, lease: Pick<Lease, "key" | "holder">): Promise<void> {
  await db.$executeRaw`DELETE FROM leases WHERE key = ${lease.key} AND holder = ${lease.holder}`;
}

/** Whether someone holds the lease right now (it exists and has not lapsed). */
export async function isLeaseHeld(db: Db, key: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ held: boolean }[]>`SELECT expires_at > now() AS held FROM leases WHERE key = ${key}`;
  return rows[0]?.held ?? false;
}

/** Milliseconds until a held lease lapses (0 when free). */
export async function leaseRemainingMs(db: Db, key: string): Promise<number> {
  const rows = await db.$queryRaw<{ ms: number }[]>`
    SELECT GREATEST(0, (EXTRACT(EPOCH FROM (expires_at - now())) * 1000))::int AS ms FROM leases WHERE key = ${key}`;
  return rows[0]?.ms ?? 0;
}

export class LeaseBusyError extends Error {
  constructor(
    readonly key: string,
    readonly retryInMs: number,
  ) {
    super(`lease ${key} is held by another process; try again in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = "LeaseBusyError";
  }
}

/** Why a withLease signal fired: a renewal failed or found the lease taken. */
export class LeaseLostError extends Error {
  constructor(
    readonly key: string,
    why: string,
  ) {
    super(`lease ${key} lost: ${why}`);
    this.name = "LeaseLostError";
  }
}

/**
 * Runs `work` while holding the lease, renewing it every third of its TTL. Throws
 * LeaseBusyError (with how long to wait) when another holder has it.
 *
 * `signal` fires (reason: LeaseLostError) as soon as a renewal fails (Postgres unreachable: the
 * lease may lapse before the next one, and another process may take it) or finds the lease
 * taken. Work that must never run twice at once (provisioning) checks it between steps and stops.
 *
 * `confirm()` renews the lease now and throws that LeaseLostError (firing the signal) when it is
 * gone: for just before a step that cannot be undone (creating a server). The signal alone cannot
 * tell a process that was stopped past the TTL (a long pause, a suspended VM): its timer's
 * renewal, overdue, has not even been sent when the work resumes, and another process may own the
 * lease by then.
 */
export async function withLease<T>(
  db: Db,
  key: string,
  ttlMs: number,
  work: (lease: Lease, signal: AbortSignal, confirm: () => Promise<void>) => Promise<T>,
  holder?: string,
): Promise<T> {
  const lease = await acquireLease(db, key, ttlMs, holder);
  if (!lease) throw new LeaseBusyError(key, Math.max(1_000, await leaseRemainingMs(db, key)));
  const lost = new AbortController();
  const renewNow = () =>
    renewLease(db, lease, ttlMs).then(
      (held) => {
        if (!held) lost.abort(new LeaseLostError(key, "taken by another holder"));
      },
      (err: unknown) => lost.abort(new LeaseLostError(key, `renewal failed (${err instanceof Error ? err.message : String(err)})`)),
    );
  const renew = setInterval(() => void renewNow(), Math.max(1_000, Math.floor(ttlMs / 3)));
  renew.unref();
  const confirm = async () => {
    if (!lost.signal.aborted) await renewNow();
    lost.signal.throwIfAborted();
  };
  try {
    return await work(lease, lost.signal, confirm);
  } finally {
    clearInterval(renew);
    await releaseLease(db, lease).catch(() => undefined);
  }
}

/**
 * Runs `work` in at most one process at a time across every host, and keeps it running: the
 * others try for the lease every `retryMs` and the first to find it free (its holder stopped, or
 * died and let it lapse after `ttlMs`) takes over. For what must have exactly one instance but
 * must not die with one host: e.g. long-polling a second bot (two pollers get 409 Conflict).
 * `work` gets a signal that fires when the lease is lost or `stop()` is called; it must then wind
 * down and return. Errors from `work` are reported and the loop carries on.
 */
export function runAsLeader(
  db: Db,
  key: string,
  work: (signal: AbortSignal) => Promise<void>,
  opts: {
    ttlMs?: number;
    retryMs?: number;
    onError?: (err: unknown) => void;
    /**
     * Who holds it. Default: a new id per call, so a crashed holder's successor waits out the TTL.
     * A stable id (the host plus its process supervisor) lets a process restarted after a crash on
     * the same machine take its predecessor's lease back at once.
     */
    holder?: string;
  } = {},
): { stop(): Promise<void>; isLeader(): boolean } {
  const ttlMs = opts.ttlMs ?? 30_000;
  const retryMs = opts.retryMs ?? Math.max(1_000, Math.floor(ttlMs / 3));
  const stopping = new AbortController();
  let leader = false;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await withLease(db, key, ttlMs, async (_lease, lost) => {
          leader = true;
          try {
            await work(AbortSignal.any([lost, stopping.signal]));
          } finally {
            leader = false;
          }
        }, opts.holder);
      } catch (err) {
        if (!(err instanceof LeaseBusyError)) opts.onError?.(err);
      }
      if (stopping.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        stopping.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  })();
  return {
    isLeader: () => leader,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
