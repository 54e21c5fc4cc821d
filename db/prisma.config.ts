/**
 * Prisma CLI configuration (loaded only by the `prisma` CLI, never by the app).
 *
 * Run the CLI through `npm run db:*` (db/prisma-cli.mjs), not `npx prisma`: the wrapper
 * creates the placeholder engine files the CLI insists on (see below) and passes
 * `--config db/prisma.config.ts`.
 *
 * Why this file is unusual: these machines have no internet, so Prisma's native engines
 * cannot be downloaded. Prisma 6.19 can run the WebAssembly schema engine
 * (`@prisma/schema-engine-wasm`) over a JS driver adapter instead — `engine: "js"` with
 * `experimental.adapter`. See /work/shared/notes/offline-toolchain.md. That path has
 * upstream bugs we work around here, in the CLI process only:
 *
 * 1. prisma/orm#27403: the wasm engine cannot deserialize Postgres `name` (OID 19) and
 *    `"char"` (OID 18) result columns while describing the schema. We report them as
 *    `text` (OID 25) by wrapping `pg.Client.prototype.query`.
 * 2. `PrismaPg.connectToShadowDb` ignores the shadow DB name when given a
 *    `connectionString`, and drops the shadow DB before closing its own pool. We give
 *    the adapter discrete host/port/user/password/database fields and implement the
 *    shadow DB ourselves: create, then on dispose close the pool first and
 *    `DROP DATABASE … WITH (FORCE)`.
 * 3. `PrismaPgAdapter.executeScript` (used to apply migration files) splits the script on
 *    every ";" — which breaks PL/pgSQL bodies and any ";" in a comment or string. We send
 *    the whole script as one simple-protocol query instead (Postgres runs it as one
 *    implicit transaction), exactly as test/support/global-setup.ts does.
 */
import { randomUUID } from "node:crypto";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vps_shop";

// ---- workaround 1: OID 19 (name) / 18 ("char") -> 25 (text) -----------------------------

type PgField = { dataTypeID: number };
type PgResultLike = { fields?: PgField[] };

const TEXT_OID = 25;
const PATCHED = Symbol.for("vps-shop.prisma-cli.pg-name-oid-patch");

function rewriteOids(res: unknown): unknown {
  const results = Array.isArray(res) ? (res as PgResultLike[]) : [res as PgResultLike];
  for (const r of results) {
    for (const f of r?.fields ?? []) {
      if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = TEXT_OID;
    }
  }
  return res;
}

function patchPgNameOids(): void {
  const proto = pg.Client.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  proto.query = function patchedQuery(this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    // Submittables (cursors, streams) manage their own rows: leave them alone.
    if (config && typeof (config as { submit?: unknown }).submit === "function") {
      return original.call(this, config, values, callback);
    }
    if (typeof values === "function") {
      callback = values;
      values = undefined;
    }
    if (typeof callback === "function") {
      const cb = callback as (err: unknown, res: unknown) => void;
      return original.call(this, config, values, (err: unknown, res: unknown) => cb(err, err ? res : rewriteOids(res)));
    }
    return (original.call(this, config, values) as Promise<unknown>).then(rewriteOids);
  };
  proto[PATCHED] = true;
}

// ---- workarounds 2 and 3: an adapter factory for the CLI ---------------------------------

function poolConfigFromUrl(databaseUrl: string): pg.PoolConfig & { database: string } {
  const u = new URL(databaseUrl);
  if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") {
    throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${u.protocol}`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres";
  return {
    host: decodeURIComponent(u.hostname) || "127.0.0.1",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || "postgres",
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    max: 4,
    connectionTimeoutMillis: 10_000,
  };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/** Replace the naive split-on-";" executeScript with one multi-statement simple query. */
function wholeScriptExecution(adapter: Adapter): Adapter {
  adapter.executeScript = async (script: string): Promise<void> => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      // Same error conversion path as the adapter's own executeScript.
      (adapter as unknown as { onError(e: unknown): never }).onError(error);
    }
  };
  return adapter;
}

class CliPrismaPg extends PrismaPg {
  readonly #config: pg.PoolConfig & { database: string };

  constructor(config: pg.PoolConfig & { database: string }) {
    super(config);
    this.#config = config;
  }

  override async connect(): Promise<Adapter> {
    return wholeScriptExecution(await super.connect());
  }

  override async connectToShadowDb(): Promise<Adapter> {
    const name = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
    const admin = new pg.Client({ ...this.#config, database: "postgres" });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } finally {
      await admin.end();
    }
    const shadow = wholeScriptExecution(await new PrismaPg({ ...this.#config, database: name }).connect());
    const closePool = shadow.dispose.bind(shadow);
    shadow.dispose = async (): Promise<void> => {
      await closePool(); // close our own pool first…
      const dropper = new pg.Client({ ...this.#config, database: "postgres" });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    };
    return shadow;
  }
}

patchPgNameOids();

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "./schema.prisma",
  migrations: {
    path: "./migrations",
    seed: "tsx db/seed.ts",
  },
  adapter: async () => new CliPrismaPg(poolConfigFromUrl(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL)),
});
