import type { OrderStatus, PrismaClient } from "../../db/client.js";
import type { CloudProviders } from "../cloud/providers.js";
import { orderTag, ProvisioningError } from "./provision.js";

export interface DiscardDeps {
  prisma: PrismaClient;
  providers: CloudProviders;
  now?: () => Date;
}

export type DiscardResult = { status: "discarded"; deleted: string[] } | { status: "skipped"; why: string };

/** Orders whose server must not keep running (and costing money) at the provider. */
const DISCARDABLE: readonly OrderStatus[] = ["PROVISIONING_FAILED", "REFUNDED"];

/**
 * Deletes at the provider whatever server an order that will not be delivered left behind: the
 * one its instance row names and every one carrying the order's tag (a lost create may have made
 * one we never recorded). Called after a refund and by provisioning's final-failure path; only
 * for a PROVISIONING_FAILED or REFUNDED order, never a live one. The instance forgets the server
 * (a later retry creates a fresh one); a refunded order's instance becomes DELETED.
 * A server created but not listed yet is left to the orphan sweep (orphans.ts).
 * Throws CloudError when the provider cannot be asked; nothing is changed here then.
 */
export async function discardOrderServer(deps: DiscardDeps, orderId: number): Promise<DiscardResult> {
  const { prisma } = deps;
  const order = await prisma.order.findUnique({
    where: { id: orderId },
    select: { status: true, kind: true, reference: true, providerCode: true, createdInstance: { select: { id: true, providerInstanceId: true } } },
  });
  if (!order || order.kind !== "NEW_VPS" || !order.providerCode) return { status: "skipped", why: "not a new-VPS order" };
  if (!DISCARDABLE.includes(order.status)) return { status: "skipped", why: `order is ${order.status}` };
  const provider = deps.providers[order.providerCode];
  if (!provider) throw new ProvisioningError("provider_not_configured", `${order.providerCode} is not configured on this shop`, false);

  const ids = new Set<string>();
  if (order.createdInstance?.providerInstanceId) ids.add(order.createdInstance.providerInstanceId);
  for (const server of await provider.findByTag(orderTag(order.reference))) ids.add(server.id);
  // The adapters treat "already gone" as done.
  for (const id of ids) await provider.deleteServer(id);

  const now = (deps.now ?? (() => new Date()))();
  if (order.createdInstance) {
    await prisma.instance.updateMany({
      // FAILED only: a retry that already moved it back to PROVISIONING keeps its fields.
      where: { id: order.createdInstance.id, status: "FAILED" },
      data: { providerInstanceId: null, ipv4: null, ipv6: null, ...(order.status === "REFUNDED" ? { status: "DELETED", deletedAt: now } : {}) },
    });
  }
  await prisma.provisioningTask.updateMany({ where: { orderId, order: { status: { in: [...DISCARDABLE] } } }, data: { providerInstanceId: null } });
  return { status: "discarded", deleted: [...ids] };
}
