/**
 * DigitalOcean droplets (API v2, spec §3) behind our CloudProvider interface.
 *
 * - Base URL is DO_API_URL without /v2 (e.g. https://api.digitalocean.com); paths start with /v2.
 * - The root password is set by cloud-init (`user_data` cloud-config, not base64) from its
 *   SHA-512 crypt hash, never the text: user_data stays readable from inside the droplet
 *   (metadata service). DO's own password_reset emails the account owner, so reset_password is not
 *   offered to customers. Nor is reinstall: a rebuild cannot set a password we choose (see
 *   `capabilities`); the adapter performs it only when called without a password.
 * - createServer is a POST: never retried after a timeout or 5xx (the droplet may exist). On
 *   `timeout`/`unavailable` the caller must look for the order's tag with findByTag before
 *   creating again; a 429 is retried (DO refused it before acting).
 * - Status: new → provisioning, active → running, off → off, archive → deleting.
 *   `locked` (an action is running) is not a status of its own on DO; actions on a locked
 *   droplet fail with 422 "pending event", which we map to `conflict`.
 */
import { z } from "zod";
import {
  CloudHttp,
  MAX_PAGES,
  TtlCache,
  assertRootPassword,
  hostnameLabel,
  isNumericId,
  rootPasswordCloudConfig,
  type CloudAdapterOptions,
  type CloudCredentials,
} from "./common.js";
import type { CloudProvider, CloudServer, CreateServerInput, ProviderCapabilities, ServerAction, ServerStatus } from "./provider.js";

const networkSchema = z.object({ ip_address: z.string(), type: z.string().nullish() });
const dropletSchema = z.object({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  locked: z.boolean().nullish(),
  created_at: z.string().nullish(),
  networks: z
    .object({ v4: z.array(networkSchema).nullish(), v6: z.array(networkSchema).nullish() })
    .nullish(),
  region: z.object({ slug: z.string() }).nullish(),
  size_slug: z.string().nullish(),
  size: z.object({ slug: z.string() }).nullish(),
  image: z.object({ id: z.number().nullish(), slug: z.string().nullish() }).nullish(),
  tags: z.array(z.string()).nullish(),
});
type Droplet = z.infer<typeof dropletSchema>;

const pageMeta = {
  links: z.object({ pages: z.object({ next: z.string().nullish() }).nullish() }).nullish(),
  meta: z.object({ total: z.number().nullish() }).nullish(),
};
const dropletListSchema = z.object({ droplets: z.array(dropletSchema), ...pageMeta });
const sizeSchema = z.object({
  slug: z.string(),
  vcpus: z.number(),
  memory: z.number(),
  disk: z.number(),
  regions: z.array(z.string()).default([]),
  available: z.boolean().default(true),
});
const sizeListSchema = z.object({ sizes: z.array(sizeSchema), ...pageMeta });
const regionListSchema = z.object({
  regions: z.array(z.object({ slug: z.string(), name: z.string(), available: z.boolean().default(true) })),
  ...pageMeta,
});
const imageListSchema = z.object({
  images: z.array(z.object({ id: z.number(), slug: z.string().nullish(), name: z.string(), distribution: z.string().nullish() })),
  ...pageMeta,
});

const STATUS: Record<string, ServerStatus> = { new: "provisioning", active: "running", off: "off", archive: "deleting" };

/** DO error body: {id, message, request_id?}. */
function doMessage(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  const m = (data as { message?: unknown }).message;
  return typeof m === "string" && m ? m : undefined;
}

export class DigitalOceanProvider implements CloudProvider {
  readonly code = "DIGITALOCEAN" as const;
  /**
   * Customer actions. Not reset_password (DO emails the new password to the account owner)
   * and not reinstall: a DO rebuild cannot take a root password we choose (user_data is fixed
   * at create), while our VPS flow gives the customer a fresh password on reinstall. The
   * adapter still rebuilds when asked without a password (`action(id, "reinstall")`).
   */
  readonly capabilities: ProviderCapabilities = {
    actions: ["reboot", "power_off", "power_on", "shutdown"],
    passwordResetNeedsOff: false,
    consoleUrl: false,
  };
  private readonly http: CloudHttp;
  private readonly cache: TtlCache;
  private readonly pageSize: number;

  constructor(cfg: CloudCredentials, opts: CloudAdapterOptions = {}) {
    this.http = new CloudHttp("DIGITALOCEAN", cfg, opts.fetchOptions, doMessage, opts.rateGate);
    this.cache = new TtlCache(opts.availabilityTtlMs ?? 60_000, opts.now);
    this.pageSize = Math.min(200, Math.max(1, opts.pageSize ?? 200));
  }

  async createServer(input: CreateServerInput): Promise<CloudServer> {
    const password = assertRootPassword(this.http, input.rootPassword);
    const res = await this.http.call({
      method: "POST",
      path: "/v2/droplets",
      what: `create a ${input.sizeSlug} server in ${input.region}`,
      body: {
        name: hostnameLabel(input.label, 255, true),
        region: input.region,
        size: input.sizeSlug,
        image: /^\d+$/.test(input.imageRef) ? Number(input.imageRef) : input.imageRef,
        tags: [input.tag],
        user_data: rootPasswordCloudConfig(password),
      },
      redact: [password],
    });
    const { droplet } = this.http.parse(z.object({ droplet: dropletSchema }), res.data, "create the server");
    return toServer(droplet);
  }

  async getServer(id: string): Promise<CloudServer | null> {
    if (!isNumericId(id)) return null;
    const res = await this.http.call({ path: `/v2/droplets/${id}`, what: `look up server ${id}`, acceptStatus: [404] });
    if (res.status === 404) return null;
    return toServer(this.http.parse(z.object({ droplet: dropletSchema }), res.data, `look up server ${id}`).droplet);
  }

  async findByTag(tag: string): Promise<CloudServer[]> {
    const droplets = await this.list(`/v2/droplets?tag_name=${encodeURIComponent(tag)}`, dropletListSchema, (p) => p.droplets, `find servers tagged ${tag}`);
    return droplets.filter((d) => (d.tags ?? []).includes(tag)).map(toServer);
  }

  /** GET /v2/droplets?name= (exact, case-insensitive on DO's side), all pages. */
  async findByLabel(label: string): Promise<CloudServer[]> {
    const name = hostnameLabel(label, 255, true);
    const droplets = await this.list(`/v2/droplets?name=${encodeURIComponent(name)}`, dropletListSchema, (p) => p.droplets, `find servers named ${name}`);
    return droplets.filter((d) => d.name.toLowerCase() === name.toLowerCase()).map(toServer);
  }

  /** GET /v2/droplets, every page (tag_name matches one exact tag only), filtered by tag prefix here. */
  async listTagged(prefix: string): Promise<CloudServer[]> {
    const droplets = await this.list("/v2/droplets", dropletListSchema, (p) => p.droplets, `list servers tagged ${prefix}*`);
    return droplets.filter((d) => (d.tags ?? []).some((t) => t.startsWith(prefix))).map(toServer);
  }

  /** Deleting a droplet that is already gone counts as done. */
  async deleteServer(id: string): Promise<void> {
    if (!isNumericId(id)) return;
    await this.http.call({ method: "DELETE", path: `/v2/droplets/${id}`, what: `delete server ${id}`, acceptStatus: [404] });
  }

  /**
   * reboot/power_off/power_on/shutdown → POST /v2/droplets/{id}/actions {type}; reinstall →
   * {type: "rebuild", image} (opts.imageRef, else the droplet's current image; DO only
   * rebuilds within the same OS family). DO takes no password on rebuild and user_data cannot
   * be changed after create, so a reinstall with `opts.rootPassword` is refused
   * (invalid_request) rather than silently ignored; without it, the create-time cloud-config
   * is expected to set the original password again on the fresh disk [UNCONFIRMED].
   */
  async action(id: string, action: ServerAction, opts: { rootPassword?: string; imageRef?: string } = {}): Promise<void> {
    if (!this.capabilities.actions.includes(action) && action !== "reinstall") {
      throw this.http.error("invalid_request", `"${action}" is not available for DigitalOcean servers (DigitalOcean emails a reset password to the account owner).`);
    }
    if (!isNumericId(id)) throw this.http.error("not_found", `server ${id} does not exist.`);
    let body: Record<string, unknown>;
    if (action === "reinstall") {
      if (opts.rootPassword !== undefined) {
        throw this.http.error("invalid_request", "a rebuild cannot set a new root password (DigitalOcean takes none and user_data is fixed at create).");
      }
      let image: string | number | null | undefined = opts.imageRef;
      if (!image) {
        const current = await this.getServer(id);
        if (!current) throw this.http.error("not_found", `server ${id} does not exist.`);
        image = current.imageRef;
        if (!image) throw this.http.error("invalid_request", `server ${id} has no image to reinstall; pass an image.`);
      }
      body = { type: "rebuild", image: /^\d+$/.test(String(image)) ? Number(image) : image };
    } else {
      body = { type: action };
    }
    await this.http.call({ method: "POST", path: `/v2/droplets/${id}/actions`, body, what: `${action.replace("_", " ")} server ${id}` });
  }

  /** DigitalOcean's web console needs a logged-in browser session: no URL to hand out. */
  async consoleUrl(_id: string): Promise<string | null> {
    return null;
  }

  async isAvailable(region: string, sizeSlug: string): Promise<boolean> {
    const size = (await this.sizes()).find((s) => s.slug === sizeSlug);
    return Boolean(size && size.available && size.regions.includes(region));
  }

  async listRegions(): Promise<Array<{ slug: string; name: string; available: boolean }>> {
    const regions = await this.cache.get("regions", () => this.list("/v2/regions", regionListSchema, (p) => p.regions, "list regions"));
    return regions.map((r) => ({ slug: r.slug, name: r.name, available: r.available }));
  }

  async listSizes(): Promise<Array<{ slug: string; vcpus: number; memoryMb: number; diskGb: number; regions: string[] }>> {
    return (await this.sizes()).map((s) => ({ slug: s.slug, vcpus: s.vcpus, memoryMb: s.memory, diskGb: s.disk, regions: s.available ? [...s.regions] : [] }));
  }

  async listImages(): Promise<Array<{ ref: string; name: string }>> {
    const images = await this.cache.get("images", () => this.list("/v2/images?type=distribution", imageListSchema, (p) => p.images, "list images"));
    return images.map((i) => ({ ref: i.slug ?? String(i.id), name: i.distribution ? `${i.distribution} ${i.name}` : i.name }));
  }

  private sizes() {
    return this.cache.get("sizes", () => this.list("/v2/sizes", sizeListSchema, (p) => p.sizes, "list sizes"));
  }

  /** Follows DO's page/per_page pagination while `links.pages.next` is present. */
  private async list<P extends { links?: { pages?: { next?: string | null } | null } | null }, I>(
    path: string,
    schema: z.ZodType<P>,
    items: (page: P) => I[],
    what: string,
  ): Promise<I[]> {
    const out: I[] = [];
    const sep = path.includes("?") ? "&" : "?";
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.http.getParsed(`${path}${sep}page=${page}&per_page=${this.pageSize}`, schema, what);
      const got = items(data);
      out.push(...got);
      if (!data.links?.pages?.next || got.length === 0) break;
    }
    return out;
  }
}

function toServer(d: Droplet): CloudServer {
  const v4 = d.networks?.v4 ?? [];
  const v6 = d.networks?.v6 ?? [];
  return {
    id: String(d.id),
    label: d.name,
    status: STATUS[d.status] ?? "unknown",
    ipv4: v4.find((n) => n.type === "public")?.ip_address ?? null,
    ipv6: v6.find((n) => n.type === "public")?.ip_address ?? null,
    region: d.region?.slug ?? "",
    sizeSlug: d.size_slug ?? d.size?.slug ?? "",
    imageRef: d.image?.slug ?? (d.image?.id != null ? String(d.image.id) : null),
    tags: [...(d.tags ?? [])],
    createdAt: d.created_at ?? null,
  };
}
