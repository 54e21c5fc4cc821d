import { readFileSync } from "node:fs";
import path from "node:path";
import { fail, pass, warn, type DoctorCheck, type DoctorResult } from "./types.js";

/** Secrets this shop generates itself: they must be long and random. */
const OWN_SECRETS = ["DATA_ENCRYPTION_KEY", "TELEGRAM_WEBHOOK_SECRET", "METRICS_TOKEN"] as const;
/** Every secret in the environment: no two may be the same value. */
const ALL_SECRETS = [
  ...OWN_SECRETS,
  "TELEGRAM_BOT_TOKEN",
  "ALERT_BOT_TOKEN",
  "TRIPAY_API_KEY",
  "TRIPAY_PRIVATE_KEY",
  "MIDTRANS_SERVER_KEY",
  "DO_API_TOKEN",
  "VULTR_API_KEY",
  "LINODE_API_TOKEN",
  "S3_SECRET_ACCESS_KEY",
] as const;

const WEAK = /^(change-?me|secret|password|test|example|dev|demo|your[-_])/i;
/** 96 bits: a guess per nanosecond takes longer than the universe has existed. */
const MIN_BITS = 96;

/** Shannon estimate of a string's entropy in bits (per-character frequency × length): catches "aaaa…" and "0123…0123". */
export function entropyBits(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / value.length) * Math.log2(n / value.length);
  return perChar * value.length;
}

/** NAME=value lines of .env.example that carry a value (placeholders an operator may have copied). */
function placeholders(root: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of readFileSync(path.join(root, ".env.example"), "utf8").split("\n")) {
      const m = /^([A-Z0-9_]+)=(.+)$/.exec(line.trim());
      if (m) out.set(m[1]!, m[2]!.trim());
    }
  } catch {
    // No .env.example (an installed copy without it): nothing to compare with.
  }
  return out;
}

const GENERATE = "Generate one with: openssl rand -hex 32";

/** Strong and distinct secrets, the webhook secret, an https public URL, the metrics token. */
export const secretChecks: DoctorCheck = async ({ env, root, config }) => {
  const out: DoctorResult[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;
  const examples = placeholders(root);

  const weak: string[] = [];
  for (const name of ALL_SECRETS) {
    const v = value(name);
    if (!v) continue;
    if (examples.get(name) === v) weak.push(`${name} is the .env.example placeholder`);
    else if ((OWN_SECRETS as readonly string[]).includes(name) && (v.length < 24 || entropyBits(v) < MIN_BITS || WEAK.test(v))) weak.push(`${name} is too weak (${Math.round(entropyBits(v))} bits)`);
  }
  out.push(weak.length ? fail("strong secrets", weak.join("; "), `Replace each with a fresh random value. ${GENERATE}`) : pass("strong secrets", `${OWN_SECRETS.filter(value).length} generated secrets, each ≥ ${MIN_BITS} bits`));

  const byValue = new Map<string, string[]>();
  for (const name of ALL_SECRETS) {
    const v = value(name);
    if (v) byValue.set(v, [...(byValue.get(v) ?? []), name]);
  }
  const shared = [...byValue.values()].filter((names) => names.length > 1);
  out.push(shared.length ? fail("distinct secrets", shared.map((n) => `${n.join(" = ")}`).join("; "), "Give each secret its own value: one leaked secret must not open the others.") : pass("distinct secrets", "no two secrets are equal"));

  if (config.telegram.webhookSecret) out.push(pass("webhook secret", "TELEGRAM_WEBHOOK_SECRET is set"));
  else if (config.telegram.mode === "webhook") out.push(fail("webhook secret", "TELEGRAM_WEBHOOK_SECRET is not set", `Set it. ${GENERATE}`));
  else out.push(warn("webhook secret", "TELEGRAM_WEBHOOK_SECRET is not set (polling mode does not need it)", `Set it before switching to BOT_MODE=webhook. ${GENERATE}`));

  const base = config.telegram.publicBaseUrl;
  if (!base) out.push(fail("https public URL", "PUBLIC_BASE_URL is not set: gateway callbacks fall back to the dashboard URL", "Set PUBLIC_BASE_URL=https://your-domain behind the TLS reverse proxy (ops/caddy)."));
  else if (/^https:\/\/(localhost|127\.|\[::1\])/.test(base)) out.push(warn("https public URL", `${base} is not reachable from the internet`, "Use the shop's public https domain."));
  else out.push(pass("https public URL", base));

  out.push(
    config.http.metricsToken
      ? pass("metrics token", "METRICS_TOKEN is set: /metrics and /health/ready need it")
      : warn("metrics token", "METRICS_TOKEN is not set: metrics and readiness are off", `Set METRICS_TOKEN to let Prometheus scrape. ${GENERATE}`),
  );
  return out;
};
