import { Hono, type Context } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { QueueName, jobId, type Queues } from "../../../jobs/queues.js";
import { regionName } from "../../../shop/catalog/regions.js";
import type { CloudProviders } from "../../../shop/cloud/providers.js";
import type { CloudServer, ServerAction } from "../../../shop/cloud/provider.js";
import { createRenewalOrder, renewalOptions } from "../../../shop/lifecycle/renewal.js";
import { DESTRUCTIVE, availableActions, requestAction, userInstance } from "../../../shop/vps/actions.js";
import { setAutoRenew } from "../../../shop/vps/auto-renew.js";
import { appError, idParam, jsonBody } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

export interface VpsRouteDeps {
  prisma: PrismaClient;
  providers: CloudProviders;
  queues: Queues;
  orderPaymentTtlHours: number;
}

/** Live status with a short deadline, as the bot's /vps asks it: a slow provider must not hang the page. */
async function live(deps: VpsRouteDeps, code: keyof CloudProviders, id: string | null): Promise<CloudServer | null | undefined> {
  const provider = deps.providers[code];
  if (!provider || !id) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 3_000)));
  return Promise.race([provider.getServer(id).catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
}

const REFUSED = {
  not_found: [404, "vps_not_found", "no such VPS among yours"],
  busy: [409, "action_busy", "another action on this VPS is still running"],
  not_active: [409, "vps_not_active", "this VPS is not active"],
  unsupported: [422, "action_unsupported", "this VPS's provider does not support that action"],
  needs_off: [409, "needs_off", "turn the VPS off first, then reset the password"],
} as const;

const notFound = (c: Context) => appError(c, 404, REFUSED.not_found[1], REFUSED.not_found[2]);


/**
 * The customer's VPS: list, detail (live status, specs, expiry, the actions the provider offers
 * now, renewal periods), actions and renewal. Every call goes through the bot's own domain
 * functions (`userInstance`, `requestAction`, `renewalOptions`, `createRenewalOrder`), so
 * ownership, one-action-at-a-time and the audit trail are the bot's; someone else's VPS is "not found".
 */
export function vpsRoutes(deps: VpsRouteDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();

  app.get("/", async (c) => {
    const user = c.get("appUser");
    const rows = await deps.prisma.instance.findMany({
      where: { userId: user.id, status: { notIn: ["DELETED", "FAILED"] } },
      orderBy: { createdAt: "desc" },
      take: 50,
      include: { order: { select: { clientLabel: true, planName: true } } },
    });
    return c.json({
      items: rows.map((i) => ({ id: i.id, label: i.label, status: i.status, ip: i.ipv4, plan: i.order.planName ?? i.planCode, clientLabel: i.order.clientLabel, expiresAt: i.expiresAt })),
    });
  });

  app.get("/:id", async (c) => {
    const user = c.get("appUser");
    const id = idParam(c.req.param("id"));
    const instance = id === null ? null : await userInstance(deps.prisma, user.id, id);
    if (!instance) return notFound(c);
    const server = await live(deps, instance.providerCode, instance.providerInstanceId);
    const liveStatus = server?.status ?? null;
    const assumed = liveStatus ?? (instance.status === "OFF" ? "off" : "running");
    // The buttons that make sense for the server's state now, as the bot shows them.
    const actions = availableActions(deps.providers[instance.providerCode], instance).filter((a) => {
      if (a === "power_on") return assumed === "off";
      if (a === "power_off" || a === "shutdown" || a === "reboot") return assumed === "running";
      return true;
    });
    const renewable = ["ACTIVE", "OFF", "SUSPENDED"].includes(instance.status);
    const plan = instance.plan;
    const open = await deps.prisma.instanceAction.findFirst({ where: { instanceId: instance.id, status: { in: ["QUEUED", "RUNNING"] } }, select: { id: true, type: true, status: true } });
    return c.json({
      id: instance.id,
      label: instance.label,
      clientLabel: instance.order.clientLabel,
      status: instance.status,
      liveStatus,
      ip: instance.ipv4,
      ipv6: instance.ipv6,
      plan: instance.order.planName ?? instance.planCode,
      specs: plan ? { vcpu: plan.vcpu, memoryMb: plan.memoryMb, diskGb: plan.diskGb } : null,
      os: instance.order.imageName ?? instance.imageCode,
      region: regionName(instance.providerCode, instance.region, user.language),
      provider: instance.providerCode,
      createdAt: instance.createdAt,
      expiresAt: instance.expiresAt,
      autoRenew: instance.autoRenew,
      actions: actions.map((name) => ({ name, confirm: DESTRUCTIVE.has(name) })),
      openAction: open,
      renewOptions: renewable ? await renewalOptions(deps.prisma, instance.id, user.id) : [],
    });
  });

  app.post("/:id/actions", async (c) => {
    const user = c.get("appUser");
    const id = idParam(c.req.param("id"));
    const body = await jsonBody(c);
    const action = typeof body?.action === "string" && /^[a-z_]{1,32}$/.test(body.action) ? (body.action as ServerAction) : null;
    if (!action) return appError(c, 400, "bad_action", "body must be { action, confirm? } with an action name");
    // The bot asks before a destructive action; the app's confirmation dialog sends confirm: true.
    if (DESTRUCTIVE.has(action) && body?.confirm !== true) return appError(c, 409, "confirmation_required", `${action} needs confirm: true`);
    const instance = id === null ? null : await userInstance(deps.prisma, user.id, id);
    if (!instance) return notFound(c);
    const server = await live(deps, instance.providerCode, instance.providerInstanceId);
    const result = await requestAction(deps.prisma, deps.providers, { userId: user.id, instanceId: instance.id, action, liveStatus: server?.status });
    if (!result.ok) {
      const [status, error, message] = REFUSED[result.reason];
      return appError(c, status, error, result.reason === "not_active" ? `${message} (${result.status ?? "unknown"})` : message);
    }
    await deps.queues.enqueue(QueueName.InstanceActions, { actionId: result.actionId }, { jobId: jobId("action", result.actionId) });
    return c.json({ actionId: result.actionId, status: "QUEUED" }, 202);
  });

  app.get("/:id/actions/:actionId", async (c) => {
    const user = c.get("appUser");
    const id = idParam(c.req.param("id"));
    const actionId = idParam(c.req.param("actionId"));
    const row = id === null || actionId === null ? null : await deps.prisma.instanceAction.findFirst({ where: { id: actionId, instanceId: id, userId: user.id }, select: { id: true, type: true, status: true, finishedAt: true } });
    if (!row) return appError(c, 404, "action_not_found", "no such action on your VPS");
    return c.json(row);
  });

  // Auto-renew from the wallet on or off, by the chat's own rule (`setAutoRenew`: owner only, audited).
  app.put("/:id/auto-renew", async (c) => {
    const user = c.get("appUser");
    const id = idParam(c.req.param("id"));
    const body = await jsonBody(c);
    if (typeof body?.autoRenew !== "boolean") return appError(c, 400, "bad_auto_renew", "body must be { autoRenew: true | false }");
    const result = id === null ? null : await setAutoRenew(deps.prisma, { userId: user.id, instanceId: id, autoRenew: body.autoRenew });
    if (!result?.ok) return notFound(c);
    return c.json({ autoRenew: result.autoRenew });
  });

  app.post("/:id/renew", async (c) => {
    const user = c.get("appUser");
    const id = idParam(c.req.param("id"));
    const body = await jsonBody(c);
    const months = typeof body?.months === "number" && Number.isInteger(body.months) && body.months > 0 && body.months <= 36 ? body.months : null;
    if (id === null || months === null) return appError(c, 400, "bad_renewal", "body must be { months } with a whole number of months");
    const result = await createRenewalOrder(deps.prisma, { userId: user.id, instanceId: id, months, paymentTtlHours: deps.orderPaymentTtlHours });
    if (!result.ok) {
      if (result.reason === "not_found") return notFound(c);
      return appError(c, 409, result.reason === "no_price" ? "renew_unavailable" : "not_renewable", result.reason === "no_price" ? "that period has no price now" : "this VPS cannot be renewed");
    }
    return c.json({ orderId: result.orderId, reference: result.reference, totalIdr: result.totalIdr, months: result.months }, 201);
  });

  return app;
}
