import type { ProviderCode } from "../../db/client.js";
import type { Locale } from "../messages/locale.js";

/**
 * Customer-facing names of the providers' region slugs ("sgp1" → "Singapura"), per provider
 * because each cloud spells its regions its own way. A slug not listed here is shown as is.
 */
type Names = Record<Locale, string>;

const SINGAPORE: Names = { id: "Singapura", en: "Singapore" };
const JAKARTA: Names = { id: "Jakarta", en: "Jakarta" };
const TOKYO: Names = { id: "Tokyo", en: "Tokyo" };
const OSAKA: Names = { id: "Osaka", en: "Osaka" };
const SEOUL: Names = { id: "Seoul", en: "Seoul" };
const MUMBAI: Names = { id: "Mumbai", en: "Mumbai" };
const BANGALORE: Names = { id: "Bangalore", en: "Bangalore" };
const SYDNEY: Names = { id: "Sydney", en: "Sydney" };
const MELBOURNE: Names = { id: "Melbourne", en: "Melbourne" };
const AMSTERDAM: Names = { id: "Amsterdam", en: "Amsterdam" };
const FRANKFURT: Names = { id: "Frankfurt", en: "Frankfurt" };
const LONDON: Names = { id: "London", en: "London" };
const PARIS: Names = { id: "Paris", en: "Paris" };
const TORONTO: Names = { id: "Toronto", en: "Toronto" };
const NEW_YORK: Names = { id: "New York", en: "New York" };
const NEW_JERSEY: Names = { id: "New Jersey", en: "New Jersey" };
const SAN_FRANCISCO: Names = { id: "San Francisco", en: "San Francisco" };
const LOS_ANGELES: Names = { id: "Los Angeles", en: "Los Angeles" };
const DALLAS: Names = { id: "Dallas", en: "Dallas" };
const ATLANTA: Names = { id: "Atlanta", en: "Atlanta" };
const CHICAGO: Names = { id: "Chicago", en: "Chicago" };
const SEATTLE: Names = { id: "Seattle", en: "Seattle" };
const MIAMI: Names = { id: "Miami", en: "Miami" };

const REGION_NAMES: Record<ProviderCode, Record<string, Names>> = {
  DIGITALOCEAN: {
    sgp1: SINGAPORE, blr1: BANGALORE, syd1: SYDNEY, nyc1: NEW_YORK, nyc2: NEW_YORK, nyc3: NEW_YORK, sfo2: SAN_FRANCISCO,
    sfo3: SAN_FRANCISCO, ams3: AMSTERDAM, fra1: FRANKFURT, lon1: LONDON, tor1: TORONTO, atl1: ATLANTA,
  },
  VULTR: {
    sgp: SINGAPORE, nrt: TOKYO, itm: OSAKA, icn: SEOUL, bom: MUMBAI, blr: BANGALORE, del: { id: "Delhi", en: "Delhi" },
    syd: SYDNEY, mel: MELBOURNE, ewr: NEW_JERSEY, ord: CHICAGO, dfw: DALLAS, lax: LOS_ANGELES, sea: SEATTLE, mia: MIAMI,
    atl: ATLANTA, sjc: { id: "Silicon Valley", en: "Silicon Valley" }, ams: AMSTERDAM, fra: FRANKFURT, lhr: LONDON, cdg: PARIS, yto: TORONTO,
  },
  LINODE: {
    "ap-south": SINGAPORE, "sg-sin-2": SINGAPORE, "id-cgk": JAKARTA, "ap-northeast": TOKYO, "jp-osa": OSAKA, "ap-west": MUMBAI,
    "in-maa": { id: "Chennai", en: "Chennai" }, "ap-southeast": SYDNEY, "au-mel": MELBOURNE, "eu-central": FRANKFURT,
    "eu-west": LONDON, "fr-par": PARIS, "nl-ams": AMSTERDAM, "ca-central": TORONTO, "us-east": NEW_JERSEY, "us-central": DALLAS,
    "us-west": { id: "Fremont", en: "Fremont" }, "us-southeast": ATLANTA, "us-ord": CHICAGO, "us-sea": SEATTLE, "us-mia": MIAMI, "us-lax": LOS_ANGELES,
  },
};

/** The region's name in `locale`, or the slug itself when the provider or slug is unknown. */
export function regionName(providerCode: string | null | undefined, slug: string, locale: Locale): string {
  const names = providerCode ? REGION_NAMES[providerCode as ProviderCode]?.[slug] : undefined;
  return names?.[locale] ?? slug;
}
