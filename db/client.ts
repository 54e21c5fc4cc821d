/**
 * The one entry point to the database for the whole app: import the client factory, the
 * model types and the enums from `db/client.js`, never from `db/generated/…` directly.
 *
 * Why:
 * - The Prisma client is generated (`npm run db:generate`) into `db/generated/` (gitignored)
 *   by the Rust-free `prisma-client` generator (`engineType = "client"`): queries are
 *   compiled in WebAssembly and sent through the `pg` driver via `@prisma/adapter-pg`. No
 *   native engine binary is downloaded or loaded, so it works on machines without internet.
 *   The generated files are ESM TypeScript with `.js` import suffixes, so they compile under
 *   `module: NodeNext` to dist/ and run directly under tsx/vitest.
 * - Keeping the generated path behind this module lets us change generator options or move
 *   the output without touching the rest of the code.
 * - `createPrisma` is the only place the connection pool is configured: a bounded pool
 *   (processes × `max` must stay below Postgres' max_connections) and a connection timeout
 *   so a dead database fails fast instead of hanging a Telegram update or a job.
 *
 * - It also works around a Prisma 6.19 bug: when `COMMIT` itself fails (a deferred constraint
 *   such as the ledger balance trigger, or a serialization failure), the client never
 *   releases that transaction's pooled connection, so every such error would leak one
 *   connection until the pool is exhausted. `LeakProofPrismaPg` releases it.
 *
 * Money is integer rupiah (`number`); Telegram ids are `bigint`.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "./generated/client.js";

export * from "./generated/client.js";

/** The local development database (same default as db/prisma-cli.mjs and db/seed.ts). */
export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vps_shop";

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type PgTransaction = Awaited<ReturnType<PgAdapter["startTransaction"]>>;

/**
 * Prisma's transaction manager runs `executeRaw("COMMIT")` and only then `commit()`, which is
 * what returns the connection to the pool (likewise for ROLLBACK). If the COMMIT statement
 * throws, `commit()` is never called. Postgres has already ended the transaction at that
 * point, so we release the connection ourselves and make the later commit/rollback no-ops.
 */
function releaseOnFailedEnd(tx: PgTransaction): PgTransaction {
  let released = false;
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  const executeRaw = oneAtATime(tx, tx.executeRaw.bind(tx));
  tx.queryRaw = oneAtATime(tx, tx.queryRaw.bind(tx));
  tx.commit = async () => {
    if (released) return;
    released = true;
    await commit();
  };
  tx.rollback = async () => {
    if (released) return;
    released = true;
    await rollback();
  };
  tx.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      const sql = query.sql.trim().toUpperCase();
      if (sql === "COMMIT" || sql === "ROLLBACK") await tx.rollback();
      throw error;
    }
  };
  return tx;
}

/**
 * A transaction holds one pg connection, but Prisma's query interpreter runs independent parts
 * of a query plan (nested writes, relation loads) through `Promise.all`, so it calls
 * `client.query()` while the previous query is still running. pg queues them today and prints
 * a deprecation warning (pg 9 will throw); we queue them ourselves: each statement of a
 * transaction starts when the one before it ended, in the order Prisma issued them.
 */
const transactionQueues = new WeakMap<PgTransaction, Promise<unknown>>();
function oneAtATime<A extends unknown[], R>(tx: PgTransaction, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    const result = (transactionQueues.get(tx) ?? Promise.resolve()).then(() => run(...args));
    transactionQueues.set(tx, result.catch(() => undefined));
    return result;
  };
}

class LeakProofPrismaPg extends PrismaPg {
  override async connect(): Promise<PgAdapter> {
    const adapter = await super.connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => releaseOnFailedEnd(await startTransaction(isolationLevel));
    return adapter;
  }
}

/**
 * URL parameters that become startup parameters of every connection; PgBouncer 1.18 refuses a
 * connection carrying one it does not know ("unsupported startup parameter").
 */
const SESSION_PARAMS = ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "options"];

/**
 * `?pgbouncer=true` in a postgresql:// URL (Prisma's convention) says a PgBouncer in transaction
 * mode sits in front of PostgreSQL: each transaction may run on another server connection, so
 * nothing may live in the session. What changes then:
 * - no startup parameters: `statement_timeout` and `idle_in_transaction_session_timeout` are set on
 *   every server connection by PgBouncer itself (`connect_query` in ops/pgbouncer/pgbouncer.ini.example),
 *   so per-pool values (the settlement pool's 10 s) give way to the pooler's (30 s / 60 s); a
 *   transaction that needs less uses `SET LOCAL statement_timeout`;
 * - no named prepared statements: PgBouncer 1.18 cannot follow them from one server connection to
 *   the next (`prepared statement "…" does not exist`), so the `name` of a query is dropped and pg
 *   sends it unnamed (Parse/Bind/Execute in one go; Prisma's adapter never names its statements).
 * The parameter itself is removed before pg (or libpq) sees the URL.
 * pg-connection-string 2.14 (pg 8.23) also reads `sslmode` and `sslrootcert` from the URL: `sslrootcert`
 * is read as the CA file; `verify-full` checks the CA and the host name; `require`, `prefer` and
 * `verify-ca` are (for now, with a warning) aliases of `verify-full`, unlike libpq where `require`
 * only encrypts — add `uselibpqcompat=true` for libpq's meaning; `sslmode=disable` turns TLS off.
 */
export function pgTarget(databaseUrl: string): { connectionString: string; viaPgBouncer: boolean } {
  const u = new URL(databaseUrl);
  const viaPgBouncer = u.searchParams.get("pgbouncer") === "true";
  if (!u.searchParams.has("pgbouncer")) return { connectionString: databaseUrl, viaPgBouncer };
  u.searchParams.delete("pgbouncer");
  for (const name of SESSION_PARAMS) u.searchParams.delete(name);
  return { connectionString: u.toString(), viaPgBouncer };
}

/** A pg client that sends every statement unnamed (see pgTarget: PgBouncer in transaction mode). */
class UnnamedStatementsClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloads, forwarded as they are
  override query(...args: unknown[]): any {
    const [config, ...rest] = args;
    const forward = super.query.bind(this) as (...a: unknown[]) => unknown;
    if (config && typeof config === "object" && "name" in config) {
      const { name: _name, ...unnamed } = config as { name?: string };
      return forward(unnamed, ...rest);
    }
    return forward(...args);
  }
}

export interface PgPoolSettings {
  max: number;
  connectionTimeoutMillis: number;
  idleTimeoutMillis: number;
  applicationName: string;
  /** Postgres cancels a statement running longer than this (a startup parameter; the pooler's without one). */
  statementTimeoutMs: number;
  /** Postgres ends a session left idle inside a transaction this long. */
  idleInTransactionTimeoutMs?: number;
  /** The driver gives up on a silent server after this long (client side, so it holds behind a pooler too). */
  queryTimeoutMs?: number;
}

/**
 * The one place a pg pool's settings come from a URL (createPrisma and the web role's settlement
 * pool): bounded, with timeouts, and right for a direct server or a PgBouncer (pgTarget).
 */
export function pgPoolConfig(databaseUrl: string, s: PgPoolSettings): pg.PoolConfig {
  const { connectionString, viaPgBouncer } = pgTarget(databaseUrl);
  return {
    connectionString,
    max: s.max,
    connectionTimeoutMillis: s.connectionTimeoutMillis,
    idleTimeoutMillis: s.idleTimeoutMillis,
    application_name: s.applicationName,
    ...(s.queryTimeoutMs ? { query_timeout: s.queryTimeoutMs } : {}),
    ...(viaPgBouncer
      ? { Client: UnnamedStatementsClient }
      : {
          statement_timeout: s.statementTimeoutMs,
          ...(s.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs } : {}),
        }),
  };
}

export interface CreatePrismaOptions {
  /** Max pooled connections for this client (default 10). */
  max?: number;
  /** Give up acquiring a new connection after this long (default 5000 ms). */
  connectionTimeoutMillis?: number;
  /** Close idle pooled connections after this long (default 30000 ms). */
  idleTimeoutMillis?: number;
  /** Shown in pg_stat_activity (e.g. "vps-shop:worker"). */
  applicationName?: string;
  /** Postgres cancels a statement running longer than this (default 30000 ms; behind PgBouncer the pooler's value applies). */
  statementTimeoutMs?: number;
}

/**
 * A session left idle inside a transaction holds its locks until it is ended: a crashed
 * caller, or one whose host went silent (cut off, frozen) without closing its connection, so
 * Postgres never hears its rollback. Other processes wait for those rows meanwhile (the
 * network-split test saw host B held up for a minute). No transaction of ours sits idle for
 * seconds: Prisma ends an interactive transaction after 5 s (its default `timeout`), so 10 s
 * idle means the caller is gone. Ended sooner than a waiter's 30 s statement timeout, the
 * waiter gets the rows instead of failing (test/db/stalled-session.test.ts).
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

/**
 * Creates a PrismaClient over a bounded `pg` pool. Call `$disconnect()` on shutdown.
 * One client per process; pass `max` to size it for the process role.
 */
export function createPrisma(databaseUrl: string, opts: CreatePrismaOptions = {}): PrismaClient {
  const adapter = new LeakProofPrismaPg(
    pgPoolConfig(databaseUrl, {
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5_000,
      idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
      applicationName: opts.applicationName ?? "vps-shop",
      // No statement of ours runs for seconds: one stuck on a lock must fail (the update, job or
      // request answers with an error and can be retried) rather than hang its caller forever.
      statementTimeoutMs: opts.statementTimeoutMs ?? 30_000,
      idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }),
  );
  return new PrismaClient({ adapter });
}

/** A client usable both at top level and inside `prisma.$transaction(async (tx) => …)`. */
export type Db = PrismaClient | Prisma.TransactionClient;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * True if `error` is a unique-constraint violation (Prisma P2002), optionally only when the
 * violated constraint covers all of `fields` (Prisma field names like "gatewayReference" or
 * column names like "gateway_reference"; both are compared in snake_case).
 */
export function isUniqueViolation(error: unknown, fields?: readonly string[]): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  if (!fields) return true;
  const target = uniqueTarget(error).map(snake);
  return fields.every((f) => target.includes(snake(f)));
}

/**
 * The columns/fields of the violated unique constraint, as reported by Prisma. Through the
 * pg driver adapter they are reported as DB column names (e.g. ["source", "key"]) under
 * `meta.driverAdapterError.cause.constraint.fields`; classic engines used `meta.target`.
 */
function uniqueTarget(error: Prisma.PrismaClientKnownRequestError): string[] {
  const meta = (error.meta ?? {}) as {
    target?: unknown;
    driverAdapterError?: { cause?: { constraint?: { fields?: unknown; index?: unknown } } };
  };
  if (Array.isArray(meta.target)) return meta.target.map(String);
  if (typeof meta.target === "string") return [meta.target];
  const constraint = meta.driverAdapterError?.cause?.constraint;
  if (Array.isArray(constraint?.fields)) return constraint.fields.map((f) => String(f).replace(/^"|"$/g, ""));
  if (typeof constraint?.index === "string") return [constraint.index];
  return [];
}
