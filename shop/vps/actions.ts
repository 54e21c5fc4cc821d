import type { Instance, PrismaClient, ProviderCode } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { audit } from "../audit.js";
import type { CloudProvider, ServerAction, ServerStatus } from "../cloud/provider.js";

export type ActionRequest =
  | { ok: true; actionId: number }
  | { ok: false; reason: "not_found" | "busy" | "not_active" | "unsupported" | "needs_off"; status?: string };

/** Actions that change a server's state and need a confirmation tap first. */
export const DESTRUCTIVE: ReadonlySet<ServerAction> = new Set(["reboot", "power_off", "shutdown", "reset_password", "reinstall"]);

/** A customer's VPS, only if it is theirs; anyone else gets "not found". */
export function userInstance(prisma: PrismaClient, userId: number, instanceId: number) {
  return prisma.instance.findFirst({ where: { id: instanceId, userId }, include: { order: true, plan: true } });
}

/** The actions this VPS's provider supports for customers right now. */
export function availableActions(provider: CloudProvider | undefined, instance: Pick<Instance, "status">): ServerAction[] {
  if (!provider || !["ACTIVE", "OFF"].includes(instance.status)) return [];
  return provider.capabilities.actions;
}

/**
 * Queues an action on a customer's VPS: ownership checked, the provider must
 * support it, and at most one action per VPS may be open at a time (a partial
 * unique index makes that a database guarantee). Audited.
 */
export async function requestAction(
  prisma: PrismaClient,
  providers: Partial<Record<ProviderCode, CloudProvider>>,
  input: { userId: number; instanceId: number; action: ServerAction; liveStatus?: ServerStatus },
): Promise<ActionRequest> {
  const instance = await prisma.instance.findFirst({ where: { id: input.instanceId, userId: input.userId } });
  if (!instance) return { ok: false, reason: "not_found" };
  // Claimed for deletion by the expiry run (deletedAt): no more actions on a server about to go.
  if (!["ACTIVE", "OFF"].includes(instance.status) || instance.deletedAt) return { ok: false, reason: "not_active", status: instance.status };
  const provider = providers[instance.providerCode];
  if (!provider || !provider.capabilities.actions.includes(input.action)) return { ok: false, reason: "unsupported" };
  if (input.action === "reset_password" && provider.capabilities.passwordResetNeedsOff && input.liveStatus !== "off") return { ok: false, reason: "needs_off" };
  try {
    return await prisma.$transaction(async (tx) => {
      const action = await tx.instanceAction.create({ data: { instanceId: instance.id, userId: input.userId, type: input.action.toUpperCase(), status: "QUEUED" } });
      await audit(tx, { actorUserId: input.userId, actorType: "CUSTOMER", action: `vps.${input.action}`, targetType: "instance", targetId: instance.id, details: { actionId: action.id } });
      return { ok: true, actionId: action.id } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "busy" };
    throw err;
  }
}

export { PASSWORD_ACTIONS, failOpenAction, runAction, type ActionOutcome } from "./run-action.js";
