/**
 * This installation's shop id: part of every server tag (`vpsbot-<shopId>-<order>`), so two
 * deployments on one cloud account (production and a staging copy with the same token, or two
 * shops) each know their own servers, and the orphan sweep deletes only this one's.
 *
 * SHOP_ID sets it; otherwise it is made once, at first start, and kept in Postgres (table
 * `installation`): stable across restarts, processes and roles, and carried over by a backup
 * restore (the same shop), never random per process.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../db/client.js";

/** What a shop id may look like (it goes into tags and labels: short, lowercase, no dashes). */
export const SHOP_ID_PATTERN = /^[a-z0-9]{2,12}$/;

let current: string | undefined;

/** The shop id: SHOP_ID when configured, else the one this database was given at first start (made now if none). */
export async function resolveShopId(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  const made = randomBytes(5).toString("hex");
  const rows = await db.$queryRaw<{ shop_id: string }[]>`
    WITH ins AS (INSERT INTO installation (singleton, shop_id) VALUES (true, ${made}) ON CONFLICT (singleton) DO NOTHING RETURNING shop_id)
    SELECT shop_id FROM ins UNION ALL SELECT shop_id FROM installation WHERE NOT EXISTS (SELECT 1 FROM ins)`;
  const id = rows[0]?.shop_id;
  if (!id) throw new Error("installation row missing after insert");
  return id;
}

/** Sets the process's shop id (at start-up, from resolveShopId). */
export function useShopId(id: string | undefined): void {
  if (id !== undefined && !SHOP_ID_PATTERN.test(id)) throw new Error(`invalid shop id ${JSON.stringify(id)}`);
  current = id;
}

/**
 * The process's shop id, once set. Unset (a bare process that never started the service, e.g. a
 * unit test), tags fall back to the legacy form and the orphan sweep deletes nothing it cannot
 * prove is its own.
 */
export function currentShopId(): string | undefined {
  return current;
}

/**
 * At start-up: resolves the shop id and sets it for this process. Postgres unreachable: retried
 * every 30 s meanwhile (until then tags keep the legacy form and the orphan sweep deletes nothing).
 */
export async function startShopId(db: Db, configured: string | undefined, onError: (err: unknown) => void): Promise<void> {
  try {
    useShopId(await resolveShopId(db, configured));
  } catch (err) {
    onError(err);
    setTimeout(() => void startShopId(db, configured, onError), 30_000).unref();
  }
}
