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
 * 1. prisma/orm#27403: the wasm engine's schema describer reads catalog columns of type
 *    `name` (OID 19) and `"char"` (OID 18), which PrismaPg refuses ("Column type 'name'
 *    could not be deserialized"). We report `name` as Text and `"char"` as Character (the
 *    describer reads e.g. pg_constraint.contype as a Rust `char`; reporting it as Text
 *    makes the engine panic with "RuntimeError: unreachable" as soon as the database has
 *    a CHECK constraint).
 * 2. `PrismaPg.connectToShadowDb` ignores the shadow DB name when given a
 *    `connectionString`, and drops the shadow DB before closing its own pool. We give
 *    the adapter discrete host/port/user/password/database fields and implement the
 *    shadow DB ourselves: create, then on dispose close the pool first and
 *    `DROP DATABASE … WITH (FORCE)`.
 * 3. `PrismaPgAdapter.executeScript` (used to apply migration files) splits the script on
 *    every ";" — which breaks PL/pgSQL bodies and any ";" in a comment or string. We send
 *    the whole script as one simple-protocol query instead (Postgres runs it as one
 *    implicit transaction), exactly as test/support/global-setup.ts does.
 * 4. `migrate deploy` wraps its advisory lock in a 10 s timeout whose timer the wasm engine
 *    never clears, so the process lingers ~10 s after finishing. Timers created from wasm
 *    are unref'd (the pg sockets in flight still keep the process alive while it works).
 *
 * Not fixable here: the wasm engine can use the shadow database only once per process, so
 * `prisma migrate dev` fails ("PostgreSQL shadow DB must be provided through an external
 * factory") whenever the database has pending migrations; `npm run db:migrate:dev` is
 * implemented in db/prisma-cli.mjs on top of `migrate diff` + `migrate deploy` instead. `migrate diff --from-url` is refused with an adapter.
 * Only the `public` schema is supported (a `?schema=` URL parameter is ignored).
 */
import { randomUUID } from "node:crypto";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vps_shop";

// ---- workaround 4: timers started by the wasm engine must not keep the CLI alive ---------

const realSetTimeout = globalThis.setTimeout;
const unrefWasmTimers = Object.assign(
  (...args: Parameters<typeof setTimeout>): ReturnType<typeof setTimeout> => {
    const timer = realSetTimeout(...args);
    if (new Error().stack?.includes("wasm://")) timer.unref();
    return timer;
  },
  realSetTimeout,
) as typeof setTimeout;
globalThis.setTimeout = unrefWasmTimers;

// ---- an adapter factory for the CLI with workarounds 1-3 ------------------------------

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
    ...tlsFromUrl(databaseUrl),
    max: 4,
    connectionTimeoutMillis: 10_000,
    // Idle pooled connections must never keep the CLI process alive.
    idleTimeoutMillis: 500,
    allowExitOnIdle: true,
  };
}

/**
 * The discrete fields above lose the URL's TLS parameters; they are read back by pg's own URL
 * parser (what the app's pools do with the same URL, db/client.ts pgTarget), not by a copy of its
 * rules: `sslrootcert`, `sslcert`/`sslkey`, every sslmode and `uselibpqcompat=true`. Without TLS
 * parameters `ssl` stays unset and pg falls back to PGSSLMODE, as the app does.
 */
function tlsFromUrl(databaseUrl: string): Pick<pg.PoolConfig, "ssl"> {
  const { ssl } = parseIntoClientConfig(databaseUrl);
  return ssl === undefined ? {} : { ssl };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

const OID_CHAR = 18; // "char"
const OID_NAME = 19;
const OID_TEXT = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

type PgResult = { fields: { dataTypeID: number }[]; rows: unknown[][] };
type SqlQuery = Parameters<Adapter["queryRaw"]>[0];
type AdapterInternals = {
  performIO(query: SqlQuery): Promise<PgResult>;
  onError(error: unknown): never;
};

/** Applies workarounds 1 and 3 to one adapter instance (the app's adapters are untouched). */
function patchAdapter(adapter: Adapter): Adapter {
  const internals = adapter as unknown as AdapterInternals;

  // Workaround 1. PrismaPgAdapter.queryRaw calls this.performIO(query) and then maps each
  // field's OID to a column type, throwing for 18/19. We rewrite those OIDs to text and
  // remember (per query object) which columns were "char", then fix their column type.
  const charColumns = new WeakMap<SqlQuery, number[]>();
  const performIO = internals.performIO.bind(adapter);
  internals.performIO = async (query) => {
    const result = await performIO(query);
    // A multi-statement script (executeRaw of a migration) yields an array: leave it alone.
    if (Array.isArray(result) || !Array.isArray(result?.fields)) return result;
    const chars: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === OID_CHAR) chars.push(i);
      if (field.dataTypeID === OID_CHAR || field.dataTypeID === OID_NAME) field.dataTypeID = OID_TEXT;
    });
    if (chars.length > 0) charColumns.set(query, chars);
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) {
      (result.columnTypes as number[])[i] = COLUMN_TYPE_CHARACTER;
    }
    return result;
  };

  // Workaround 3. One multi-statement simple-protocol query instead of split(";").
  adapter.executeScript = async (script: string): Promise<void> => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      internals.onError(error); // same error conversion as the adapter's own executeScript
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
    return patchAdapter(await super.connect());
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
    const shadow = patchAdapter(await new PrismaPg({ ...this.#config, database: name }).connect());
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
