import type { PrismaClient } from "../../db/client.js";

export type ResumeResult =
  /** A POWER_ON action to run (`created: false` when one was already queued: a retry reuses it). */
  | { ok: true; actionId: number; created: boolean }
  /** Nothing to do: not suspended (already running, or never was), or its time has run out. */
  | { ok: false; reason: "not_suspended" | "expired" }
  /** Suspended on purpose: a gateway refund holds it until the owner decides. */
  | { ok: false; reason: "held" };

/** Another action of the VPS is still open, so the power-on cannot be queued yet. */
export class ResumeBlockedError extends Error {
  constructor(
    readonly instanceId: number,
    readonly openAction: string,
  ) {
    super(`VPS ${instanceId} has an open ${openAction} action; its power-on waits for it`);
    this.name = "ResumeBlockedError";
  }
}

/**
 * Powers a SUSPENDED VPS back on (its status returns to ACTIVE when the action has run): after
 * a renewal paid during suspension, or when the owner releases a hold. Derived from the VPS as
 * it is now, not from who asked, so it is idempotent: a retried follow-up, or two renewals paid
 * together, find the power-on already queued and reuse it; a VPS already running needs none.
 * The VPS row is locked, so two callers cannot both create one.
 *
 * Throws ResumeBlockedError when another action is open (the caller's job retries, and its
 * final failure reaches the owner), never hides it.
 */
export async function resumeSuspended(prisma: PrismaClient, input: { instanceId: number; now?: Date }): Promise<ResumeResult> {
  const now = input.now ?? new Date();
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM instances WHERE id = ${input.instanceId} FOR UPDATE`;
    const instance = await tx.instance.findUnique({ where: { id: input.instanceId }, select: { id: true, userId: true, status: true, expiresAt: true } });
    if (!instance || instance.status !== "SUSPENDED") return { ok: false, reason: "not_suspended" } as const;
    if (instance.expiresAt <= now) return { ok: false, reason: "expired" } as const;
    const held = await tx.paymentHold.count({ where: { instanceId: instance.id, status: { in: ["HELD", "KEPT"] } } });
    if (held > 0) return { ok: false, reason: "held" } as const;
    const open = await tx.instanceAction.findFirst({ where: { instanceId: instance.id, status: { in: ["QUEUED", "RUNNING"] } }, select: { id: true, type: true } });
    if (open?.type === "POWER_ON") return { ok: true, actionId: open.id, created: false } as const;
    if (open) throw new ResumeBlockedError(instance.id, open.type);
    const action = await tx.instanceAction.create({ data: { instanceId: instance.id, userId: instance.userId, type: "POWER_ON", status: "QUEUED" }, select: { id: true } });
    return { ok: true, actionId: action.id, created: true } as const;
  });
}
