import { isIP } from "node:net";
import { existsSync } from "node:fs";
import path from "node:path";
import cron from "node-cron";
import { z } from "zod";

/**
 * Why one schema: every process role reads the same environment, so a typo in an
 * operator's `.env` must stop *all* of them at start with a readable line, not
 * surface as an undefined deep inside a payment callback.
 */

const idList = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const ids: number[] = [];
    for (const part of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
      if (!/^\d{1,15}$/.test(part)) {
        ctx.addIssue({ code: "custom", message: "must be comma-separated numeric Telegram user ids" });
        return z.NEVER;
      }
      ids.push(Number(part));
    }
    return ids;
  });

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1" || v === "yes");

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const url = z.url({ message: "must be a URL like https://host[:port]" });

const port = z.coerce.number({ error: "must be a port number 1-65535" }).int("must be a port number 1-65535").min(1, "must be a port number 1-65535").max(65535, "must be a port number 1-65535");

/** A metrics listener's port; 0 = any free port (tests). */
const metricsPort = z.coerce.number({ error: "must be a port number 0-65535" }).int("must be a port number 0-65535").min(0, "must be a port number 0-65535").max(65535, "must be a port number 0-65535");

const positiveInt = z.coerce.number({ error: "must be a whole number above 0" }).int("must be a whole number above 0").positive("must be a whole number above 0");

/** A libsodium crypto_box key (32 bytes, base64), as `npm run backup:keygen` prints it. */
const backupKey = z.string().transform((raw, ctx) => {
  const bytes = Buffer.from(raw.trim(), "base64");
  if (bytes.length !== 32) {
    ctx.addIssue({ code: "custom", message: "must be a 32-byte key in base64 (make one with npm run backup:keygen)" });
    return z.NEVER;
  }
  return new Uint8Array(bytes);
});
/** A cron expression node-cron accepts (5 or 6 fields), checked at start instead of at the first tick. */
const cronExpression = z.string().trim().refine((v) => cron.validate(v), "must be a cron expression like 30 2 * * * (minute hour day month weekday)");
/**
 * `name=value` entries separated by ";" (values such as cron expressions hold spaces and commas),
 * each value checked by `valid`; an empty string is no entry.
 */
function namedList(valid: (value: string) => boolean, message: string) {
  return z
    .string()
    .default("")
    .transform((raw, ctx) => {
      const out: Record<string, string> = {};
      for (const part of raw.split(";").map((p) => p.trim()).filter(Boolean)) {
        const at = part.indexOf("=");
        const name = part.slice(0, at).trim();
        const value = part.slice(at + 1).trim();
        if (at <= 0 || !valid(value)) {
          ctx.addIssue({ code: "custom", message });
          return z.NEVER;
        }
        out[name] = value;
      }
      return out;
    });
}
/** CLOUD_RATE_LIMITS: `PROVIDER=limit/seconds[,limit/seconds]` per provider. */
const cloudRateLimits = namedList((v) => /^\d+\/\d+(\.\d+)?(,\d+\/\d+(\.\d+)?)*$/.test(v.replace(/\s/g, "")), "must be PROVIDER=limit/seconds entries separated by ';', e.g. DIGITALOCEAN=250/60,5000/3600;VULTR=30/1").transform((byName, ctx) => {
  const out: Partial<Record<"DIGITALOCEAN" | "VULTR" | "LINODE", { limit: number; windowMs: number }[]>> = {};
  for (const [name, value] of Object.entries(byName)) {
    const code = name.toUpperCase();
    if (code !== "DIGITALOCEAN" && code !== "VULTR" && code !== "LINODE") {
      ctx.addIssue({ code: "custom", message: "provider must be DIGITALOCEAN, VULTR or LINODE" });
      return z.NEVER;
    }
    const windows = value.replace(/\s/g, "").split(",").map((w) => {
      const [limit, seconds] = w.split("/").map(Number) as [number, number];
      return { limit, windowMs: Math.round(seconds * 1000) };
    });
    if (windows.some((w) => w.limit < 1 || w.windowMs < 100)) {
      ctx.addIssue({ code: "custom", message: "each window needs a limit of at least 1 and at least 0.1 s" });
      return z.NEVER;
    }
    out[code] = windows;
  }
  return out;
});
const keepCount = z.coerce.number({ error: "must be a whole number (0 or more)" }).int("must be a whole number (0 or more)").min(0, "must be a whole number (0 or more)");

/** A 32-byte libsodium secretbox key, given as 64 hex chars or standard base64. */
const encryptionKey = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (bytes.length !== 32) {
    ctx.addIssue({ code: "custom", message: "must be 32 random bytes as 64 hex chars or base64 (see .env.example)" });
    return z.NEVER;
  }
  return new Uint8Array(bytes);
});

/** REDIS_SENTINELS: `host:port,host:port` (IPv6 as `[::1]:26379`). */
const hostPortList = z.string().transform((raw, ctx) => {
  const out: { host: string; port: number }[] = [];
  for (const part of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(part);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      ctx.addIssue({ code: "custom", message: "must be comma-separated host:port pairs, e.g. 10.0.0.1:26379,10.0.0.2:26379" });
      return z.NEVER;
    }
    out.push({ host: m[1]!, port: Number(m[2]) });
  }
  return out;
});

const readableFile = z.string().refine((v) => existsSync(v), "must be the path of an existing file (a PEM CA certificate)");

/** `?pgbouncer=true` in DATABASE_URL (db/client.ts): a transaction-mode pooler sits in front of PostgreSQL. */
const viaPgBouncer = (url: string): boolean => URL.canParse(url) && new URL(url).searchParams.get("pgbouncer") === "true";

const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "must look like 123456:ABC… (from @BotFather)"),
  TELEGRAM_API_ROOT: url.default("https://api.telegram.org"),
  BOT_MODE: z.enum(["polling", "webhook"]).default("polling"),
  PUBLIC_BASE_URL: z.url({ protocol: /^https$/, message: "must be an https:// origin" }).optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16-256 chars of A-Z a-z 0-9 _ -")
    .optional(),
  OWNER_IDS: idList,
  SELLER_IDS: idList,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  /** Migrations and pg_dump/pg_restore: a direct connection when DATABASE_URL goes through PgBouncer. */
  DATABASE_DIRECT_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").refine((v) => !viaPgBouncer(v), "must reach PostgreSQL directly (no pgbouncer=true)").optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL"),
  // Redis Sentinel (jobs/redis.ts): with REDIS_SENTINELS set, REDIS_URL gives only the data nodes' password, db and TLS.
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be the master's name in sentinel.conf (A-Z a-z 0-9 . _ -)").default("mymaster"),
  REDIS_SENTINEL_PASSWORD: optionalSecret,
  REDIS_SENTINEL_TLS: bool,
  REDIS_TLS_CA_FILE: readableFile.optional(),
  HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  HTTP_PORT: port.default(3000),
  /** Load balancers whose X-Forwarded-For is believed (besides loopback): addresses or CIDR ranges. */
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every((e) => { const [a, b] = e.split("/"); return isIP(a ?? "") !== 0 && (b === undefined || (/^\d{1,3}$/.test(b) && Number(b) <= (isIP(a ?? "") === 6 ? 128 : 32))); }), "must be a comma list of IP addresses or CIDR ranges (e.g. 10.0.0.5,10.0.1.0/24)"),
  /** Bearer token for GET /metrics and /health/ready; unset = both off (they are not for the public). */
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{24,256}$/, "must be 24-256 chars of A-Z a-z 0-9 . _ ~ + / = - (generate: openssl rand -hex 24)")
    .optional(),
  TRIPAY_API_KEY: optionalSecret,
  TRIPAY_PRIVATE_KEY: optionalSecret,
  TRIPAY_MERCHANT_CODE: optionalSecret,
  TRIPAY_MODE: z.enum(["sandbox", "production"]).default("sandbox"),
  TRIPAY_API_URL: url.optional(),
  MIDTRANS_SERVER_KEY: optionalSecret,
  MIDTRANS_CLIENT_KEY: optionalSecret,
  MIDTRANS_IS_PRODUCTION: bool,
  MIDTRANS_API_URL: url.optional(),
  MIDTRANS_SNAP_URL: url.optional(),
  DO_API_TOKEN: optionalSecret,
  DO_API_URL: url.default("https://api.digitalocean.com"),
  VULTR_API_KEY: optionalSecret,
  VULTR_API_URL: url.default("https://api.vultr.com/v2"),
  LINODE_API_TOKEN: optionalSecret,
  LINODE_API_URL: url.default("https://api.linode.com/v4"),
  DATA_ENCRYPTION_KEY: encryptionKey,
  DATA_DIR: z.string().min(1).default("./data"),
  SHOP_NAME: z.string().min(1).max(64).default("Toko VPS"),
  /** Email copies (shop/email/): optional; without SMTP_URL the email option of /settings is hidden and nothing is mailed. */
  SMTP_URL: z
    .string()
    .refine((v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol) && new URL(v).hostname !== "", "must be an smtp:// or smtps:// URL like smtps://user:pass@smtp.example.com:465")
    .optional(),
  EMAIL_FROM: z
    .string()
    .max(200)
    .regex(/^(?:[^<>@]*<[^@\s<>]+@[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+)$/, 'must be an address like shop@example.com or "Toko VPS" <shop@example.com>')
    .optional(),
  SHOP_ID: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().regex(/^[a-z0-9]{2,12}$/, "must be 2-12 chars of a-z 0-9").optional()),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,40}$/, "must be 1-40 chars of A-Z a-z 0-9 : _ -").default("vpsbot"),
  ORDER_PAYMENT_TTL_HOURS: positiveInt.default(24),
  /** How old a Mini App launch (initData auth_date) may be when it opens a session. */
  MINIAPP_INITDATA_MAX_AGE_S: positiveInt.default(3600),
  /** Reseller webhooks (shop/events/): "true" lets URLs be plain http and point at loopback/private hosts (tests, local development only). */
  WEBHOOK_ALLOW_PRIVATE: bool,
  /** Per webhook request, connection to last byte of the answer's headers. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number({ error: "must be a whole number of milliseconds (1000-60000)" }).int().min(1_000, "must be at least 1000 (ms)").max(60_000, "must be at most 60000 (ms)").default(10_000),
  SCREENSHOT_RETENTION_DAYS: positiveInt.default(30),
  BOT_RATE_LIMIT_PER_10S: positiveInt.default(15),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
  PROVISION_DEADLINE_MINUTES: positiveInt.default(10),
  /**
   * BullMQ lock of a provisioning job: after a worker dies (kill -9) its job is picked up by
   * another worker only once this lock has expired. Production keeps 2 minutes; tests shorten it.
   */
  PROVISION_JOB_LOCK_MS: z.coerce.number({ error: "must be a whole number of milliseconds (at least 1000)" }).int().min(1_000, "must be at least 1000 (ms)").default(120_000),
  /**
   * How often a provisioning job asks the cloud whether the new server is up (ms). Production
   * keeps 3 s (well inside every provider's rate limit); tests and benchmarks shorten it.
   */
  PROVISION_POLL_MS: z.coerce.number({ error: "must be a whole number of milliseconds (at least 10)" }).int().min(10, "must be at least 10 (ms)").default(3_000),
  CREDENTIALS_MESSAGE_TTL_MINUTES: positiveInt.default(30),
  EXPIRY_REMINDER_DAYS: z
    .string()
    .default("7,3,1")
    .refine((v) => /^\d{1,3}(,\d{1,3})*$/.test(v.replace(/\s/g, "")), "must be comma-separated whole days, e.g. 7,3,1")
    .transform((v) => [...new Set(v.replace(/\s/g, "").split(",").map(Number))].sort((a, b) => b - a)),
  GRACE_DAYS: z.coerce.number({ error: "must be a whole number of days" }).int().min(0).default(2),
  DELETE_AFTER_DAYS: positiveInt.default(7),
  // Pending queue (shop/pending/): two-person rule above this amount (0 = off), overdue reminders.
  APPROVAL_SECOND_STAFF_ABOVE_IDR: keepCount.default(0),
  PENDING_REMIND_AFTER_MINUTES: positiveInt.default(30),
  PENDING_REMIND_EVERY_MINUTES: positiveInt.default(60),
  // Broadcasts (shop/broadcasts/): Telegram's bulk limit (~30/s; the limiter keeps to it with a 25 ms margin per second), paid mode's limit, parallel requests, progress edits, run lock.
  BROADCAST_RATE_PER_SECOND: z.coerce.number({ error: "must be a number of messages per second" }).positive().max(1000).default(30),
  BROADCAST_PAID_RATE_PER_SECOND: z.coerce.number({ error: "must be a number of messages per second" }).positive().max(1000).default(1000),
  /**
   * Queues this host's worker takes: `all` (default), names, or `-name` to leave one out (e.g.
   * `all,-backups,-screenshot-purge` on every host but the one whose BACKUP_DIR holds the backups and
   * their drills, and whose DATA_DIR any screenshot files from before they moved into Postgres).
   */
  WORKER_QUEUES: z
    .string()
    .default("all")
    .transform((v) => v.split(",").map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((q) => /^(all|-?[a-z][a-z-]{0,40})$/.test(q)), "must be a comma list of queue names, `all`, or `-name` to leave one out (e.g. all,-backups)"),
  BROADCAST_CONCURRENCY: z.coerce.number({ error: "must be a whole number" }).int().min(1).max(64).default(8),
  BROADCAST_PROGRESS_EVERY_MS: z.coerce.number({ error: "must be a whole number of milliseconds" }).int().min(500).default(5_000),
  BROADCAST_JOB_LOCK_MS: z.coerce.number({ error: "must be a whole number of milliseconds" }).int().min(2_000).default(15_000),
  // Backups (shop/backup/): the owner's public key, where parts are kept and sent, retention, optional S3 copy.
  BACKUP_PUBLIC_KEY: backupKey.optional(),
  /** Only on a host the owner set up for drills: the server proper never holds it (ops/RUNBOOK.md). */
  BACKUP_SECRET_KEY: backupKey.optional(),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_PART_MB: z.coerce.number({ error: "must be whole MiB 1-45" }).int("must be whole MiB 1-45").min(1, "must be whole MiB 1-45").max(45, "must be whole MiB 1-45").default(19),
  BACKUP_KEEP_DAILY: keepCount.default(7),
  BACKUP_KEEP_WEEKLY: keepCount.default(4),
  BACKUP_KEEP_MONTHLY: keepCount.default(6),
  // When the scheduler runs the backup and the restore drill (Asia/Jakarta), and how old a good one may get before the dead-man alert.
  BACKUP_CRON: cronExpression.default("30 2 * * *"),
  BACKUP_DRILL_CRON: cronExpression.default("30 3 * * *"),
  BACKUP_STALE_HOURS: positiveInt.default(26),
  S3_ENDPOINT: url.optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: optionalSecret,
  S3_SECRET_ACCESS_KEY: optionalSecret,
  S3_PREFIX: z.string().default(""),
  // Monitoring: metrics listeners of the roles without the web server, and Sentry (ops/monitoring/).
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  METRICS_PORT_BOT: metricsPort.default(9101),
  METRICS_PORT_SCHEDULER: metricsPort.default(9102),
  METRICS_PORT_WORKER: metricsPort.default(9110),
  SENTRY_DSN: z.url({ protocol: /^https?$/, message: "must be a Sentry DSN like https://<key>@<host>/<project>" }).optional(),
  // Owner alerts (shop/alerts/): a second bot for alerts, rate limits, thresholds, secret rotation dates.
  ALERT_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "must look like 123456:ABC… (a second bot from @BotFather)").optional(),
  ALERT_REPEAT_MINUTES: positiveInt.default(60),
  ALERT_MAX_PER_HOUR: positiveInt.default(20),
  ALERT_DISK_FREE_PCT: positiveInt.max(99).default(10),
  ALERT_MEMORY_FREE_PCT: positiveInt.max(99).default(5),
  ALERT_DB_SIZE_MB: positiveInt.default(20_480),
  ALERT_QUEUE_AGE_MINUTES: positiveInt.default(15),
  /**
   * Scheduler: `task=cron` entries (";"-separated) replacing the table's expressions, e.g.
   * `order-expiry=0-59/5 * * * * *` (six fields: seconds first) for tests and drills. Unknown task
   * names stop the scheduler at start.
   */
  SCHEDULER_CRON_OVERRIDES: namedList((v) => cron.validate(v), "must be task=cron entries separated by ';', e.g. order-expiry=*/5 * * * * *"),
  /** The cloud APIs' shared budgets (shop/cloud/rate-gate.ts), overriding the vendors' documented ones. */
  CLOUD_RATE_LIMITS: cloudRateLimits,
  SECRETS_ROTATED_AT: z
    .string()
    .default("")
    .refine((v) => v.split(",").map((p) => p.trim()).filter(Boolean).every((p) => /^[A-Z][A-Z0-9_]*=\d{4}-\d{2}-\d{2}$/.test(p) && !Number.isNaN(Date.parse(p.split("=")[1]!))), "must be NAME=YYYY-MM-DD pairs, comma-separated (e.g. TELEGRAM_BOT_TOKEN=2026-09-01)")
    .transform((v) => Object.fromEntries(v.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split("=") as [string, string]))),
});

type Env = z.output<typeof envSchema>;

/** The validated, typed configuration every role receives. */
export interface Config {
  telegram: {
    token: string;
    apiRoot: string;
    mode: "polling" | "webhook";
    publicBaseUrl?: string;
    webhookSecret?: string;
  };
  ownerIds: number[];
  sellerIds: number[];
  databaseUrl: string;
  /** DATABASE_DIRECT_URL, else DATABASE_URL: for migrations (a session advisory lock) and pg_dump/pg_restore. */
  databaseDirectUrl: string;
  redisUrl: string;
  /** Where Redis is (jobs/redis.ts RedisTarget): `url` is REDIS_URL; the rest only with Sentinel or a private CA. */
  redis: { url: string; sentinels?: { host: string; port: number }[]; masterName?: string; sentinelPassword?: string; sentinelTls?: boolean; tlsCaFile?: string };
  http: { host: string; port: number; metricsToken?: string; trustedProxies: string[] };
  tripay?: { apiKey: string; privateKey: string; merchantCode: string; mode: "sandbox" | "production"; apiUrl: string };
  midtrans?: { serverKey: string; clientKey?: string; isProduction: boolean; apiUrl: string; snapUrl: string };
  providers: {
    digitalocean?: { token: string; apiUrl: string };
    vultr?: { token: string; apiUrl: string };
    linode?: { token: string; apiUrl: string };
  };
  encryptionKey: Uint8Array;
  dataDir: string;
  /** Shown on invoices. */
  shopName: string;
  /** Email copies: the SMTP server (with credentials, never logged) and the From address (default: the shop's name at the server's host). */
  email?: { smtpUrl: string; from: string };
  /** This installation's id in server tags (unset: the one made at first start, shop/provisioning/shop-id.ts). */
  shopId?: string;
  logLevel: Env["LOG_LEVEL"];
  queuePrefix: string;
  orderPaymentTtlHours: number;
  /** Mini App: the freshness window of a launch's initData, in seconds. */
  miniAppInitDataMaxAgeS: number;
  /** Reseller webhooks: `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) also allows plain http; `timeoutMs` per request. */
  webhooks: { allowPrivate: boolean; timeoutMs: number };
  screenshotRetentionDays: number;
  botRateLimitPer10s: number;
  shutdownTimeoutMs: number;
  /** `jobLockMs`: BullMQ lock of a provisioning job (how long a killed worker's job waits before another worker takes it). */
  provisioning: { deadlineMs: number; credentialsTtlMs: number; jobLockMs: number; /** PROVISION_POLL_MS */ pollIntervalMs: number };
  lifecycle: { reminderDays: number[]; graceDays: number; deleteAfterDays: number };
  /**
   * The pending queue: an approval of more than `secondStaffAboveIdr` rupiah needs a second, different
   * staff member (0 = never); an item waiting longer than `remindAfterMs` reminds the staff who can act
   * on it, again every `remindEveryMs`.
   */
  pending: { secondStaffAboveIdr: number; remindAfterMs: number; remindEveryMs: number };
  /** Broadcasts: messages per second (normal, and with allow_paid_broadcast), parallel requests, progress edit interval, job lock (a killed worker's run is taken over after it). */
  broadcast: { ratePerSecond: number; paidRatePerSecond: number; concurrency: number; progressEveryMs: number; jobLockMs: number };
  /** WORKER_QUEUES as written (resolved against the queue names by jobs/queues.ts selectQueues). */
  workerQueues: string[];
  /** Backups: `dir` holds the local copies (BACKUP_DIR, default DATA_DIR/../backups); `partBytes` from BACKUP_PART_MB. */
  backup: {
    publicKey?: Uint8Array;
    secretKey?: Uint8Array;
    dir: string;
    partBytes: number;
    keep: { daily: number; weekly: number; monthly: number };
    s3?: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; prefix: string };
  };
  /** When the daily backup and restore drill run (cron, Asia/Jakarta) and after how many hours without a good one the owner is alerted. */
  backupSchedule: { cron: string; drillCron: string; staleHours: number };
  /** SCHEDULER_CRON_OVERRIDES: task name → cron expression (five fields, or six with seconds first). */
  schedulerCronOverrides: Record<string, string>;
  /** CLOUD_RATE_LIMITS: per provider, the request windows replacing the vendor's documented ones. */
  cloudRateLimits: Partial<Record<"DIGITALOCEAN" | "VULTR" | "LINODE", { limit: number; windowMs: number }[]>>;
  /** Where the roles without the web server serve /metrics (ports: worker instances add NODE_APP_INSTANCE), and Sentry. */
  monitoring: { host: string; ports: { bot: number; worker: number; scheduler: number }; sentryDsn?: string };
  /** Owner alerts: see shop/alerts/ (`secretsRotatedAt`: secret name → YYYY-MM-DD of its last rotation). */
  alerts: { botToken?: string; repeatMinutes: number; maxPerHour: number; diskFreePct: number; memoryFreePct: number; dbSizeMb: number; queueAgeMinutes: number; secretsRotatedAt: Record<string, string> };
}

/** Thrown with one human line per bad variable; never contains a value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

function cleanEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  // Empty strings in .env files mean "not set", so defaults and optionality apply.
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    out[key] = value === undefined || value.trim() === "" ? undefined : value;
  }
  return out;
}

/** Parses and cross-checks the environment. Throws ConfigError; prints nothing. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = cleanEnv(env);
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0] ?? "environment");
    if (seen.has(name)) continue;
    seen.add(name);
    problems.push(`${name}: ${raw[name] === undefined ? "is required" : issue.message}`);
  }
  // Cross-variable rules read the raw values so every problem is reported in one go.
  const need = (name: string, why: string) => {
    if (raw[name] === undefined && !seen.has(name)) problems.push(`${name}: is required ${why}`);
  };
  if (raw.BOT_MODE === "webhook") {
    need("PUBLIC_BASE_URL", "when BOT_MODE=webhook");
    need("TELEGRAM_WEBHOOK_SECRET", "when BOT_MODE=webhook");
  }
  const tripayNames = ["TRIPAY_API_KEY", "TRIPAY_PRIVATE_KEY", "TRIPAY_MERCHANT_CODE"];
  const tripaySet = tripayNames.filter((n) => raw[n] !== undefined).length;
  if (tripaySet > 0) for (const n of tripayNames) need(n, "when any TRIPAY_* credential is set");
  if (raw.MIDTRANS_CLIENT_KEY !== undefined) need("MIDTRANS_SERVER_KEY", "when MIDTRANS_CLIENT_KEY is set");
  const s3Names = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];
  if (s3Names.some((n) => raw[n] !== undefined)) for (const n of s3Names) need(n, "when any of S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY is set");
  if (raw.DATABASE_URL !== undefined && viaPgBouncer(raw.DATABASE_URL)) need("DATABASE_DIRECT_URL", "when DATABASE_URL has pgbouncer=true (migrations and pg_dump need a direct connection)");
  if (raw.REDIS_SENTINEL_TLS !== undefined && bool.safeParse(raw.REDIS_SENTINEL_TLS).data === true && raw.REDIS_SENTINELS === undefined) need("REDIS_SENTINELS", "when REDIS_SENTINEL_TLS is set");
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;

  const tripayBase = e.TRIPAY_MODE === "production" ? "https://tripay.co.id/api" : "https://tripay.co.id/api-sandbox";
  return {
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
      mode: e.BOT_MODE,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ""),
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
    },
    ownerIds: e.OWNER_IDS,
    sellerIds: e.SELLER_IDS,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redis: {
      url: e.REDIS_URL,
      ...(e.REDIS_SENTINELS?.length
        ? { sentinels: e.REDIS_SENTINELS, masterName: e.REDIS_SENTINEL_MASTER, sentinelTls: e.REDIS_SENTINEL_TLS, ...(e.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: e.REDIS_SENTINEL_PASSWORD } : {}) }
        : {}),
      ...(e.REDIS_TLS_CA_FILE ? { tlsCaFile: e.REDIS_TLS_CA_FILE } : {}),
    },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT, trustedProxies: e.TRUSTED_PROXIES, ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}) },
    tripay:
      tripaySet === 3
        ? {
            apiKey: e.TRIPAY_API_KEY!,
            privateKey: e.TRIPAY_PRIVATE_KEY!,
            merchantCode: e.TRIPAY_MERCHANT_CODE!,
            mode: e.TRIPAY_MODE,
            apiUrl: (e.TRIPAY_API_URL ?? tripayBase).replace(/\/+$/, ""),
          }
        : undefined,
    midtrans: e.MIDTRANS_SERVER_KEY
      ? {
          serverKey: e.MIDTRANS_SERVER_KEY,
          clientKey: e.MIDTRANS_CLIENT_KEY,
          isProduction: e.MIDTRANS_IS_PRODUCTION,
          apiUrl: (e.MIDTRANS_API_URL ?? (e.MIDTRANS_IS_PRODUCTION ? "https://api.midtrans.com" : "https://api.sandbox.midtrans.com")).replace(/\/+$/, ""),
          snapUrl: (e.MIDTRANS_SNAP_URL ?? (e.MIDTRANS_IS_PRODUCTION ? "https://app.midtrans.com/snap/v1" : "https://app.sandbox.midtrans.com/snap/v1")).replace(/\/+$/, ""),
        }
      : undefined,
    providers: {
      digitalocean: e.DO_API_TOKEN ? { token: e.DO_API_TOKEN, apiUrl: e.DO_API_URL.replace(/\/+$/, "") } : undefined,
      vultr: e.VULTR_API_KEY ? { token: e.VULTR_API_KEY, apiUrl: e.VULTR_API_URL.replace(/\/+$/, "") } : undefined,
      linode: e.LINODE_API_TOKEN ? { token: e.LINODE_API_TOKEN, apiUrl: e.LINODE_API_URL.replace(/\/+$/, "") } : undefined,
    },
    encryptionKey: e.DATA_ENCRYPTION_KEY,
    dataDir: e.DATA_DIR,
    shopName: e.SHOP_NAME,
    ...(e.SMTP_URL ? { email: { smtpUrl: e.SMTP_URL, from: e.EMAIL_FROM ?? `"${e.SHOP_NAME}" <noreply@${new URL(e.SMTP_URL).hostname}>` } } : {}),
    ...(e.SHOP_ID ? { shopId: e.SHOP_ID } : {}),
    logLevel: e.LOG_LEVEL,
    queuePrefix: e.QUEUE_PREFIX,
    orderPaymentTtlHours: e.ORDER_PAYMENT_TTL_HOURS,
    miniAppInitDataMaxAgeS: e.MINIAPP_INITDATA_MAX_AGE_S,
    webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE, timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    screenshotRetentionDays: e.SCREENSHOT_RETENTION_DAYS,
    botRateLimitPer10s: e.BOT_RATE_LIMIT_PER_10S,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    provisioning: { deadlineMs: e.PROVISION_DEADLINE_MINUTES * 60_000, credentialsTtlMs: e.CREDENTIALS_MESSAGE_TTL_MINUTES * 60_000, jobLockMs: e.PROVISION_JOB_LOCK_MS, pollIntervalMs: e.PROVISION_POLL_MS },
    lifecycle: { reminderDays: e.EXPIRY_REMINDER_DAYS, graceDays: e.GRACE_DAYS, deleteAfterDays: e.DELETE_AFTER_DAYS },
    pending: { secondStaffAboveIdr: e.APPROVAL_SECOND_STAFF_ABOVE_IDR, remindAfterMs: e.PENDING_REMIND_AFTER_MINUTES * 60_000, remindEveryMs: e.PENDING_REMIND_EVERY_MINUTES * 60_000 },
    workerQueues: e.WORKER_QUEUES,
    broadcast: { ratePerSecond: e.BROADCAST_RATE_PER_SECOND, paidRatePerSecond: e.BROADCAST_PAID_RATE_PER_SECOND, concurrency: e.BROADCAST_CONCURRENCY, progressEveryMs: e.BROADCAST_PROGRESS_EVERY_MS, jobLockMs: e.BROADCAST_JOB_LOCK_MS },
    backup: {
      ...(e.BACKUP_PUBLIC_KEY ? { publicKey: e.BACKUP_PUBLIC_KEY } : {}),
      ...(e.BACKUP_SECRET_KEY ? { secretKey: e.BACKUP_SECRET_KEY } : {}),
      dir: e.BACKUP_DIR ?? path.join(path.dirname(path.resolve(e.DATA_DIR)), "backups"),
      partBytes: e.BACKUP_PART_MB * 1024 * 1024,
      keep: { daily: e.BACKUP_KEEP_DAILY, weekly: e.BACKUP_KEEP_WEEKLY, monthly: e.BACKUP_KEEP_MONTHLY },
      ...(e.S3_ENDPOINT && e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? { s3: { endpoint: e.S3_ENDPOINT.replace(/\/+$/, ""), bucket: e.S3_BUCKET, region: e.S3_REGION, accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY, prefix: e.S3_PREFIX } }
        : {}),
    },
    backupSchedule: { cron: e.BACKUP_CRON, drillCron: e.BACKUP_DRILL_CRON, staleHours: e.BACKUP_STALE_HOURS },
    schedulerCronOverrides: e.SCHEDULER_CRON_OVERRIDES,
    cloudRateLimits: e.CLOUD_RATE_LIMITS,
    monitoring: { host: e.METRICS_HOST, ports: { bot: e.METRICS_PORT_BOT, worker: e.METRICS_PORT_WORKER, scheduler: e.METRICS_PORT_SCHEDULER }, ...(e.SENTRY_DSN ? { sentryDsn: e.SENTRY_DSN } : {}) },
    alerts: {
      ...(e.ALERT_BOT_TOKEN ? { botToken: e.ALERT_BOT_TOKEN } : {}),
      repeatMinutes: e.ALERT_REPEAT_MINUTES,
      maxPerHour: e.ALERT_MAX_PER_HOUR,
      diskFreePct: e.ALERT_DISK_FREE_PCT,
      memoryFreePct: e.ALERT_MEMORY_FREE_PCT,
      dbSizeMb: e.ALERT_DB_SIZE_MB,
      queueAgeMinutes: e.ALERT_QUEUE_AGE_MINUTES,
      secretsRotatedAt: e.SECRETS_ROTATED_AT,
    },
  };
}

/** The exit code for a configuration error (EX_CONFIG); PM2 is told not to restart on it. */
export const CONFIG_EXIT_CODE = 78;
