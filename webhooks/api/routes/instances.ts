import { OpenAPIHono, z } from "@hono/zod-openapi";
import { jobId, QueueName } from "../../../jobs/queues.js";
import { apiInstance, listApiInstances } from "../../../shop/api/views.js";
import { requestAction } from "../../../shop/vps/actions.js";
import type { ApiDeps } from "../deps.js";
import { apiError, beforeChange, keyedRoute, type ApiEnv } from "../guards.js";
import { ActionBody, ActionSchema, COMMON_ERRORS, conflict, errorResponse, IdempotencyHeaders, InstanceListSchema, InstanceSchema, json, PageQuery, POST_ERRORS } from "../schemas.js";

const IdParam = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: "id", in: "path" }, example: 7 }) });

const listRoute = keyedRoute("read", {
  operationId: "listInstances",
  method: "get",
  path: "/",
  tags: ["Instances"],
  summary: "Your VPS, newest first",
  request: { query: PageQuery },
  responses: { 200: json(InstanceListSchema, "A page of VPS."), ...COMMON_ERRORS, 400: errorResponse("Bad query.") },
});

const getRoute = keyedRoute("read", {
  operationId: "getInstance",
  method: "get",
  path: "/{id}",
  tags: ["Instances"],
  summary: "One VPS and its status",
  request: { params: IdParam },
  responses: { 200: json(InstanceSchema, "The VPS."), ...COMMON_ERRORS, 400: errorResponse("Bad id."), 404: errorResponse("Not one of your VPS.") },
});

const actionRoute = keyedRoute("vps", {
  operationId: "runInstanceAction",
  method: "post",
  path: "/{id}/actions",
  tags: ["Instances"],
  summary: "Run an action on a VPS",
  description:
    "Queues reboot, power on/off, shutdown, password reset or reinstall (what the VPS's provider supports). One action at a time per VPS. `vps.action_done` is sent to your webhook when it finishes; a new root password goes to your Telegram chat, never through the API.",
  request: { params: IdParam, headers: IdempotencyHeaders, body: { content: { "application/json": { schema: ActionBody } }, required: true } },
  responses: {
    202: json(ActionSchema, "Queued."),
    ...POST_ERRORS,
    409: conflict("`busy`: another action on this VPS is still running; send it again (same key) once that one is done."),
    404: errorResponse("Not one of your VPS."),
    422: errorResponse("The VPS is not running or off, the provider does not support the action, or it needs the VPS off first."),
  },
});

const ACTION_REFUSALS = {
  busy: { status: 409, message: "another action on this VPS is still running" },
  not_active: { status: 422, message: "the VPS is not active" },
  unsupported: { status: 422, message: "the provider does not support this action" },
  needs_off: { status: 422, message: "power the VPS off first" },
} as const;

/** /instances: the reseller's VPS and their actions. */
export function instanceRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    return c.json(await listApiInstances(deps.prisma, c.get("apiKey").user.id, { page: q.page, pageSize: q.page_size }), 200);
  });

  app.openapi(getRoute, async (c) => {
    const instance = await apiInstance(deps.prisma, c.get("apiKey").user.id, c.req.valid("param").id);
    if (!instance) return apiError(c, 404, "not_found", "no such VPS");
    return c.json(instance, 200);
  });

  app.openapi(actionRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { action } = c.req.valid("json");
    const userId = c.get("apiKey").user.id;
    const current = await apiInstance(deps.prisma, userId, id);
    if (!current) return apiError(c, 404, "not_found", "no such VPS");
    await beforeChange(c);
    const result = await requestAction(deps.prisma, deps.providers, { userId, instanceId: id, action, ...(current.status === "OFF" ? { liveStatus: "off" as const } : {}) });
    if (!result.ok) {
      if (result.reason === "not_found") return apiError(c, 404, "not_found", "no such VPS");
      const refusal = ACTION_REFUSALS[result.reason];
      return apiError(c, refusal.status as 422, result.reason, refusal.message);
    }
    await deps.queues.enqueue(QueueName.InstanceActions, { actionId: result.actionId }, { jobId: jobId("action", result.actionId) });
    return c.json({ action_id: result.actionId, instance_id: id, action, status: "QUEUED" as const }, 202);
  });

  return app;
}
