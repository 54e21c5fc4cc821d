import { OpenAPIHono } from "@hono/zod-openapi";
import { apiCatalog } from "../../../shop/api/views.js";
import type { ApiDeps } from "../deps.js";
import { keyedRoute, type ApiEnv } from "../guards.js";
import { CatalogSchema, COMMON_ERRORS, json } from "../schemas.js";

const catalogRoute = keyedRoute("read", {
  operationId: "getCatalog",
  method: "get",
  path: "/",
  tags: ["Catalog"],
  summary: "Plans on sale with your prices",
  description: "Every plan on sale with its price per duration for your reseller tier (a public promo price wins when lower), and its OS images.",
  responses: { 200: json(CatalogSchema, "The catalog."), ...COMMON_ERRORS },
});

/** /catalog: what the reseller can order and at what price. */
export function catalogRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(catalogRoute, async (c) => {
    const { user } = c.get("apiKey");
    return c.json(await apiCatalog(deps.catalog, { userId: user.id, resellerTierId: user.resellerTierId }), 200);
  });
  return app;
}
