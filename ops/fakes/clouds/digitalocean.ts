/**
 * A local fake of the DigitalOcean Droplets API (spec §3) for tests and the offline demo.
 * Set DO_API_URL to `fake.url` (no /v2: paths carry it) and DO_API_TOKEN to `fake.token`.
 *
 * Lifecycle: POST /v2/droplets answers 202 with status "new" and empty networks; the droplet
 * becomes "active" after bootDelayMs and gets its public IPv4 ipDelayMs later. Actions
 * (POST /v2/droplets/{id}/actions) lock the droplet for actionDelayMs ("in-progress" action);
 * another action meanwhile is refused with 422 "Droplet already has a pending event." —
 * power_off/shutdown end "off", power_on/reboot end "active", rebuild re-installs.
 * password_reset is accepted (DO would email the account owner) and changes nothing here.
 * Every response carries ratelimit-limit / ratelimit-remaining / ratelimit-reset.
 * Faults and inspection: see ./common.ts.
 */
import type { Context } from "hono";
import {
  FakeCloudCore,
  FakeHttpError,
  intParam,
  param,
  pageOf,
  rootPasswordOf,
  plan,
  settle,
  type FakeCloud,
  type FakeCloudOptions,
  type FakeCloudServer,
  type Timed,
  coreControls,
} from "./common.js";

export const FAKE_DO_TOKEN = "dop_v1_fake_digitalocean_token";

const REGIONS = [
  { slug: "sgp1", name: "Singapore 1" },
  { slug: "blr1", name: "Bangalore 1" },
  { slug: "syd1", name: "Sydney 1" },
  { slug: "nyc3", name: "New York 3" },
  { slug: "ams3", name: "Amsterdam 3" },
  { slug: "fra1", name: "Frankfurt 1" },
];
const SIZES = [
  { slug: "s-1vcpu-512mb-10gb", memory: 512, vcpus: 1, disk: 10, transfer: 0.5, price_monthly: 4 },
  { slug: "s-1vcpu-1gb", memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: 6 },
  { slug: "s-1vcpu-2gb", memory: 2048, vcpus: 1, disk: 50, transfer: 2, price_monthly: 12 },
  { slug: "s-2vcpu-2gb", memory: 2048, vcpus: 2, disk: 60, transfer: 3, price_monthly: 18 },
  { slug: "s-2vcpu-4gb", memory: 4096, vcpus: 2, disk: 80, transfer: 4, price_monthly: 24 },
  { slug: "s-4vcpu-8gb", memory: 8192, vcpus: 4, disk: 160, transfer: 5, price_monthly: 48 },
];
const IMAGES = [
  { id: 160_000_001, slug: "ubuntu-24-04-x64", name: "24.04 (LTS) x64", distribution: "Ubuntu" },
  { id: 160_000_002, slug: "ubuntu-22-04-x64", name: "22.04 (LTS) x64", distribution: "Ubuntu" },
  { id: 160_000_003, slug: "debian-12-x64", name: "12 x64", distribution: "Debian" },
  { id: 160_000_004, slug: "rockylinux-9-x64", name: "9 x64", distribution: "Rocky Linux" },
];
const NAME_RE = /^[a-zA-Z0-9]?[a-zA-Z0-9.-]*[a-zA-Z0-9]$/;
const TAG_RE = /^[a-zA-Z0-9_:-]{1,255}$/;
const ACTION_TYPES = new Set(["reboot", "power_cycle", "shutdown", "power_off", "power_on", "password_reset", "rebuild"]);

interface DoNetwork {
  ip_address: string;
  netmask: string;
  gateway: string;
  type: "public" | "private";
}

interface DoDropletRec extends Timed {
  id: number;
  name: string;
  status: "new" | "active" | "off" | "archive";
  locked: boolean;
  created_at: string;
  /** created_at in ms (the fake's clock). */
  createdMs: number;
  size: (typeof SIZES)[number];
  region: (typeof REGIONS)[number];
  image: (typeof IMAGES)[number];
  tags: string[];
  v4: DoNetwork[];
  v6: DoNetwork[];
  user_data: string | null;
  vpc_uuid: string;
}

interface DoActionRec {
  id: number;
  type: string;
  started_at: string;
  completesAt: number;
  resource_id: number;
  region_slug: string;
}

export interface FakeDigitalOcean extends FakeCloud {
  readonly name: "digitalocean";
  /** The droplets in DO's wire shape (after applying due transitions). */
  droplets(): Record<string, unknown>[];
}

export async function startFakeDigitalOcean(opts: FakeCloudOptions = {}): Promise<FakeDigitalOcean> {
  const hits: number[] = [];
  const core = new FakeCloudCore(
    {
      name: "digitalocean",
      apiBase: "",
      errorBody: (status, message) => ({ id: errorId(status), message, request_id: `fake-${Math.random().toString(16).slice(2, 10)}` }),
      defaultMessage: (status) =>
        status === 401
          ? "Unable to authenticate you."
          : status === 404
            ? "The resource you requested could not be found."
            : status === 429
              ? "API rate limit exceeded."
              : status >= 500
                ? "Server was unable to give you a response."
                : "The request could not be processed.",
      rateLimitHeaders: (now) => {
        // 5 000 per hour per token; each request has its own one-hour timer (spec §3.4).
        while (hits.length > 0 && (hits[0] as number) <= now - 3_600_000) hits.shift();
        hits.push(now);
        return {
          "ratelimit-limit": "5000",
          "ratelimit-remaining": String(Math.max(0, 5000 - hits.length)),
          "ratelimit-reset": String(Math.ceil(((hits[0] as number) + 3_600_000) / 1000)),
        };
      },
    },
    opts,
    FAKE_DO_TOKEN,
  );
  const { app } = core;
  const droplets = new Map<number, DoDropletRec>();
  const actions = new Map<number, DoActionRec>();
  let nextId = 410_000_000;
  let nextAction = 2_000_000_000;
  let ipSeq = 0;

  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const now = () => core.now();
  const live = (): DoDropletRec[] => {
    const t = now();
    for (const d of droplets.values()) {
      settle(d, t);
      if (d.locked && d.busyUntil <= t) d.locked = false;
    }
    return [...droplets.values()];
  };
  const find = (raw: string): DoDropletRec => {
    const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
    const d = droplets.get(id);
    if (!d) throw new FakeHttpError(404, "The resource you requested could not be found.");
    live();
    return d;
  };

  const assignIps = (d: DoDropletRec) => {
    ipSeq += 1;
    d.v4 = [
      { ip_address: `10.104.0.${(ipSeq % 250) + 2}`, netmask: "255.255.240.0", gateway: "", type: "private" },
      { ip_address: `203.0.113.${(ipSeq % 250) + 2}`, netmask: "255.255.240.0", gateway: "203.0.113.1", type: "public" },
    ];
    d.v6 = [{ ip_address: `2001:db8:10::${ipSeq.toString(16)}`, netmask: "64", gateway: "2001:db8:10::1", type: "public" }];
  };

  const sizeWire = (s: (typeof SIZES)[number]) => {
    const regions = REGIONS.map((r) => r.slug).filter((r) => !core.isSoldOut(r, s.slug));
    return {
      slug: s.slug,
      memory: s.memory,
      vcpus: s.vcpus,
      disk: s.disk,
      transfer: s.transfer,
      price_monthly: s.price_monthly,
      price_hourly: Math.round((s.price_monthly / 672) * 100000) / 100000,
      regions,
      available: regions.length > 0,
      description: "Basic",
    };
  };
  const regionWire = (r: (typeof REGIONS)[number]) => ({
    slug: r.slug,
    name: r.name,
    features: ["backups", "ipv6", "metadata", "install_agent", "storage"],
    available: true,
    sizes: SIZES.map((s) => s.slug).filter((s) => !core.isSoldOut(r.slug, s)),
  });
  const imageWire = (i: (typeof IMAGES)[number]) => ({
    id: i.id,
    name: i.name,
    distribution: i.distribution,
    slug: i.slug,
    public: true,
    regions: REGIONS.map((r) => r.slug),
    created_at: "2025-01-01T00:00:00Z",
    type: "base",
    min_disk_size: 7,
    size_gigabytes: 2.5,
    description: `${i.distribution} ${i.name}`,
    tags: [],
    status: "available",
  });
  const wire = (d: DoDropletRec) => ({
    id: d.id,
    name: d.name,
    memory: d.size.memory,
    vcpus: d.size.vcpus,
    disk: d.size.disk,
    locked: d.locked,
    status: d.status,
    kernel: null,
    created_at: d.created_at,
    features: ["droplet_agent", "private_networking"],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: imageWire(d.image),
    volume_ids: [],
    size: sizeWire(d.size),
    size_slug: d.size.slug,
    networks: { v4: d.v4.map((n) => ({ ...n })), v6: d.v6.map((n) => ({ ...n })) },
    region: regionWire(d.region),
    tags: [...d.tags],
    vpc_uuid: d.vpc_uuid,
  });
  const actionWire = (a: DoActionRec) => {
    const done = now() >= a.completesAt;
    return {
      id: a.id,
      status: done ? "completed" : "in-progress",
      type: a.type,
      started_at: a.started_at,
      completed_at: done ? iso(a.completesAt) : null,
      resource_id: a.resource_id,
      resource_type: "droplet",
      region: null,
      region_slug: a.region_slug,
    };
  };
  const newAction = (d: DoDropletRec, type: string, durationMs: number): DoActionRec => {
    nextAction += 1;
    const a: DoActionRec = { id: nextAction, type, started_at: iso(now()), completesAt: now() + durationMs, resource_id: d.id, region_slug: d.region.slug };
    actions.set(a.id, a);
    return a;
  };
  const paged = (c: Context, key: string, items: unknown[]) => {
    const perPage = intParam(c.req.query("per_page"), 20, 1, 200);
    const { items: pageItems, page, pages } = pageOf(items, intParam(c.req.query("page"), 1, 1, 1_000_000), perPage);
    const base = new URL(c.req.url);
    const at = (p: number) => {
      base.searchParams.set("page", String(p));
      base.searchParams.set("per_page", String(perPage));
      return base.toString();
    };
    const links: Record<string, string> = {};
    if (page > 1) Object.assign(links, { first: at(1), prev: at(page - 1) });
    if (page < pages) Object.assign(links, { next: at(page + 1), last: at(pages) });
    return c.json({ [key]: pageItems, links: Object.keys(links).length ? { pages: links } : {}, meta: { total: items.length } });
  };

  core.controlRoutes({ servers: () => view(), reset: () => reset() });
  app.use("/v2/*", core.guard);

  app.post(
    "/v2/droplets",
    core.handle(async (c) => {
      const b = await core.jsonBody(c);
      if (b.names !== undefined) throw new FakeHttpError(422, "This fake only supports single-droplet creation (name).");
      const name = b.name;
      if (typeof name !== "string" || name.length === 0 || name.length > 255 || !NAME_RE.test(name)) {
        throw new FakeHttpError(422, "Name is invalid: only letters, numbers, '.' and '-' are allowed.");
      }
      const size = SIZES.find((s) => s.slug === b.size);
      if (!size) throw new FakeHttpError(422, "You specified an invalid size for Droplet creation.");
      const region = REGIONS.find((r) => r.slug === b.region);
      if (!region) throw new FakeHttpError(422, "You specified an invalid region for Droplet creation.");
      const image = IMAGES.find((i) => i.slug === b.image || i.id === b.image);
      if (!image) throw new FakeHttpError(422, "You specified an invalid image for Droplet creation.");
      const tags = b.tags === undefined || b.tags === null ? [] : b.tags;
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string" && TAG_RE.test(t))) {
        throw new FakeHttpError(422, "Tags may contain letters, numbers, colons, dashes, and underscores (max 255).");
      }
      const userData = b.user_data;
      if (userData !== undefined && userData !== null && typeof userData !== "string") throw new FakeHttpError(422, "user_data must be a string.");
      if (typeof userData === "string" && Buffer.byteLength(userData) > 64 * 1024) throw new FakeHttpError(422, "user_data is limited to 64 KiB.");
      if (core.isSoldOut(region.slug, size.slug)) throw new FakeHttpError(422, "Size is not available in this region.");

      nextId += 1;
      const createdMs = now();
      const d: DoDropletRec = {
        id: nextId,
        name,
        status: "new",
        locked: false,
        created_at: iso(createdMs),
        createdMs,
        size,
        region,
        image,
        tags: [...new Set(tags as string[])],
        v4: [],
        v6: [],
        user_data: typeof userData === "string" ? userData : null,
        vpc_uuid: "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
        timeline: [],
        busyUntil: 0,
      };
      plan(
        d,
        createdMs,
        [
          [core.bootDelayMs, () => (d.status = "active")],
          [core.bootDelayMs + core.ipDelayMs, () => assignIps(d)],
        ],
        core.bootDelayMs,
      );
      droplets.set(d.id, d);
      const a = newAction(d, "create", core.bootDelayMs);
      return c.json({ droplet: wire(d), links: { actions: [{ id: a.id, rel: "create", href: `${core.origin}/v2/actions/${a.id}` }] } }, 202);
    }),
  );

  app.get(
    "/v2/droplets",
    core.handle((c) => {
      const tag = c.req.query("tag_name");
      // name: exact and case-insensitive, as DO documents it.
      const name = c.req.query("name")?.toLowerCase();
      const list = live()
        .filter((d) => core.listed(d.createdMs) && (!tag || d.tags.includes(tag)) && (!name || d.name.toLowerCase() === name))
        .sort((a, b) => a.id - b.id)
        .map(wire);
      return paged(c, "droplets", list);
    }),
  );

  app.get(
    "/v2/droplets/:id",
    core.handle((c) => c.json({ droplet: wire(find(param(c, "id"))) })),
  );

  app.delete(
    "/v2/droplets/:id",
    core.handle((c) => {
      const d = find(param(c, "id"));
      droplets.delete(d.id);
      return c.body(null, 204);
    }),
  );

  app.post(
    "/v2/droplets/:id/actions",
    core.handle(async (c) => {
      const d = find(param(c, "id"));
      const b = await core.jsonBody(c);
      const type = b.type;
      if (typeof type !== "string" || !ACTION_TYPES.has(type)) throw new FakeHttpError(422, "Action type is not valid.");
      const t = now();
      if (d.status === "new" || d.locked || d.busyUntil > t) throw new FakeHttpError(422, "Droplet already has a pending event.");
      const ms = core.actionDelayMs;
      const lock = (steps: Array<[number, () => void]>, busy: number) => {
        d.locked = true;
        plan(d, t, steps, busy);
      };
      let duration = ms;
      switch (type) {
        case "reboot":
        case "power_cycle":
          if (d.status !== "active") throw new FakeHttpError(422, "Droplet is currently off; use power_on.");
          lock([[ms, () => (d.status = "active")]], ms);
          break;
        case "shutdown":
        case "power_off":
          if (d.status === "off") throw new FakeHttpError(422, "Droplet is already powered off.");
          lock([[ms, () => (d.status = "off")]], ms);
          break;
        case "power_on":
          if (d.status === "active") throw new FakeHttpError(422, "Droplet is already powered on.");
          lock([[ms, () => (d.status = "active")]], ms);
          break;
        case "password_reset":
          // DigitalOcean emails a new password to the account owner; nothing to model here.
          lock([], ms);
          break;
        case "rebuild": {
          const image = IMAGES.find((i) => i.slug === b.image || i.id === b.image);
          if (!image) throw new FakeHttpError(422, "You specified an invalid image for the rebuild.");
          duration = core.bootDelayMs;
          lock(
            [
              [0, () => (d.status = "off")],
              [duration, () => {
                d.image = image;
                d.status = "active";
              }],
            ],
            duration,
          );
          break;
        }
      }
      const a = newAction(d, type, duration);
      return c.json({ action: actionWire(a) }, 201);
    }),
  );

  const actionById = (raw: string) => {
    const a = actions.get(Number(raw));
    if (!a) throw new FakeHttpError(404, "The resource you requested could not be found.");
    return a;
  };
  app.get("/v2/actions/:id", core.handle((c) => c.json({ action: actionWire(actionById(param(c, "id"))) })));
  app.get("/v2/droplets/:id/actions/:aid", core.handle((c) => c.json({ action: actionWire(actionById(param(c, "aid"))) })));
  app.get("/v2/sizes", core.handle((c) => paged(c, "sizes", SIZES.map(sizeWire))));
  app.get("/v2/regions", core.handle((c) => paged(c, "regions", REGIONS.map(regionWire))));
  app.get("/v2/images", core.handle((c) => paged(c, "images", IMAGES.map(imageWire))));
  app.notFound((c) => core.error(c, 404));

  const view = (): FakeCloudServer[] =>
    live().map((d) => ({
      id: String(d.id),
      label: d.name,
      tags: [...d.tags],
      status: d.status,
      region: d.region.slug,
      size: d.size.slug,
      image: d.image.slug,
      ipv4: d.v4.find((n) => n.type === "public")?.ip_address ?? null,
      ...rootPasswordOf(d.user_data),
      userData: d.user_data,
      createdAt: d.created_at,
      createdAtMs: d.createdMs,
    }));
  const reset = () => {
    droplets.clear();
    actions.clear();
    hits.length = 0;
    core.resetCore();
  };

  await core.start(opts);
  return {
    name: "digitalocean",
    ...coreControls(core),
    servers: view,
    droplets: () => live().map((d) => structuredClone(wire(d))),
    reset,
  };
}

function errorId(status: number): string {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 422) return "unprocessable_entity";
  if (status === 429) return "too_many_requests";
  if (status >= 500) return "server_error";
  return "bad_request";
}
