/**
 * A local fake of the Vultr v2 Instances API (spec §4) for tests and the offline demo.
 * Set VULTR_API_URL to `fake.url` (ends in /v2) and VULTR_API_KEY to `fake.token`.
 *
 * Lifecycle: POST /v2/instances answers 202 with status "pending", power_status "stopped",
 * server_status "none", main_ip "0.0.0.0" and a random `default_password` (only ever in this
 * answer). Half-way through bootDelayMs it is "active" but still installing (stopped,
 * "installingbooting"); at bootDelayMs it is running/ok; main_ip is assigned ipDelayMs later.
 * reboot/start go through "installingbooting" for actionDelayMs, halt stops at once,
 * reinstall re-installs (bootDelayMs). An action while the instance is busy is refused with
 * 400 "Server is currently locked". Errors are {error, status}. Vultr documents no rate-limit
 * headers, so none are sent (a 429 comes only from fail()).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Context } from "hono";
import {
  FakeCloudCore,
  FakeHttpError,
  intParam,
  param,
  rootPasswordOf,
  plan,
  settle,
  type FakeCloud,
  type FakeCloudOptions,
  type FakeCloudServer,
  type Timed,
  coreControls,
} from "./common.js";

export const FAKE_VULTR_TOKEN = "FAKEVULTRAPIKEY0123456789ABCDEFGHIJ";

const REGIONS = [
  { id: "sgp", city: "Singapore", country: "SG", continent: "Asia" },
  { id: "nrt", city: "Tokyo", country: "JP", continent: "Asia" },
  { id: "blr", city: "Bangalore", country: "IN", continent: "Asia" },
  { id: "syd", city: "Sydney", country: "AU", continent: "Australia" },
  { id: "ewr", city: "New Jersey", country: "US", continent: "North America" },
  { id: "ams", city: "Amsterdam", country: "NL", continent: "Europe" },
];
const PLANS = [
  { id: "vc2-1c-1gb", vcpu_count: 1, ram: 1024, disk: 25, bandwidth: 1024, monthly_cost: 5 },
  { id: "vc2-1c-2gb", vcpu_count: 1, ram: 2048, disk: 55, bandwidth: 2048, monthly_cost: 10 },
  { id: "vc2-2c-4gb", vcpu_count: 2, ram: 4096, disk: 80, bandwidth: 3072, monthly_cost: 20 },
  { id: "vc2-4c-8gb", vcpu_count: 4, ram: 8192, disk: 160, bandwidth: 4096, monthly_cost: 40 },
];
const OS = [
  { id: 2284, name: "Ubuntu 24.04 LTS x64", arch: "x64", family: "ubuntu" },
  { id: 1743, name: "Ubuntu 22.04 LTS x64", arch: "x64", family: "ubuntu" },
  { id: 2136, name: "Debian 12 x64 (bookworm)", arch: "x64", family: "debian" },
  { id: 1869, name: "Rocky Linux 9 x64", arch: "x64", family: "rockylinux" },
];
const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;

interface VultrRec extends Timed {
  id: string;
  label: string;
  hostname: string;
  status: "pending" | "active" | "suspended" | "resizing";
  power_status: "running" | "stopped";
  server_status: "none" | "locked" | "installingbooting" | "ok";
  main_ip: string;
  v6_main_ip: string;
  region: (typeof REGIONS)[number];
  plan: (typeof PLANS)[number];
  os: (typeof OS)[number];
  tags: string[];
  date_created: string;
  /** date_created in ms (the fake's clock). */
  createdMs: number;
  user_data: string | null;
  default_password: string;
  kvm: string;
}

export interface FakeVultr extends FakeCloud {
  readonly name: "vultr";
  /** Instances in Vultr's wire shape (without default_password). */
  instances(): Record<string, unknown>[];
}

export async function startFakeVultr(opts: FakeCloudOptions = {}): Promise<FakeVultr> {
  const core = new FakeCloudCore(
    {
      name: "vultr",
      apiBase: "/v2",
      errorBody: (status, message) => ({ error: message, status }),
      defaultMessage: (status) =>
        status === 401
          ? "Invalid API token."
          : status === 404
            ? "Not found."
            : status === 429
              ? "Rate limit reached - please try your request again later."
              : status >= 500
                ? "Internal server error."
                : "Invalid request.",
    },
    opts,
    FAKE_VULTR_TOKEN,
  );
  const { app } = core;
  const instances = new Map<string, VultrRec>();
  let ipSeq = 0;
  const now = () => core.now();
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
  const live = (): VultrRec[] => {
    const t = now();
    for (const i of instances.values()) settle(i, t);
    return [...instances.values()].sort((a, b) => a.date_created.localeCompare(b.date_created) || a.id.localeCompare(b.id));
  };
  const find = (id: string): VultrRec => {
    live();
    const i = instances.get(id);
    if (!i) throw new FakeHttpError(404, "Invalid instance-id.");
    return i;
  };
  const busy = (i: VultrRec) => i.busyUntil > now() || i.status !== "active";

  const wire = (i: VultrRec) => ({
    id: i.id,
    os: i.os.name,
    ram: i.plan.ram,
    disk: i.plan.disk,
    main_ip: i.main_ip,
    vcpu_count: i.plan.vcpu_count,
    region: i.region.id,
    plan: i.plan.id,
    date_created: i.date_created,
    status: i.status,
    allowed_bandwidth: i.plan.bandwidth,
    netmask_v4: i.main_ip === "0.0.0.0" ? "" : "255.255.254.0",
    gateway_v4: i.main_ip === "0.0.0.0" ? "0.0.0.0" : "198.51.100.1",
    power_status: i.power_status,
    server_status: i.server_status,
    v6_network: i.v6_main_ip ? "2001:db8:20::" : "",
    v6_main_ip: i.v6_main_ip,
    v6_network_size: i.v6_main_ip ? 64 : 0,
    label: i.label,
    internal_ip: "",
    kvm: i.kvm,
    hostname: i.hostname,
    tag: "",
    tags: [...i.tags],
    os_id: i.os.id,
    app_id: 0,
    image_id: "",
    snapshot_id: "",
    firewall_group_id: "",
    features: [],
    user_scheme: "root",
  });

  /** Vultr-style cursor pagination: per_page + opaque cursor, meta.links.next. */
  const paged = (c: Context, key: string, items: unknown[]) => {
    const perPage = intParam(c.req.query("per_page"), 100, 1, 500);
    const cursor = c.req.query("cursor");
    let offset = 0;
    if (cursor) {
      const decoded = Buffer.from(cursor, "base64").toString("utf8");
      const m = /^next__(\d+)$/.exec(decoded);
      if (!m) throw new FakeHttpError(400, "Invalid cursor.");
      offset = Number(m[1]);
    }
    const slice = items.slice(offset, offset + perPage);
    const next = offset + perPage < items.length ? Buffer.from(`next__${offset + perPage}`).toString("base64") : "";
    const prev = offset > 0 ? Buffer.from(`prev__${Math.max(0, offset - perPage)}`).toString("base64") : "";
    return c.json({ [key]: slice, meta: { total: items.length, links: { next, prev } } });
  };

  const decodeUserData = (value: unknown): string | null => {
    if (value === undefined || value === null || value === "") return null;
    if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      throw new FakeHttpError(400, "Invalid user_data: must be base64 encoded.");
    }
    return Buffer.from(value, "base64").toString("utf8");
  };
  const stringTags = (value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((t) => typeof t === "string")) throw new FakeHttpError(400, "Invalid tags: must be an array of strings.");
    return [...new Set(value as string[])];
  };
  const assignIp = (i: VultrRec) => {
    ipSeq += 1;
    i.main_ip = `198.51.100.${(ipSeq % 250) + 2}`;
    i.v6_main_ip = `2001:db8:20::${ipSeq.toString(16)}`;
  };

  core.controlRoutes({ servers: () => view(), reset: () => reset() });
  app.use("/v2/*", core.guard);

  app.post(
    "/v2/instances",
    core.handle(async (c) => {
      const b = await core.jsonBody(c);
      const region = REGIONS.find((r) => r.id === b.region);
      if (!region) throw new FakeHttpError(400, "Invalid region.");
      const planRow = PLANS.find((p) => p.id === b.plan);
      if (!planRow) throw new FakeHttpError(400, "Invalid plan.");
      if (b.os_id === undefined) throw new FakeHttpError(400, "You must provide one of os_id, iso_id, snapshot_id, app_id or image_id.");
      const os = typeof b.os_id === "number" ? OS.find((o) => o.id === b.os_id) : undefined;
      if (!os) throw new FakeHttpError(400, "Invalid os_id.");
      const label = b.label === undefined ? "" : b.label;
      if (typeof label !== "string" || label.length > 255) throw new FakeHttpError(400, "Invalid label.");
      const hostname = b.hostname === undefined ? `vultr-guest` : b.hostname;
      if (typeof hostname !== "string" || !HOSTNAME_RE.test(hostname)) throw new FakeHttpError(400, "Invalid hostname.");
      const tags = stringTags(b.tags);
      const userData = decodeUserData(b.user_data);
      if (core.isSoldOut(region.id, planRow.id)) throw new FakeHttpError(400, "Plan is not available in the selected location.");

      const t = now();
      const i: VultrRec = {
        id: randomUUID(),
        label,
        hostname,
        status: "pending",
        power_status: "stopped",
        server_status: "none",
        main_ip: "0.0.0.0",
        v6_main_ip: "",
        region,
        plan: planRow,
        os,
        tags,
        date_created: iso(t),
        createdMs: t,
        user_data: userData,
        default_password: `${randomBytes(9).toString("base64url")}!`,
        kvm: `https://my.vultr.com/subs/vps/novnc/api.php?data=${randomBytes(24).toString("base64url")}`,
        timeline: [],
        busyUntil: 0,
      };
      const boot = core.bootDelayMs;
      plan(
        i,
        t,
        [
          [Math.floor(boot / 2), () => {
            i.status = "active";
            i.server_status = "installingbooting";
          }],
          [boot, () => {
            i.power_status = "running";
            i.server_status = "ok";
          }],
          [boot + core.ipDelayMs, () => assignIp(i)],
        ],
        boot,
      );
      instances.set(i.id, i);
      return c.json({ instance: { ...wire(i), default_password: i.default_password } }, 202);
    }),
  );

  app.get(
    "/v2/instances",
    core.handle((c) => {
      const tag = c.req.query("tag");
      const label = c.req.query("label");
      const region = c.req.query("region");
      const list = live()
        .filter((i) => core.listed(i.createdMs) && (!tag || i.tags.includes(tag)) && (!label || i.label === label) && (!region || i.region.id === region))
        .map(wire);
      return paged(c, "instances", list);
    }),
  );

  app.get("/v2/instances/:id", core.handle((c) => c.json({ instance: wire(find(param(c, "id"))) })));

  app.patch(
    "/v2/instances/:id",
    core.handle(async (c) => {
      const i = find(param(c, "id"));
      const b = await core.jsonBody(c);
      if (b.label !== undefined) {
        if (typeof b.label !== "string" || b.label.length > 255) throw new FakeHttpError(400, "Invalid label.");
        i.label = b.label;
      }
      if (b.tags !== undefined) i.tags = stringTags(b.tags);
      if (b.user_data !== undefined) i.user_data = decodeUserData(b.user_data);
      return c.json({ instance: wire(i) }, 202);
    }),
  );

  app.delete(
    "/v2/instances/:id",
    core.handle((c) => {
      const i = find(param(c, "id"));
      instances.delete(i.id);
      return c.body(null, 204);
    }),
  );

  const locked = () => new FakeHttpError(400, "Server is currently locked");
  app.post(
    "/v2/instances/:id/reboot",
    core.handle((c) => {
      const i = find(param(c, "id"));
      if (busy(i)) throw locked();
      const t = now();
      i.power_status = "running";
      i.server_status = "installingbooting";
      plan(i, t, [[core.actionDelayMs, () => (i.server_status = "ok")]], core.actionDelayMs);
      return c.body(null, 204);
    }),
  );
  app.post(
    "/v2/instances/:id/halt",
    core.handle((c) => {
      const i = find(param(c, "id"));
      if (busy(i)) throw locked();
      i.power_status = "stopped";
      return c.body(null, 204);
    }),
  );
  app.post(
    "/v2/instances/:id/start",
    core.handle((c) => {
      const i = find(param(c, "id"));
      if (busy(i)) throw locked();
      if (i.power_status === "running") return c.body(null, 204);
      i.power_status = "running";
      i.server_status = "installingbooting";
      plan(i, now(), [[core.actionDelayMs, () => (i.server_status = "ok")]], core.actionDelayMs);
      return c.body(null, 204);
    }),
  );
  app.post(
    "/v2/instances/:id/reinstall",
    core.handle(async (c) => {
      const i = find(param(c, "id"));
      const b = await core.jsonBody(c);
      if (busy(i)) throw locked();
      if (b.hostname !== undefined) {
        if (typeof b.hostname !== "string" || !HOSTNAME_RE.test(b.hostname)) throw new FakeHttpError(400, "Invalid hostname.");
        i.hostname = b.hostname;
      }
      i.power_status = "running";
      i.server_status = "installingbooting";
      i.default_password = `${randomBytes(9).toString("base64url")}!`;
      plan(i, now(), [[core.bootDelayMs, () => (i.server_status = "ok")]], core.bootDelayMs);
      return c.json({ instance: wire(i) }, 202);
    }),
  );

  app.get("/v2/regions", core.handle((c) => paged(c, "regions", REGIONS.map((r) => ({ ...r, options: ["ddos_protection"] })))));
  app.get(
    "/v2/regions/:region/availability",
    core.handle((c) => {
      const region = REGIONS.find((r) => r.id === param(c, "region"));
      if (!region) throw new FakeHttpError(404, "Invalid region.");
      return c.json({ available_plans: PLANS.map((p) => p.id).filter((p) => !core.isSoldOut(region.id, p)) });
    }),
  );
  app.get(
    "/v2/plans",
    core.handle((c) =>
      paged(
        c,
        "plans",
        PLANS.map((p) => ({ ...p, type: "vc2", disk_count: 1, locations: REGIONS.map((r) => r.id).filter((r) => !core.isSoldOut(r, p.id)) })),
      ),
    ),
  );
  app.get("/v2/os", core.handle((c) => paged(c, "os", OS)));
  app.notFound((c) => core.error(c, 404));

  const view = (): FakeCloudServer[] =>
    live().map((i) => ({
      id: i.id,
      label: i.label,
      tags: [...i.tags],
      status: `${i.status}/${i.power_status}/${i.server_status}`,
      region: i.region.id,
      size: i.plan.id,
      image: String(i.os.id),
      ipv4: i.main_ip === "0.0.0.0" ? null : i.main_ip,
      ...rootPasswordOf(i.user_data, i.default_password),
      userData: i.user_data,
      createdAt: i.date_created,
      createdAtMs: i.createdMs,
    }));
  const reset = () => {
    instances.clear();
    core.resetCore();
  };

  await core.start(opts);
  return {
    name: "vultr",
    ...coreControls(core),
    servers: view,
    instances: () => live().map((i) => structuredClone(wire(i))),
    reset,
  };
}
