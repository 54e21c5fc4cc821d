/**
 * Runs a queued VPS action at the provider, at most once even when its job is retried or the
 * worker dies mid-call:
 * - a new root password (reinstall, reset) is generated and sealed on the action row BEFORE
 *   the provider is called; every attempt sends that same password;
 * - `providerCalledAt` is written before the call and `providerAcceptedAt` once the provider
 *   accepted it. A retry after acceptance never calls again, it only waits for the server. A
 *   retry that finds a call without an answer (timeout, 5xx, crash) first looks at the server:
 *   busy with it (or already in the state it promises) counts as done; only an idle server is
 *   asked again, with the same password, so at worst a fresh disk is reinstalled once more,
 *   never with a password the customer does not get.
 * - the instance takes the new password when the provider accepts it (the server has it from
 *   then on), and its "credentials sent" mark is cleared so that password is sent once.
 */
import type { Db, PrismaClient, ProviderCode } from "../../db/client.js";
import { CloudError, type CloudProvider, type ServerAction, type ServerStatus } from "../cloud/provider.js";
import { open, ready, seal } from "../crypto/secretbox.js";
import { generateRootPassword } from "../provisioning/passwords.js";
import { vpsActionDone } from "../events/facts.js";
import { recordCustomerEvent, type OutboundJob } from "../events/record.js";

/** Actions that give the server a new root password. */
export const PASSWORD_ACTIONS: ReadonlySet<ServerAction> = new Set(["reset_password", "reinstall"]);

/** The state each action promises; runAction waits for it. */
const SETTLED: Partial<Record<ServerAction, ServerStatus>> = {
  reboot: "running",
  power_on: "running",
  power_off: "off",
  shutdown: "off",
  reinstall: "running",
};

/** Provider errors after which the call may still have happened (no answer, or a 5xx). */
const AMBIGUOUS = new Set(["timeout", "unavailable"]);

export type ActionOutcome =
  | { ok: true; instanceId: number; action: ServerAction; newPassword: boolean; /** The "vps.action_done" deliveries to queue (present only when there are any). */ outbound?: OutboundJob[] }
  | { ok: false; instanceId: number; action: ServerAction; error: string; retryable: boolean; passwordChanged?: boolean; refused?: ActionRefusal };

export interface RunActionDeps {
  prisma: PrismaClient;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  deadlineMs?: number;
}

/** Runs action `actionId` and waits (bounded) until the server reaches the state it promises. */
export async function runAction(deps: RunActionDeps, actionId: number): Promise<ActionOutcome> {
  const { prisma } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId }, include: { instance: { include: { order: true } } } });
  const action = row.type.toLowerCase() as ServerAction;
  const instance = row.instance;
  const base = { instanceId: instance.id, action };
  const changesPassword = PASSWORD_ACTIONS.has(action);
  if (row.status === "DONE") return { ok: true, ...base, newPassword: changesPassword && row.providerAcceptedAt !== null };
  if (row.status === "FAILED") return { ok: false, ...base, error: row.error ?? "failed", retryable: false };
  const accepted = () => row.providerAcceptedAt !== null;
  const fail = async (error: string, retryable: boolean): Promise<ActionOutcome> => {
    if (!retryable) await prisma.instanceAction.update({ where: { id: actionId }, data: { status: "FAILED", error: error.slice(0, 500), finishedAt: new Date() } });
    return { ok: false, ...base, error, retryable, ...(changesPassword && accepted() ? { passwordChanged: true } : {}) };
  };
  const provider = deps.providers[instance.providerCode];
  const serverId = instance.providerInstanceId;
  if (!provider || !serverId) return fail("provider not configured", false);

  // Queued before a hold, a suspension or the deletion claim: it must not bring the server back.
  // Checked under the VPS row lock, and the action marked RUNNING in the same transaction.
  const refused = await prisma.$transaction(async (tx) => {
    const why = await actionRefusal(tx, instance.id, action);
    if (why) await tx.instanceAction.update({ where: { id: actionId }, data: { status: "FAILED", error: `refused: VPS ${why}`, finishedAt: new Date() } });
    else await tx.instanceAction.update({ where: { id: actionId }, data: { status: "RUNNING", startedAt: row.startedAt ?? new Date() } });
    return why;
  });
  if (refused) return { ok: false, ...base, error: `refused: VPS ${refused}`, retryable: false, refused, ...(changesPassword && accepted() ? { passwordChanged: true } : {}) };

  await ready();
  if (changesPassword && !row.newPasswordEnc) {
    const sealed = Buffer.from(seal(deps.encryptionKey, new TextEncoder().encode(generateRootPassword())));
    // Conditional: of two runs racing here, one password wins and both send it.
    await prisma.instanceAction.updateMany({ where: { id: actionId, newPasswordEnc: null }, data: { newPasswordEnc: sealed } });
  }
  row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId }, include: { instance: { include: { order: true } } } });
  const sealed = row.newPasswordEnc;
  const password = sealed ? new TextDecoder().decode(open(deps.encryptionKey, new Uint8Array(sealed))) : undefined;
  const want = SETTLED[action];

  try {
    if (!accepted()) {
      const ran = row.providerCalledAt !== null && (await alreadyRan(provider, serverId, action));
      if (!ran) {
        await prisma.instanceAction.update({ where: { id: actionId }, data: { providerCalledAt: new Date() } });
        await callProvider(provider, serverId, action, { rootPassword: password, imageRef: instance.order.providerImageRef ?? undefined }, row.providerCalledAt !== null);
      }
      const now = new Date();
      await prisma.$transaction([
        prisma.instanceAction.update({ where: { id: actionId }, data: { providerAcceptedAt: now } }),
        ...(sealed ? [prisma.instance.update({ where: { id: instance.id }, data: { rootPasswordEnc: sealed, credentialsMessageId: null, credentialsSentAt: null } })] : []),
      ]);
      row = { ...row, providerAcceptedAt: now };
    }
    const deadline = Date.now() + (deps.deadlineMs ?? 5 * 60_000);
    let live: ServerStatus | undefined;
    while (want && Date.now() < deadline) {
      await sleep(deps.pollMs ?? 3_000);
      live = (await provider.getServer(serverId))?.status;
      if (live === want) break;
    }
    if (want && live !== want) return fail(`the server did not become ${want} in time (last: ${live ?? "unknown"})`, false);
  } catch (err) {
    if (!(err instanceof CloudError)) throw err;
    // A clear refusal means nothing happened: the retry may call again without looking first.
    if (!AMBIGUOUS.has(err.code)) await prisma.instanceAction.update({ where: { id: actionId }, data: { providerCalledAt: null } });
    return fail(err.message, err.retryable);
  }
  const outbound = await prisma.$transaction(async (tx) => {
    await tx.instanceAction.update({ where: { id: actionId }, data: { status: "DONE", finishedAt: new Date(), newPasswordEnc: null } });
    const status = action === "power_off" || action === "shutdown" ? "OFF" : action === "reset_password" ? undefined : "ACTIVE";
    // A hold or suspension that landed while the provider worked keeps its status.
    if (status && !(await actionRefusal(tx, instance.id, action))) await tx.instance.update({ where: { id: instance.id }, data: { status } });
    return recordCustomerEvent(tx, vpsActionDone(row, instance));
  });
  return { ok: true, ...base, newPassword: password !== undefined, ...(outbound.length > 0 ? { outbound } : {}) };
}

/** Why an action may not run on this VPS now (its row locked for the caller's transaction), or null. */
export type ActionRefusal = "deleted" | "held" | "suspended" | "not_active";

/**
 * The VPS must be ACTIVE or OFF, not claimed for deletion and without an open payment hold. One
 * exception: the power-on that resumes a SUSPENDED VPS whose renewal is paid (expiry in the
 * future, no hold): shop/vps/resume.ts queues it, or reuses one the customer had queued.
 */
async function actionRefusal(tx: Db, instanceId: number, action: ServerAction): Promise<ActionRefusal | null> {
  await tx.$queryRaw`SELECT id FROM instances WHERE id = ${instanceId} FOR UPDATE`;
  const i = await tx.instance.findUniqueOrThrow({ where: { id: instanceId }, select: { status: true, deletedAt: true, expiresAt: true } });
  if (i.deletedAt || i.status === "DELETED") return "deleted";
  if ((await tx.paymentHold.count({ where: { instanceId, status: { in: ["HELD", "KEPT"] } } })) > 0) return "held";
  if (i.status === "SUSPENDED") return action === "power_on" && i.expiresAt > new Date() ? null : "suspended";
  return i.status === "ACTIVE" || i.status === "OFF" ? null : "not_active";
}

/**
 * After a call whose answer was lost: did it run? A server busy with an action (provisioning,
 * rebooting) or already in the promised state says yes; an idle one cannot tell, so it is asked
 * again (the caller sends the same sealed password).
 */
async function alreadyRan(provider: CloudProvider, serverId: string, action: ServerAction): Promise<boolean> {
  const live = (await provider.getServer(serverId))?.status;
  if (live === "provisioning" || live === "rebooting") return true;
  // Powering on/off: the promised state is the goal whoever reached it. A running server after a
  // reboot or reinstall proves nothing (it was running before too).
  return (action === "power_on" && live === "running") || ((action === "power_off" || action === "shutdown") && live === "off");
}

/** The provider call; after an unanswered earlier call, "busy with another action" means ours is running. */
async function callProvider(provider: CloudProvider, serverId: string, action: ServerAction, opts: { rootPassword?: string; imageRef?: string }, repeated: boolean): Promise<void> {
  try {
    await provider.action(serverId, action, opts);
  } catch (err) {
    if (repeated && err instanceof CloudError && err.code === "conflict" && action !== "reset_password") return;
    throw err;
  }
}

/**
 * An action whose job failed for good without recording it (the worker died more often than the
 * queue allows, or an unexpected error on the last attempt): marked FAILED, so the VPS is free
 * for the next action (one open action per VPS) and a resume after renewal is not blocked
 * forever. Null when the action had already finished (nothing to tell).
 */
export async function failOpenAction(prisma: PrismaClient, actionId: number, reason: string): Promise<{ instanceId: number; action: ServerAction; passwordChanged: boolean } | null> {
  const { count } = await prisma.instanceAction.updateMany({
    where: { id: actionId, status: { in: ["QUEUED", "RUNNING"] } },
    data: { status: "FAILED", error: reason.slice(0, 500), finishedAt: new Date() },
  });
  if (count === 0) return null;
  const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId }, select: { instanceId: true, type: true, providerAcceptedAt: true } });
  const action = row.type.toLowerCase() as ServerAction;
  return { instanceId: row.instanceId, action, passwordChanged: PASSWORD_ACTIONS.has(action) && row.providerAcceptedAt !== null };
}
