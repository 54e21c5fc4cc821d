import { Hono } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { ageOf, pendingItems } from "../../../shop/pending/items.js";
import { can, type Permission } from "../../../shop/users/staff.js";
import { requirePermission, type StaffEnv } from "./guard.js";

/** What /pending lists, and for whom: money items for payments.review, provisioning for provisioning.retry. */
const QUEUE_PERMISSIONS: Permission[] = ["payments.review", "provisioning.retry"];

/**
 * The pending queue, oldest first with its age, exactly the items /pending lists for the same
 * member (shop/pending/items.ts). Decisions stay on the cards in the chat, where every copy
 * is edited after one; each row links to the order's card here.
 */
export function pendingApi(deps: { prisma: PrismaClient }) {
  const app = new Hono<StaffEnv>();
  app.get("/", requirePermission(...QUEUE_PERMISSIONS), async (c) => {
    const held = QUEUE_PERMISSIONS.filter((p) => can(c.get("appUser"), p));
    const items = await pendingItems(deps.prisma, held);
    return c.json({ items: items.map((item) => ({ ...item, age: ageOf(item.since) })) });
  });
  return app;
}
