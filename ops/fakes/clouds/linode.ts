/**
 * A local fake of the Linode API v4 instances endpoints (spec §5) for tests and the demo.
 * Set LINODE_API_URL to `fake.url` (ends in /v4) and LINODE_API_TOKEN to `fake.token`.
 *
 * Lifecycle: POST /v4/linode/instances answers 200 with status "provisioning" and no IPs;
 * "booting" half-way through bootDelayMs, "running" at bootDelayMs with a private
 * 192.168.x address, and the public IPv4 appended ipDelayMs later. reboot → "rebooting" →
 * "running"; shutdown → "shutting_down" → "offline"; boot → "booting" → "running";
 * rebuild → "rebuilding" → "running" (actionDelayMs; rebuild takes bootDelayMs).
 * POST /password needs the Linode offline (400 otherwise). An action while busy gets 400
 * "Linode busy.". Labels follow Linode's rules and must be unique. Lists paginate with
 * page/page_size and honour X-Filter on tags/label/region/status (+and/+or).
 * Errors are {errors: [{reason, field?}]}; every response has X-RateLimit-Limit/Remaining/Reset.
 * GET /v4/regions/{id}/availability lists soldOut() pairs as {available: false}.
 */
import type { Context } from "hono";
import {
  FakeCloudCore,
  FakeHttpError,
  intParam,
  param,
  pageOf,
  plan,
  settle,
  type FakeCloud,
  type FakeCloudOptions,
  type FakeCloudServer,
  type Timed,
  coreControls,
} from "./common.js";

export const FAKE_LINODE_TOKEN = "fakelinodetoken0123456789abcdef0123456789abcdef0123456789abcdef";

const REGIONS = [
  { id: "ap-south", label: "Singapore, SG", country: "sg" },
  { id: "id-cgk", label: "Jakarta, ID", country: "id" },
  { id: "jp-osa", label: "Osaka, JP", country: "jp" },
  { id: "ap-southeast", label: "Sydney, AU", country: "au" },
  { id: "us-east", label: "Newark, NJ", country: "us" },
  { id: "eu-central", label: "Frankfurt, DE", country: "de" },
];
const TYPES = [
  { id: "g6-nanode-1", label: "Nanode 1GB", class: "nanode", vcpus: 1, memory: 1024, disk: 25600, transfer: 1000, monthly: 5 },
  { id: "g6-standard-1", label: "Linode 2GB", class: "standard", vcpus: 1, memory: 2048, disk: 51200, transfer: 2000, monthly: 12 },
  { id: "g6-standard-2", label: "Linode 4GB", class: "standard", vcpus: 2, memory: 4096, disk: 81920, transfer: 4000, monthly: 24 },
  { id: "g6-standard-4", label: "Linode 8GB", class: "standard", vcpus: 4, memory: 8192, disk: 163840, transfer: 5000, monthly: 48 },
];
const IMAGES = [
  { id: "linode/ubuntu24.04", label: "Ubuntu 24.04 LTS", vendor: "Ubuntu", deprecated: false },
  { id: "linode/ubuntu22.04", label: "Ubuntu 22.04 LTS", vendor: "Ubuntu", deprecated: false },
  { id: "linode/debian12", label: "Debian 12", vendor: "Debian", deprecated: false },
  { id: "linode/rocky9", label: "Rocky Linux 9", vendor: "Rocky", deprecated: false },
  { id: "linode/ubuntu18.04", label: "Ubuntu 18.04 LTS", vendor: "Ubuntu", deprecated: true },
];
const FILTERABLE = new Set(["tags", "label", "region", "status", "type", "image", "id"]);

type LinodeStatus =
  | "running"
  | "offline"
  | "booting"
  | "rebooting"
  | "shutting_down"
  | "provisioning"
  | "deleting"
  | "migrating"
  | "rebuilding"
  | "cloning"
  | "restoring"
  | "stopped";

interface LinodeRec extends Timed {
  id: number;
  label: string;
  status: LinodeStatus;
  created: string;
  /** created in ms (the fake's clock). */
  createdMs: number;
  updated: string;
  region: (typeof REGIONS)[number];
  type: (typeof TYPES)[number];
  image: string;
  ipv4: string[];
  ipv6: string | null;
  tags: string[];
  root_pass: string;
}

export interface FakeLinode extends FakeCloud {
  readonly name: "linode";
  /** Linodes in the API's wire shape. */
  linodes(): Record<string, unknown>[];
}

/** Linode's label rules (spec §5.1). */
export function validLinodeLabel(label: string): boolean {
  return label.length >= 3 && label.length <= 64 && /^[A-Za-z][A-Za-z0-9_-]*$/.test(label) && !label.includes("--") && !label.includes("__");
}

export async function startFakeLinode(opts: FakeCloudOptions = {}): Promise<FakeLinode> {
  let rateWindow = { start: 0, count: 0 };
  const core = new FakeCloudCore(
    {
      name: "linode",
      apiBase: "/v4",
      errorBody: (_status, message, field) => ({ errors: [{ reason: message, ...(field ? { field } : {}) }] }),
      defaultMessage: (status) =>
        status === 401
          ? "Invalid Token"
          : status === 403
            ? "Unauthorized"
            : status === 404
              ? "Not found"
              : status === 429
                ? "Too Many Requests"
                : status >= 500
                  ? "Please try again"
                  : "Bad request",
      rateLimitHeaders: (now) => {
        // A fixed one-minute rateWindow, 1 600 requests (the general limit, spec §5.4).
        if (now - rateWindow.start >= 60_000) rateWindow = { start: now, count: 0 };
        rateWindow.count += 1;
        return {
          "x-ratelimit-limit": "1600",
          "x-ratelimit-remaining": String(Math.max(0, 1600 - rateWindow.count)),
          "x-ratelimit-reset": String(Math.ceil((rateWindow.start + 60_000) / 1000)),
        };
      },
    },
    opts,
    FAKE_LINODE_TOKEN,
  );
  const { app } = core;
  const linodes = new Map<number, LinodeRec>();
  let nextId = 61_000_000;
  let ipSeq = 0;
  const now = () => core.now();
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const live = (): LinodeRec[] => {
    const t = now();
    for (const l of linodes.values()) settle(l, t);
    return [...linodes.values()].sort((a, b) => a.id - b.id);
  };
  const find = (raw: string): LinodeRec => {
    live();
    const l = /^\d+$/.test(raw) ? linodes.get(Number(raw)) : undefined;
    if (!l) throw new FakeHttpError(404, "Not found");
    return l;
  };
  const busy = (l: LinodeRec) => l.busyUntil > now() || !["running", "offline", "stopped"].includes(l.status);
  const notBusy = (l: LinodeRec) => {
    if (busy(l)) throw new FakeHttpError(400, "Linode busy.");
  };
  const touch = (l: LinodeRec) => (l.updated = iso(now()));
  const checkPassword = (value: unknown): string => {
    if (typeof value !== "string" || value.length === 0) throw new FakeHttpError(400, "root_pass is required.", "root_pass");
    if (value.length < 7 || value.length > 128) throw new FakeHttpError(400, "Password must be between 7 and 128 characters.", "root_pass");
    if (/^(?:password|12345678|qwerty)/i.test(value)) throw new FakeHttpError(400, "Password does not meet strength requirement.", "root_pass");
    return value;
  };

  const wire = (l: LinodeRec) => ({
    id: l.id,
    label: l.label,
    group: "",
    status: l.status,
    created: l.created,
    updated: l.updated,
    type: l.type.id,
    ipv4: [...l.ipv4],
    ipv6: l.ipv6,
    image: l.image,
    region: l.region.id,
    specs: { disk: l.type.disk, memory: l.type.memory, vcpus: l.type.vcpus, gpus: 0, transfer: l.type.transfer },
    alerts: { cpu: 90, network_in: 10, network_out: 10, transfer_quota: 80, io: 10000 },
    backups: { enabled: false, available: false, schedule: { day: null, window: null }, last_successful: null },
    hypervisor: "kvm",
    watchdog_enabled: true,
    tags: [...l.tags],
    host_uuid: "f0e2c8a1b9d34c7e9a6b5d4c3b2a1f0e9d8c7b6a",
    has_user_data: false,
    lke_cluster_id: null,
    capabilities: [],
  });

  const paged = (c: Context, items: unknown[]) => {
    const size = intParam(c.req.query("page_size"), 100, 1, 500);
    const { items: data, page, pages } = pageOf(items, intParam(c.req.query("page"), 1, 1, 1_000_000), size);
    return c.json({ data, page, pages, results: items.length });
  };

  /** X-Filter: {"field": value}, {"tags": {"+contains": "x"}}, "+and"/"+or" lists. */
  const filterOf = (c: Context): ((l: LinodeRec) => boolean) => {
    const header = c.req.header("x-filter");
    if (!header) return () => true;
    let parsed: unknown;
    try {
      parsed = JSON.parse(header);
    } catch {
      throw new FakeHttpError(400, "Invalid JSON in X-Filter header.");
    }
    const build = (f: unknown): ((l: LinodeRec) => boolean) => {
      if (!f || typeof f !== "object" || Array.isArray(f)) throw new FakeHttpError(400, "X-Filter must be a JSON object.");
      const tests = Object.entries(f as Record<string, unknown>).map(([key, value]): ((l: LinodeRec) => boolean) => {
        if (key === "+and" || key === "+or") {
          if (!Array.isArray(value)) throw new FakeHttpError(400, `${key} needs a list.`);
          const parts = value.map(build);
          return key === "+and" ? (l) => parts.every((p) => p(l)) : (l) => parts.some((p) => p(l));
        }
        if (!FILTERABLE.has(key)) throw new FakeHttpError(400, `Cannot filter on ${key}`);
        const field = (l: LinodeRec): unknown => (key === "tags" ? l.tags : (wire(l) as Record<string, unknown>)[key]);
        if (value && typeof value === "object" && "+contains" in value) {
          const needle = String((value as { "+contains": unknown })["+contains"]);
          return (l) => {
            const v = field(l);
            return Array.isArray(v) ? v.some((t) => String(t).includes(needle)) : String(v).includes(needle);
          };
        }
        return (l) => {
          const v = field(l);
          return Array.isArray(v) ? v.includes(value) : v === value;
        };
      });
      return (l) => tests.every((t) => t(l));
    };
    return build(parsed);
  };

  core.controlRoutes({ servers: () => view(), reset: () => reset() });
  app.use("/v4/*", core.guard);

  app.post(
    "/v4/linode/instances",
    core.handle(async (c) => {
      const b = await core.jsonBody(c);
      const region = REGIONS.find((r) => r.id === b.region);
      if (!region) throw new FakeHttpError(400, "region is not valid", "region");
      const type = TYPES.find((t) => t.id === b.type);
      if (!type) throw new FakeHttpError(400, "A valid plan type by that ID was not found", "type");
      const image = IMAGES.find((i) => i.id === b.image);
      if (!image) throw new FakeHttpError(400, "image is not valid", "image");
      const rootPass = checkPassword(b.root_pass);
      let label: string;
      if (b.label === undefined) label = `linode${nextId + 1}`;
      else if (typeof b.label !== "string" || !validLinodeLabel(b.label)) {
        throw new FakeHttpError(400, "Label must be 3-64 characters, start with a letter, contain only letters, numbers, '-' and '_', and not contain '--' or '__'.", "label");
      } else label = b.label;
      if (live().some((l) => l.label === label)) throw new FakeHttpError(400, "Label must be unique among your Linodes", "label");
      const tags = b.tags === undefined || b.tags === null ? [] : b.tags;
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string" && t.length >= 3 && t.length <= 50)) {
        throw new FakeHttpError(400, "Tags must be strings of 3-50 characters.", "tags");
      }
      if (core.isSoldOut(region.id, type.id)) throw new FakeHttpError(400, `The ${type.label} plan is sold out in ${region.label}.`, "type");
      const booted = b.booted !== false;

      nextId += 1;
      const t = now();
      const l: LinodeRec = {
        id: nextId,
        label,
        status: "provisioning",
        created: iso(t),
        createdMs: t,
        updated: iso(t),
        region,
        type,
        image: image.id,
        ipv4: [],
        ipv6: null,
        tags: [...new Set(tags as string[])],
        root_pass: rootPass,
        timeline: [],
        busyUntil: 0,
      };
      const boot = core.bootDelayMs;
      ipSeq += 1;
      const seq = ipSeq;
      plan(
        l,
        t,
        [
          [Math.floor(boot / 2), () => (l.status = booted ? "booting" : "offline")],
          [boot, () => {
            l.status = booted ? "running" : "offline";
            l.ipv4 = [`192.168.${128 + (seq % 100)}.${(seq % 250) + 2}`];
            touch(l);
          }],
          [boot + core.ipDelayMs, () => {
            l.ipv4 = [...l.ipv4, `192.0.2.${(seq % 250) + 2}`];
            l.ipv6 = `2001:db8:30::${seq.toString(16)}/128`;
          }],
        ],
        boot,
      );
      linodes.set(l.id, l);
      return c.json(wire(l));
    }),
  );

  app.get("/v4/linode/instances", core.handle((c) => paged(c, live().filter((l) => core.listed(l.createdMs)).filter(filterOf(c)).map(wire))));
  app.get("/v4/linode/instances/:id", core.handle((c) => c.json(wire(find(param(c, "id"))))));
  app.delete(
    "/v4/linode/instances/:id",
    core.handle((c) => {
      const l = find(param(c, "id"));
      linodes.delete(l.id);
      return c.json({});
    }),
  );

  const transition = (l: LinodeRec, during: LinodeStatus, after: LinodeStatus, ms: number) => {
    l.status = during;
    touch(l);
    plan(l, now(), [[ms, () => {
      l.status = after;
      touch(l);
    }]], ms);
  };
  app.post(
    "/v4/linode/instances/:id/boot",
    core.handle((c) => {
      const l = find(param(c, "id"));
      notBusy(l);
      if (l.status !== "running") transition(l, "booting", "running", core.actionDelayMs);
      return c.json({});
    }),
  );
  app.post(
    "/v4/linode/instances/:id/reboot",
    core.handle((c) => {
      const l = find(param(c, "id"));
      notBusy(l);
      transition(l, "rebooting", "running", core.actionDelayMs);
      return c.json({});
    }),
  );
  app.post(
    "/v4/linode/instances/:id/shutdown",
    core.handle((c) => {
      const l = find(param(c, "id"));
      notBusy(l);
      if (l.status === "running") transition(l, "shutting_down", "offline", core.actionDelayMs);
      return c.json({});
    }),
  );
  app.post(
    "/v4/linode/instances/:id/password",
    core.handle(async (c) => {
      const l = find(param(c, "id"));
      const b = await core.jsonBody(c);
      const pass = checkPassword(b.root_pass);
      notBusy(l);
      if (l.status !== "offline" && l.status !== "stopped") throw new FakeHttpError(400, "Linode must be shut down to reset its root password.");
      l.root_pass = pass;
      touch(l);
      return c.json({});
    }),
  );
  app.post(
    "/v4/linode/instances/:id/rebuild",
    core.handle(async (c) => {
      const l = find(param(c, "id"));
      const b = await core.jsonBody(c);
      const image = IMAGES.find((i) => i.id === b.image);
      if (!image) throw new FakeHttpError(400, "image is not valid", "image");
      const pass = checkPassword(b.root_pass);
      notBusy(l);
      l.image = image.id;
      l.root_pass = pass;
      transition(l, "rebuilding", b.booted === false ? "offline" : "running", core.bootDelayMs);
      return c.json(wire(l));
    }),
  );

  const regionWire = (r: (typeof REGIONS)[number]) => ({
    id: r.id,
    label: r.label,
    country: r.country,
    capabilities: ["Linodes", "Block Storage", "Cloud Firewall"],
    status: "ok",
    resolvers: { ipv4: "192.0.2.53", ipv6: "2001:db8::53" },
    site_type: "core",
  });
  app.get("/v4/regions", core.handle((c) => paged(c, REGIONS.map(regionWire))));
  app.get(
    "/v4/regions/:id/availability",
    core.handle((c) => {
      const region = REGIONS.find((r) => r.id === param(c, "id"));
      if (!region) throw new FakeHttpError(404, "Not found");
      return c.json(TYPES.filter((t) => core.isSoldOut(region.id, t.id)).map((t) => ({ region: region.id, plan: t.id, available: false })));
    }),
  );
  app.get(
    "/v4/linode/types",
    core.handle((c) =>
      paged(
        c,
        TYPES.map((t) => ({
          id: t.id,
          label: t.label,
          class: t.class,
          vcpus: t.vcpus,
          memory: t.memory,
          disk: t.disk,
          transfer: t.transfer,
          network_out: 1000,
          gpus: 0,
          price: { hourly: Math.round((t.monthly / 730) * 1000) / 1000, monthly: t.monthly },
          successor: null,
        })),
      ),
    ),
  );
  app.get(
    "/v4/images",
    core.handle((c) =>
      paged(
        c,
        IMAGES.map((i) => ({ id: i.id, label: i.label, vendor: i.vendor, deprecated: i.deprecated, is_public: true, type: "manual", size: 2500, status: "available" })),
      ),
    ),
  );
  app.notFound((c) => core.error(c, 404));

  const view = (): FakeCloudServer[] =>
    live().map((l) => ({
      id: String(l.id),
      label: l.label,
      tags: [...l.tags],
      status: l.status,
      region: l.region.id,
      size: l.type.id,
      image: l.image,
      ipv4: l.ipv4.find((ip) => !ip.startsWith("192.168.")) ?? null,
      rootPassword: l.root_pass,
      rootPasswordHash: null,
      userData: null,
      createdAt: l.created,
      createdAtMs: l.createdMs,
    }));
  const reset = () => {
    linodes.clear();
    rateWindow = { start: 0, count: 0 };
    core.resetCore();
  };

  await core.start(opts);
  return {
    name: "linode",
    ...coreControls(core),
    servers: view,
    linodes: () => live().map((l) => structuredClone(wire(l))),
    reset,
  };
}
