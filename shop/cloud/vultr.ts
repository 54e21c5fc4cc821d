/**
 * Vultr instances (API v2, spec §4) behind our CloudProvider interface.
 *
 * - Base URL is VULTR_API_URL including /v2 (e.g. https://api.vultr.com/v2).
 * - `imageRef` is the Vultr `os_id` as a string ("1743"); it is sent as an integer.
 * - The root password is set by cloud-init (`user_data`, base64 cloud-config) from its SHA-512
 *   crypt hash, never the text (user_data is readable from inside the instance). Vultr's own
 *   `default_password` is random, only in the create response, and ignored here.
 * - No password-reset endpoint and no graceful shutdown (halt = hard power off): neither
 *   reset_password nor shutdown is in the capabilities. The console URL is the `kvm` field.
 * - createServer is a POST: never retried after a timeout or 5xx (the instance may exist);
 *   the caller recovers with findByTag. A 429 is retried.
 * - Status: pending → provisioning; active + server_status ok → running (power running) or
 *   off (power stopped); active while server_status is not ok (installing, booting, locked)
 *   → provisioning, even when power_status says stopped; suspended → off; resizing →
 *   provisioning. main_ip "0.0.0.0" means no IPv4 yet.
 */
import { z } from "zod";
import {
  CloudHttp,
  MAX_PAGES,
  TtlCache,
  assertRootPassword,
  hostnameLabel,
  rootPasswordCloudConfig,
  type CloudAdapterOptions,
  type CloudCredentials,
} from "./common.js";
import { CloudError, type CloudProvider, type CloudServer, type CreateServerInput, type ProviderCapabilities, type ServerAction, type ServerStatus } from "./provider.js";

const instanceSchema = z.object({
  id: z.string(),
  label: z.string().nullish(),
  hostname: z.string().nullish(),
  status: z.string(),
  power_status: z.string().nullish(),
  server_status: z.string().nullish(),
  main_ip: z.string().nullish(),
  v6_main_ip: z.string().nullish(),
  region: z.string().nullish(),
  plan: z.string().nullish(),
  os_id: z.number().nullish(),
  kvm: z.string().nullish(),
  date_created: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
});
type Instance = z.infer<typeof instanceSchema>;

const cursorMeta = { meta: z.object({ links: z.object({ next: z.string().nullish() }).nullish() }).nullish() };
const instanceListSchema = z.object({ instances: z.array(instanceSchema), ...cursorMeta });
const regionListSchema = z.object({
  regions: z.array(z.object({ id: z.string(), city: z.string().nullish(), country: z.string().nullish() })),
  ...cursorMeta,
});
const planListSchema = z.object({
  plans: z.array(
    z.object({ id: z.string(), vcpu_count: z.number(), ram: z.number(), disk: z.number(), locations: z.array(z.string()).default([]) }),
  ),
  ...cursorMeta,
});
const osListSchema = z.object({ os: z.array(z.object({ id: z.number(), name: z.string() })), ...cursorMeta });
const availabilitySchema = z.object({ available_plans: z.array(z.string()) });

/** Vultr error body: {error, status}. */
function vultrMessage(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const m = (data as { error?: unknown }).error;
  return typeof m === "string" && m ? m : undefined;
}

export function vultrStatus(i: Pick<Instance, "status" | "power_status" | "server_status">): ServerStatus {
  switch (i.status) {
    case "pending":
    case "resizing":
      return "provisioning";
    case "suspended":
      return "off";
    case "active":
      if (i.server_status !== "ok") return "provisioning";
      if (i.power_status === "running") return "running";
      if (i.power_status === "stopped") return "off";
      return "unknown";
    default:
      return "unknown";
  }
}

export class VultrProvider implements CloudProvider {
  readonly code = "VULTR" as const;
  readonly capabilities: ProviderCapabilities = {
    actions: ["reboot", "power_off", "power_on", "reinstall"],
    passwordResetNeedsOff: false,
    consoleUrl: true,
  };
  private readonly http: CloudHttp;
  private readonly cache: TtlCache;
  private readonly pageSize: number;

  constructor(cfg: CloudCredentials, opts: CloudAdapterOptions = {}) {
    this.http = new CloudHttp("VULTR", cfg, opts.fetchOptions, vultrMessage, opts.rateGate);
    this.cache = new TtlCache(opts.availabilityTtlMs ?? 60_000, opts.now);
    this.pageSize = Math.min(500, Math.max(1, opts.pageSize ?? 500));
  }

  async createServer(input: CreateServerInput): Promise<CloudServer> {
    const password = assertRootPassword(this.http, input.rootPassword);
    if (!/^\d{1,9}$/.test(input.imageRef)) throw this.http.error("invalid_request", `image "${input.imageRef}" is not a Vultr os_id (a number).`);
    const label = hostnameLabel(input.label, 255, true);
    const res = await this.http.call({
      method: "POST",
      path: "/instances",
      what: `create a ${input.sizeSlug} server in ${input.region}`,
      body: {
        region: input.region,
        plan: input.sizeSlug,
        os_id: Number(input.imageRef),
        label,
        hostname: hostnameLabel(input.label, 63),
        tags: [input.tag],
        user_data: Buffer.from(rootPasswordCloudConfig(password), "utf8").toString("base64"),
      },
      redact: [password],
    });
    // The create answer carries default_password; it is deliberately dropped here.
    return toServer(this.http.parse(z.object({ instance: instanceSchema }), res.data, "create the server").instance);
  }

  async getServer(id: string): Promise<CloudServer | null> {
    const i = await this.instance(id);
    return i ? toServer(i) : null;
  }

  async findByTag(tag: string): Promise<CloudServer[]> {
    const instances = await this.list(`/instances?tag=${encodeURIComponent(tag)}`, instanceListSchema, (p) => p.instances, `find servers tagged ${tag}`);
    return instances.filter((i) => (i.tags ?? []).includes(tag)).map(toServer);
  }

  /** GET /instances?label= (exact), all pages. */
  async findByLabel(label: string): Promise<CloudServer[]> {
    const wanted = hostnameLabel(label, 255, true);
    const instances = await this.list(`/instances?label=${encodeURIComponent(wanted)}`, instanceListSchema, (p) => p.instances, `find servers labelled ${wanted}`);
    return instances.filter((i) => i.label === wanted).map(toServer);
  }

  /** GET /instances, every page (`tag` matches one exact tag only), filtered by tag prefix here. */
  async listTagged(prefix: string): Promise<CloudServer[]> {
    const instances = await this.list("/instances", instanceListSchema, (p) => p.instances, `list servers tagged ${prefix}*`);
    return instances.filter((i) => (i.tags ?? []).some((t) => t.startsWith(prefix))).map(toServer);
  }

  /** Deleting an instance that is already gone counts as done. */
  async deleteServer(id: string): Promise<void> {
    if (!validId(id)) return;
    await this.http.call({ method: "DELETE", path: `/instances/${id}`, what: `delete server ${id}`, acceptStatus: [404] });
  }

  /**
   * reboot → /reboot, power_off → /halt (hard), power_on → /start, reinstall → /reinstall
   * (same OS; Vultr reinstalls the instance's current os_id). With `opts.rootPassword` the
   * instance's user_data is replaced first (PATCH) so cloud-init sets that password on the
   * fresh install. `opts.imageRef` other than the current OS is refused (changing OS is a
   * different Vultr operation).
   */
  async action(id: string, action: ServerAction, opts: { rootPassword?: string; imageRef?: string } = {}): Promise<void> {
    if (!this.capabilities.actions.includes(action)) {
      const why = action === "shutdown" ? "Vultr has no graceful shutdown; use power_off" : "Vultr has no password reset; reinstall sets a new password";
      throw this.http.error("invalid_request", `"${action}" is not available for Vultr servers (${why}).`);
    }
    if (!validId(id)) throw this.http.error("not_found", `server ${id} does not exist.`);
    if (action === "reinstall") {
      if (opts.imageRef !== undefined) {
        const current = await this.instance(id);
        if (!current) throw this.http.error("not_found", `server ${id} does not exist.`);
        if (String(current.os_id ?? "") !== opts.imageRef) {
          throw this.http.error("invalid_request", `reinstall keeps the current OS (${current.os_id ?? "unknown"}); changing it to ${opts.imageRef} is not supported.`);
        }
      }
      if (opts.rootPassword !== undefined) {
        const password = assertRootPassword(this.http, opts.rootPassword);
        await this.http.call({
          method: "PATCH",
          path: `/instances/${id}`,
          body: { user_data: Buffer.from(rootPasswordCloudConfig(password), "utf8").toString("base64") },
          what: `set the new root password of server ${id}`,
          redact: [password],
        });
      }
    }
    const endpoint = { reboot: "reboot", power_off: "halt", power_on: "start", reinstall: "reinstall" }[action as "reboot" | "power_off" | "power_on" | "reinstall"];
    await this.http.call({ method: "POST", path: `/instances/${id}/${endpoint}`, what: `${action.replace("_", " ")} server ${id}` });
  }

  async consoleUrl(id: string): Promise<string | null> {
    const i = await this.instance(id);
    if (!i) throw this.http.error("not_found", `server ${id} does not exist.`);
    return i.kvm ? i.kvm : null;
  }

  /** GET /regions/{region}/availability → available_plans; an unknown region is "not available". */
  async isAvailable(region: string, sizeSlug: string): Promise<boolean> {
    if (!/^[A-Za-z0-9-]{1,32}$/.test(region)) return false;
    const plans = await this.cache.get(`availability:${region}`, async () => {
      try {
        return (await this.http.getParsed(`/regions/${region}/availability`, availabilitySchema, `check availability in ${region}`)).available_plans;
      } catch (error) {
        if (error instanceof CloudError && (error.code === "not_found" || error.code === "invalid_request")) return [] as string[];
        throw error;
      }
    });
    return plans.includes(sizeSlug);
  }

  async listRegions(): Promise<Array<{ slug: string; name: string; available: boolean }>> {
    const regions = await this.cache.get("regions", () => this.list("/regions", regionListSchema, (p) => p.regions, "list regions"));
    return regions.map((r) => ({ slug: r.id, name: [r.city, r.country].filter(Boolean).join(", ") || r.id, available: true }));
  }

  async listSizes(): Promise<Array<{ slug: string; vcpus: number; memoryMb: number; diskGb: number; regions: string[] }>> {
    const plans = await this.cache.get("plans", () => this.list("/plans", planListSchema, (p) => p.plans, "list plans"));
    return plans.map((p) => ({ slug: p.id, vcpus: p.vcpu_count, memoryMb: p.ram, diskGb: p.disk, regions: [...p.locations] }));
  }

  async listImages(): Promise<Array<{ ref: string; name: string }>> {
    const os = await this.cache.get("os", () => this.list("/os", osListSchema, (p) => p.os, "list operating systems"));
    return os.map((o) => ({ ref: String(o.id), name: o.name }));
  }

  private async instance(id: string): Promise<Instance | null> {
    if (!validId(id)) return null;
    const res = await this.http.call({ path: `/instances/${id}`, what: `look up server ${id}`, acceptStatus: [404] });
    if (res.status === 404) return null;
    return this.http.parse(z.object({ instance: instanceSchema }), res.data, `look up server ${id}`).instance;
  }

  /** Follows Vultr's cursor pagination (`meta.links.next`, empty when done). */
  private async list<P extends { meta?: { links?: { next?: string | null } | null } | null }, I>(
    path: string,
    schema: z.ZodType<P>,
    items: (page: P) => I[],
    what: string,
  ): Promise<I[]> {
    const out: I[] = [];
    const sep = path.includes("?") ? "&" : "?";
    let cursor = "";
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.http.getParsed(`${path}${sep}per_page=${this.pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, schema, what);
      const got = items(data);
      out.push(...got);
      cursor = data.meta?.links?.next ?? "";
      if (!cursor || got.length === 0) break;
    }
    return out;
  }
}

/** Vultr ids are UUIDs; anything else cannot exist (and must not reach the URL path). */
function validId(id: string): boolean {
  return /^[A-Za-z0-9-]{1,64}$/.test(id);
}

function toServer(i: Instance): CloudServer {
  const ip = i.main_ip && i.main_ip !== "0.0.0.0" ? i.main_ip : null;
  const v6 = i.v6_main_ip && i.v6_main_ip !== "::" ? i.v6_main_ip : null;
  return {
    id: i.id,
    label: i.label || i.hostname || "",
    status: vultrStatus(i),
    ipv4: ip,
    ipv6: v6,
    region: i.region ?? "",
    sizeSlug: i.plan ?? "",
    imageRef: i.os_id != null ? String(i.os_id) : null,
    tags: [...(i.tags ?? [])],
    createdAt: i.date_created ?? null,
  };
}
