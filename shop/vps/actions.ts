import type { Instance, PrismaClient, ProviderCode } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { audit } from "../audit.js";
import { CloudError, type CloudProvider, type ServerAction, type ServerStatus } from "../cloud/provider.js";
import { ready, seal } from "../crypto/secretbox.js";
import { generateRootPassword } from "../provisioning/passwords.js";

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
  if (!["ACTIVE", "OFF"].includes(instance.status)) return { ok: false, reason: "not_active", status: instance.status };
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

const SETTLED: Partial<Record<ServerAction, ServerStatus>> = {
  reboot: "running",
  power_on: "running",
  power_off: "off",
  shutdown: "off",
  reinstall: "running",
};

export type ActionOutcome = { ok: true; instanceId: number; action: ServerAction; newPassword: boolean } | { ok: false; instanceId: number; action: ServerAction; error: string; retryable: boolean };

/**
 * Runs a queued action at the provider and waits (bounded) until the server
 * reaches the state the action promises. A new root password (reset,
 * reinstall) is stored only encrypted, after the provider accepted it.
 */
export async function runAction(
  deps: { prisma: PrismaClient; providers: Partial<Record<ProviderCode, CloudProvider>>; encryptionKey: Uint8Array; sleep?: (ms: number) => Promise<void>; pollMs?: number; deadlineMs?: number },
  actionId: number,
): Promise<ActionOutcome> {
  const { prisma } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId }, include: { instance: { include: { order: true } } } });
  const action = row.type.toLowerCase() as ServerAction;
  const instance = row.instance;
  if (row.status === "DONE") return { ok: true, instanceId: instance.id, action, newPassword: false };
  const provider = deps.providers[instance.providerCode];
  const fail = async (error: string, retryable: boolean): Promise<ActionOutcome> => {
    if (!retryable) await prisma.instanceAction.update({ where: { id: actionId }, data: { status: "FAILED", error: error.slice(0, 500), finishedAt: new Date() } });
    return { ok: false, instanceId: instance.id, action, error, retryable };
  };
  if (!provider || !instance.providerInstanceId) return fail("provider not configured", false);
  await prisma.instanceAction.update({ where: { id: actionId }, data: { status: "RUNNING", startedAt: row.startedAt ?? new Date() } });
  let password: string | undefined;
  try {
    if (action === "reset_password" || action === "reinstall") password = generateRootPassword();
    await provider.action(instance.providerInstanceId, action, { rootPassword: password, imageRef: instance.order.providerImageRef ?? undefined });
    const want = SETTLED[action];
    const deadline = Date.now() + (deps.deadlineMs ?? 5 * 60_000);
    let live: ServerStatus | undefined;
    while (want && Date.now() < deadline) {
      await sleep(deps.pollMs ?? 3_000);
      live = (await provider.getServer(instance.providerInstanceId))?.status;
      if (live === want) break;
    }
    if (want && live !== want) return fail(`the server did not become ${want} in time (last: ${live ?? "unknown"})`, false);
  } catch (err) {
    if (err instanceof CloudError) return fail(err.message, err.retryable);
    throw err;
  }
  await ready();
  await prisma.$transaction(async (tx) => {
    await tx.instanceAction.update({ where: { id: actionId }, data: { status: "DONE", finishedAt: new Date() } });
    const status = action === "power_off" || action === "shutdown" ? "OFF" : action === "reset_password" ? undefined : "ACTIVE";
    await tx.instance.update({
      where: { id: instance.id },
      data: {
        ...(status ? { status } : {}),
        ...(password ? { rootPasswordEnc: Buffer.from(seal(deps.encryptionKey, new TextEncoder().encode(password))) } : {}),
      },
    });
  });
  return { ok: true, instanceId: instance.id, action, newPassword: password !== undefined };
}
