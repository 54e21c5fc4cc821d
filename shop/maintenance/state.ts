import type { ActorType, Db, MaintenanceReason, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";

/** What can be paused: the whole bot (for customers), one cloud, or one payment gateway. */
export type MaintenanceScope = "GLOBAL" | `PROVIDER:${string}` | `GATEWAY:${string}`;

export const GLOBAL_SCOPE = "GLOBAL";

export interface ScopeState {
  scope: MaintenanceScope;
  message?: string;
  reason: MaintenanceReason;
  setByUserId?: number;
  detail?: string;
  since: Date;
}

export interface MaintenanceState {
  /** The whole bot is paused for customers (owner's `/maintenance on`, or a chat restore). */
  global?: ScopeState;
  /** Paused providers and gateways by code (e.g. `VULTR`, `TRIPAY`). */
  providers: Map<string, ScopeState>;
  gateways: Map<string, ScopeState>;
  /** Every active scope, for status screens. */
  active: ScopeState[];
}

/** Who switched a scope: a staff user (their shop user id) or the service itself. */
export interface MaintenanceActor {
  userId?: number | null;
  actorType?: ActorType;
}

/**
 * How long a process trusts its last reading. Every update and every checkout reads the state;
 * a few seconds keeps that off Postgres while a change made in another process (the owner's
 * command runs in the bot role, the breaker in the worker) still lands everywhere quickly.
 */
export const STATE_CACHE_MS = 3_000;

const cache = new WeakMap<object, { at: number; state: Promise<MaintenanceState> }>();

/** Drops this process's cached reading (after a change made here, so it shows at once). */
export function forgetMaintenanceState(prisma: object): void {
  cache.delete(prisma);
}

async function readState(prisma: PrismaClient): Promise<MaintenanceState> {
  const rows = await prisma.serviceFlag.findMany({ where: { active: true } });
  const state: MaintenanceState = { providers: new Map(), gateways: new Map(), active: [] };
  for (const row of rows) {
    const s: ScopeState = {
      scope: row.scope as MaintenanceScope,
      reason: row.reason,
      since: row.since,
      ...(row.message ? { message: row.message } : {}),
      ...(row.setByUserId !== null ? { setByUserId: row.setByUserId } : {}),
      ...(row.detail ? { detail: row.detail } : {}),
    };
    state.active.push(s);
    const [kind, code] = row.scope.split(":", 2);
    if (row.scope === GLOBAL_SCOPE) state.global = s;
    else if (kind === "PROVIDER" && code) state.providers.set(code, s);
    else if (kind === "GATEWAY" && code) state.gateways.set(code, s);
  }
  return state;
}

/**
 * The current maintenance state, at most STATE_CACHE_MS old. Throws when Postgres cannot be
 * read and nothing fresh is cached (the bot's middleware turns that into the static answer).
 */
export function maintenanceState(prisma: PrismaClient, now = Date.now()): Promise<MaintenanceState> {
  const hit = cache.get(prisma);
  if (hit && now - hit.at < STATE_CACHE_MS) return hit.state;
  const state = readState(prisma);
  cache.set(prisma, { at: now, state });
  // A failed read is not remembered as a state: the next caller asks again.
  state.catch(() => {
    if (cache.get(prisma)?.state === state) cache.delete(prisma);
  });
  return state;
}

/**
 * Switches one scope on or off and audits it in the same transaction. Returns false when the
 * scope was already in that state (nothing written), so a repeated command or a breaker that
 * trips in two processes audits once.
 */
export async function setScope(
  prisma: PrismaClient,
  input: { scope: MaintenanceScope; on: boolean; message?: string; reason: MaintenanceReason; actor: MaintenanceActor; detail?: string },
): Promise<boolean> {
  const { scope, on, reason, actor } = input;
  const userId = actor.userId ?? null;
  const actorType: ActorType = actor.actorType ?? (userId !== null ? "OWNER" : "SYSTEM");
  const changed = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`INSERT INTO service_flags (scope, active, reason) VALUES (${scope}, false, ${reason}::"MaintenanceReason") ON CONFLICT (scope) DO NOTHING`;
    const [row] = await tx.$queryRaw<Array<{ active: boolean; reason: MaintenanceReason; message: string | null }>>`
      SELECT active, reason, message FROM service_flags WHERE scope = ${scope} FOR UPDATE`;
    // An automatic resume never lifts a pause the owner set by hand.
    if (!on && reason === "AUTO" && row?.reason === "MANUAL" && row.active) return false;
    const sameMessage = (input.message ?? null) === (row?.message ?? null);
    if (row?.active === on && (!on || sameMessage)) return false;
    await tx.serviceFlag.update({
      where: { scope },
      data: {
        active: on,
        reason,
        setByUserId: userId,
        ...(on ? { message: input.message ?? null, detail: input.detail ?? null, since: new Date() } : { since: new Date() }),
      },
    });
    await writeAudit(tx, { actorType, userId, scope, on, reason, message: input.message, detail: input.detail });
    return true;
  });
  forgetMaintenanceState(prisma);
  return changed;
}

function writeAudit(
  tx: Db,
  e: { actorType: ActorType; userId: number | null; scope: string; on: boolean; reason: MaintenanceReason; message?: string; detail?: string },
): Promise<void> {
  return audit(tx, {
    actorUserId: e.userId,
    actorType: e.actorType,
    action: e.on ? "maintenance.on" : "maintenance.off",
    targetType: "maintenance",
    targetId: e.scope,
    details: { reason: e.reason, ...(e.message ? { message: e.message } : {}), ...(e.detail ? { detail: e.detail.slice(0, 500) } : {}) },
  });
}

/**
 * The whole bot on or off for customers (staff keep working). The owner's command and the chat
 * restore both come here; `message` is what customers read while it is on.
 */
export function setMaintenance(prisma: PrismaClient, input: { on: boolean; message?: string; actor: MaintenanceActor }): Promise<boolean> {
  return setScope(prisma, { scope: GLOBAL_SCOPE, on: input.on, message: input.message, reason: "MANUAL", actor: input.actor });
}
