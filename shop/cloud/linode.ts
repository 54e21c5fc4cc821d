/**
 * Linode (Akamai) instances (API v4, spec §5) behind our CloudProvider interface.
 *
 * - Base URL is LINODE_API_URL including /v4 (e.g. https://api.linode.com/v4).
 * - The root password goes in `root_pass`, which the API requires when deploying an image and
 *   Linode's own provisioning writes to the disk; it is not served to the VPS by a metadata
 *   service. So no cloud-init user_data is sent (it would only be a second copy); `booted: true`.
 * - Labels must be 3–64 chars, start with a letter, use letters/digits/'-'/'_' and contain
 *   no "--" or "__"; ours are rewritten to fit (see linodeLabel). Linode labels are unique
 *   per account, which our per-order labels are.
 * - reset_password → POST /password, which only works while the Linode is shut down:
 *   capabilities.passwordResetNeedsOff = true and the adapter refuses with `conflict`
 *   before calling the API when the server is not off. reinstall → /rebuild {image, root_pass}.
 * - createServer is a POST: never retried after a timeout or 5xx (the Linode may exist);
 *   the caller recovers with findByTag. A 429 is retried.
 * - Status: provisioning/booting/rebuilding/cloning/restoring/migrating/resizing →
 *   provisioning, running → running, offline/stopped/shutting_down → off, rebooting →
 *   rebooting, deleting → deleting. IPv4 = first public address in `ipv4` (the array also
 *   holds private 192.168.x addresses).
 */
import { z } from "zod";
import {
  CloudHttp,
  MAX_PAGES,
  TtlCache,
  assertRootPassword,
  isNumericId,
  isPrivateIpv4,
  type CloudAdapterOptions,
  type CloudCredentials,
} from "./common.js";
import { CloudError, type CloudProvider, type CloudServer, type CreateServerInput, type ProviderCapabilities, type ServerAction, type ServerStatus } from "./provider.js";

const linodeSchema = z.object({
  id: z.number(),
  label: z.string(),
  status: z.string(),
  region: z.string().nullish(),
  type: z.string().nullish(),
  image: z.string().nullish(),
  ipv4: z.array(z.string()).nullish(),
  ipv6: z.string().nullish(),
  created: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
});
type Linode = z.infer<typeof linodeSchema>;

const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), page: z.number().default(1), pages: z.number().default(1) });
const linodePage = page(linodeSchema);
const regionPage = page(z.object({ id: z.string(), label: z.string().nullish(), country: z.string().nullish(), status: z.string().default("ok") }));
const typePage = page(z.object({ id: z.string(), vcpus: z.number(), memory: z.number(), disk: z.number() }));
const imagePage = page(
  z.object({ id: z.string(), label: z.string(), is_public: z.boolean().nullish(), deprecated: z.boolean().nullish() }),
);
const availabilitySchema = z.array(z.object({ region: z.string().nullish(), plan: z.string(), available: z.boolean() }));

const STATUS: Record<string, ServerStatus> = {
  provisioning: "provisioning",
  booting: "provisioning",
  rebuilding: "provisioning",
  cloning: "provisioning",
  restoring: "provisioning",
  migrating: "provisioning",
  resizing: "provisioning",
  running: "running",
  offline: "off",
  stopped: "off",
  shutting_down: "off",
  rebooting: "rebooting",
  deleting: "deleting",
};

/** Linode error body: {errors: [{reason, field?}]}. */
function linodeMessage(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const errors = (data as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  const parts = errors
    .filter((e): e is { reason: string; field?: unknown } => !!e && typeof e === "object" && typeof (e as { reason?: unknown }).reason === "string")
    .map((e) => (typeof e.field === "string" && e.field ? `${e.field}: ${e.reason}` : e.reason));
  return parts.length ? parts.join("; ") : undefined;
}

/** Rewrites a label to Linode's rules: 3–64 chars, leading letter, [A-Za-z0-9_-], no "--"/"__", alphanumeric end. */
export function linodeLabel(label: string): string {
  let l = label
    .trim()
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/([-_])[-_]+/g, "$1")
    .replace(/^[^A-Za-z]+/, "")
    .slice(0, 64)
    .replace(/[-_]+$/, "");
  if (l.length < 3) l = `vps-${l}`.replace(/[-_]+$/, "");
  return l;
}

export class LinodeProvider implements CloudProvider {
  readonly code = "LINODE" as const;
  readonly capabilities: ProviderCapabilities = {
    actions: ["reboot", "power_off", "power_on", "shutdown", "reset_password", "reinstall"],
    passwordResetNeedsOff: true,
    consoleUrl: false,
  };
  private readonly http: CloudHttp;
  private readonly cache: TtlCache;
  private readonly pageSize: number;

  constructor(cfg: CloudCredentials, opts: CloudAdapterOptions = {}) {
    this.http = new CloudHttp("LINODE", cfg, opts.fetchOptions, linodeMessage, opts.rateGate);
    this.cache = new TtlCache(opts.availabilityTtlMs ?? 60_000, opts.now);
    // Linode accepts page_size 25–500; smaller values are only for tests against the fake.
    this.pageSize = Math.min(500, Math.max(1, opts.pageSize ?? 500));
  }

  async createServer(input: CreateServerInput): Promise<CloudServer> {
    const password = assertRootPassword(this.http, input.rootPassword);
    const res = await this.http.call({
      method: "POST",
      path: "/linode/instances",
      what: `create a ${input.sizeSlug} server in ${input.region}`,
      body: {
        label: linodeLabel(input.label),
        region: input.region,
        type: input.sizeSlug,
        image: input.imageRef,
        root_pass: password,
        tags: [input.tag],
        booted: true,
      },
      redact: [password],
    });
    return toServer(this.http.parse(linodeSchema, res.data, "create the server"));
  }

  async getServer(id: string): Promise<CloudServer | null> {
    const l = await this.linode(id);
    return l ? toServer(l) : null;
  }

  /** GET /linode/instances with X-Filter {"tags": tag}, all pages; re-checked client side. */
  async findByTag(tag: string): Promise<CloudServer[]> {
    const filter = JSON.stringify({ tags: tag });
    const linodes = await this.list("/linode/instances", linodePage, `find servers tagged ${tag}`, { "x-filter": filter });
    return linodes.filter((l) => (l.tags ?? []).includes(tag)).map(toServer);
  }

  /** GET /linode/instances with X-Filter {"label": label} (labels are unique per account). */
  async findByLabel(label: string): Promise<CloudServer[]> {
    const wanted = linodeLabel(label);
    const linodes = await this.list("/linode/instances", linodePage, `find servers labelled ${wanted}`, { "x-filter": JSON.stringify({ label: wanted }) });
    return linodes.filter((l) => l.label === wanted).map(toServer);
  }

  /** GET /linode/instances, every page, filtered by tag prefix here. */
  async listTagged(prefix: string): Promise<CloudServer[]> {
    const linodes = await this.list("/linode/instances", linodePage, `list servers tagged ${prefix}*`);
    return linodes.filter((l) => (l.tags ?? []).some((t) => t.startsWith(prefix))).map(toServer);
  }

  /** Deleting a Linode that is already gone counts as done. */
  async deleteServer(id: string): Promise<void> {
    if (!isNumericId(id)) return;
    await this.http.call({ method: "DELETE", path: `/linode/instances/${id}`, what: `delete server ${id}`, acceptStatus: [404] });
  }

  /**
   * reboot → /reboot, power_off and shutdown → /shutdown, power_on → /boot,
   * reset_password → /password {root_pass} (server must be off, else CloudError "conflict"),
   * reinstall → /rebuild {image (opts.imageRef or the current image), root_pass (required)}.
   */
  async action(id: string, action: ServerAction, opts: { rootPassword?: string; imageRef?: string } = {}): Promise<void> {
    if (!this.capabilities.actions.includes(action)) throw this.http.error("invalid_request", `"${action}" is not available for Linode servers.`);
    if (!isNumericId(id)) throw this.http.error("not_found", `server ${id} does not exist.`);
    const what = `${action.replace("_", " ")} server ${id}`;
    switch (action) {
      case "reboot":
      case "power_off":
      case "shutdown":
      case "power_on": {
        const endpoint = action === "reboot" ? "reboot" : action === "power_on" ? "boot" : "shutdown";
        await this.http.call({ method: "POST", path: `/linode/instances/${id}/${endpoint}`, body: {}, what });
        return;
      }
      case "reset_password": {
        const password = assertRootPassword(this.http, opts.rootPassword);
        const current = await this.linode(id);
        if (!current) throw this.http.error("not_found", `server ${id} does not exist.`);
        if (current.status !== "offline" && current.status !== "stopped") {
          throw new CloudError(
            "LINODE",
            "conflict",
            `Linode: the server must be turned off before its root password can be reset (it is ${current.status.replace("_", " ")}). Power it off, then try again.`,
            false,
          );
        }
        await this.http.call({ method: "POST", path: `/linode/instances/${id}/password`, body: { root_pass: password }, what, redact: [password] });
        return;
      }
      case "reinstall": {
        const password = assertRootPassword(this.http, opts.rootPassword);
        let image = opts.imageRef;
        if (!image) {
          const current = await this.linode(id);
          if (!current) throw this.http.error("not_found", `server ${id} does not exist.`);
          image = current.image ?? undefined;
          if (!image) throw this.http.error("invalid_request", `server ${id} has no image to reinstall; pass an image.`);
        }
        await this.http.call({ method: "POST", path: `/linode/instances/${id}/rebuild`, body: { image, root_pass: password, booted: true }, what, redact: [password] });
        return;
      }
    }
  }

  /** Linode's console (Lish/Glish) needs a Cloud Manager session: no URL to hand out. */
  async consoleUrl(_id: string): Promise<string | null> {
    return null;
  }

  /**
   * Region exists with status "ok", the type exists, and the region's availability list
   * (GET /regions/{id}/availability, which names plans that are limited) does not mark the
   * type unavailable.
   */
  async isAvailable(region: string, sizeSlug: string): Promise<boolean> {
    const [regions, types] = await Promise.all([this.regions(), this.types()]);
    const r = regions.find((x) => x.id === region);
    if (!r || r.status !== "ok" || !types.some((t) => t.id === sizeSlug)) return false;
    const limited = await this.cache.get(`availability:${region}`, async () => {
      try {
        const res = await this.http.call({ path: `/regions/${encodeURIComponent(region)}/availability`, what: `check availability in ${region}` });
        return this.http.parse(availabilitySchema, res.data, `check availability in ${region}`);
      } catch (error) {
        // Older API versions / regions without data: no per-plan limits known.
        if (error instanceof CloudError && (error.code === "not_found" || error.code === "invalid_request")) return [];
        throw error;
      }
    });
    return !limited.some((a) => a.plan === sizeSlug && !a.available);
  }

  async listRegions(): Promise<Array<{ slug: string; name: string; available: boolean }>> {
    return (await this.regions()).map((r) => ({ slug: r.id, name: r.label ?? r.id, available: r.status === "ok" }));
  }

  /** Linode types are sold in every region (disk is reported in MB). */
  async listSizes(): Promise<Array<{ slug: string; vcpus: number; memoryMb: number; diskGb: number; regions: string[] }>> {
    const [regions, types] = await Promise.all([this.regions(), this.types()]);
    const ok = regions.filter((r) => r.status === "ok").map((r) => r.id);
    return types.map((t) => ({ slug: t.id, vcpus: t.vcpus, memoryMb: t.memory, diskGb: Math.round(t.disk / 1024), regions: [...ok] }));
  }

  async listImages(): Promise<Array<{ ref: string; name: string }>> {
    const images = await this.cache.get("images", () => this.list("/images", imagePage, "list images"));
    return images.filter((i) => i.is_public !== false && i.deprecated !== true).map((i) => ({ ref: i.id, name: i.label }));
  }

  private regions() {
    return this.cache.get("regions", () => this.list("/regions", regionPage, "list regions"));
  }

  private types() {
    return this.cache.get("types", () => this.list("/linode/types", typePage, "list types"));
  }

  private async linode(id: string): Promise<Linode | null> {
    if (!isNumericId(id)) return null;
    const res = await this.http.call({ path: `/linode/instances/${id}`, what: `look up server ${id}`, acceptStatus: [404] });
    if (res.status === 404) return null;
    return this.http.parse(linodeSchema, res.data, `look up server ${id}`);
  }

  /** Follows Linode's page/pages pagination. */
  private async list<I>(path: string, schema: z.ZodType<{ data: I[]; page: number; pages: number }>, what: string, headers?: Record<string, string>): Promise<I[]> {
    const out: I[] = [];
    for (let n = 1; n <= MAX_PAGES; n++) {
      const data = await this.http.getParsed(`${path}?page=${n}&page_size=${this.pageSize}`, schema, what, headers);
      out.push(...data.data);
      if (data.page >= data.pages || data.data.length === 0) break;
    }
    return out;
  }
}

function toServer(l: Linode): CloudServer {
  const created = l.created ? (/[zZ]|[+-]\d\d:?\d\d$/.test(l.created) ? l.created : `${l.created}Z`) : null;
  return {
    id: String(l.id),
    label: l.label,
    status: STATUS[l.status] ?? "unknown",
    ipv4: (l.ipv4 ?? []).find((ip) => !isPrivateIpv4(ip)) ?? null,
    ipv6: l.ipv6 ? (l.ipv6.split("/")[0] ?? null) : null,
    region: l.region ?? "",
    sizeSlug: l.type ?? "",
    imageRef: l.image ?? null,
    tags: [...(l.tags ?? [])],
    createdAt: created,
  };
}
