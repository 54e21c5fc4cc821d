import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { CloudError, type CloudProvider, type CloudServer } from "../cloud/provider.js";
import { open, ready, seal } from "../crypto/secretbox.js";
import { transitionOrder } from "../orders/state-machine.js";
import { orderMoneyTakenBack } from "../payments/chargeback.js";
import { provisionFailed, vpsActive } from "../events/facts.js";
import { recordCustomerEvent, type OutboundJob } from "../events/record.js";
import { generateRootPassword } from "./passwords.js";
import { currentShopId } from "./shop-id.js";

/** What every tag this software gives a server starts with, whichever installation made it. */
export const ORDER_TAG_PREFIX = "vpsbot-";

/** What this installation's tags start with: `vpsbot-<shopId>-` (legacy `vpsbot-` while no shop id is set). */
export function shopTagPrefix(shopId = currentShopId()): string {
  return shopId ? `${ORDER_TAG_PREFIX}${shopId}-` : ORDER_TAG_PREFIX;
}

/** The tag that marks a server as this installation's, for one order: how a crashed job finds it again. */
export function orderTag(reference: string, shopId = currentShopId()): string {
  return `${shopTagPrefix(shopId)}${reference.toLowerCase()}`;
}

/** The tag servers got before tags named the installation (`vpsbot-<order>`). */
export function legacyOrderTag(reference: string): string {
  return `${ORDER_TAG_PREFIX}${reference.toLowerCase()}`;
}

/** The Postgres lease (shop/leases.ts) a provisioning run holds on its order while it works. */
export function provisioningLeaseKey(orderId: number): string {
  return `provision:${orderId}`;
}

/** A hostname-safe label (Linode: 3–64 chars, starts with a letter, no "--"). */
export function serverLabel(reference: string): string {
  return `vps-${reference.toLowerCase()}`.replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").slice(0, 60);
}

export function addMonths(from: Date, months: number): Date {
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCMonth(d.getUTCMonth() + months);
  // 31 Jan + 1 month is the last day of February, not 3 March.
  if (d.getUTCDate() < day) d.setUTCDate(0);
  return d;
}

export class ProvisioningError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export interface ProvisionDeps {
  prisma: PrismaClient;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  /** Overall deadline for the server to become active with a public IPv4. */
  deadlineMs: number;
  pollIntervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Called while waiting, with seconds elapsed (edits the customer's progress message). */
  onProgress?: (secondsElapsed: number) => Promise<void>;
  /** Called right after the provider accepted the create (crash tests kill the process here). */
  afterCreate?: (server: CloudServer) => Promise<void> | void;
  /**
   * After a create whose answer never came, how long the provider's lists may lag behind it:
   * the next attempt keeps looking for that server until this long after the create was sent,
   * before it creates another. Default 60 s.
   */
  lostCreateWindowMs?: number;
  /** Pause between those looks. Default 10 s. */
  lostCreateRecheckMs?: number;
  /**
   * Fires when the run lost its order lease (withLease's signal): another run may own the order
   * now, so this one stops before its next provider call (a retryable "lease_lost").
   */
  signal?: AbortSignal;
  /**
   * Asks Postgres, right before the create, whether the order lease is still this run's (withLease's
   * `confirm`): a run stopped past the lease's TTL (a long pause) wakes up with its signal not yet
   * fired, while another run may own the order and have built its server. Throws when it is lost.
   */
  confirmLease?: () => Promise<void>;
}

/** Cloud errors that mean the provider refused a create before doing anything. */
const REFUSED_BEFORE_ACTING = new Set(["invalid_request", "sold_out", "unauthorized", "rate_limited", "not_found", "conflict"]);

export type ProvisionResult =
  | { status: "active"; instanceId: number; orderId: number; ipv4: string; alreadyDone: boolean; /** The "vps.active" deliveries to queue (present only when there are any). */ outbound?: OutboundJob[] }
  | { status: "skipped"; why: string };

/**
 * Provisions the VPS of one paid order, exactly once even across crashes:
 * 1. the order moves PAID → PROVISIONING (or is resumed in PROVISIONING);
 * 2. an Instance row holding the encrypted root password is written BEFORE the
 *    provider is asked, so a resumed run uses the same password;
 * 3. the provider is searched for a server tagged with the order before creating
 *    one, so a kill between "provider created it" and "we saved its id" never
 *    yields a second server; after a create that may have reached the provider
 *    (its answer was lost), the search is repeated for a while, since the
 *    provider's lists lag behind a create;
 * 4. it polls until the server runs with a public IPv4, within a deadline;
 * 5. instance ACTIVE + order ACTIVE + task DONE in one transaction.
 */
export async function provisionOrder(deps: ProvisionDeps, orderId: number): Promise<ProvisionResult> {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const stillOurs = () => {
    if (deps.signal?.aborted) throw new ProvisioningError("lease_lost", `provisioning of order ${orderId} stopped: its lease was lost (${String(deps.signal.reason)})`, true);
  };
  /** stillOurs, asked of Postgres now rather than of the last renewal heard. */
  const confirmedOurs = async () => {
    await deps.confirmLease?.().catch((err: unknown) => {
      throw new ProvisioningError("lease_lost", `provisioning of order ${orderId} stopped: its lease was lost (${String(err)})`, true);
    });
    stillOurs();
  };
  const order = await prisma.order.findUnique({ where: { id: orderId }, include: { createdInstance: true } });
  if (!order || order.kind !== "NEW_VPS") return { status: "skipped", why: "not a new-VPS order" };
  if (order.status === "ACTIVE" && order.createdInstance?.ipv4) {
    return { status: "active", instanceId: order.createdInstance.id, orderId, ipv4: order.createdInstance.ipv4, alreadyDone: true };
  }
  // A gateway refunded (charged back) the payment: nothing is built for it (its hold is the owner's).
  const takenBack = await orderMoneyTakenBack(prisma, orderId);
  if (takenBack) return { status: "skipped", why: takenBack };
  if (order.status === "PAID") {
    const moved = await transitionOrder(prisma, orderId, "PROVISIONING", { type: "SYSTEM", id: "provisioning" }, { reason: "provisioning started", onlyFrom: ["PAID"] });
    if (!moved.ok && !("current" in moved && moved.current === "PROVISIONING")) return { status: "skipped", why: `order is ${"current" in moved ? moved.current : "gone"}` };
  } else if (order.status !== "PROVISIONING") {
    return { status: "skipped", why: `order is ${order.status}` };
  }
  const providerCode = order.providerCode!;
  const provider = deps.providers[providerCode];
  if (!provider) throw new ProvisioningError("provider_not_configured", `${providerCode} is not configured on this shop`, false);

  const task = await prisma.provisioningTask.upsert({
    where: { orderId },
    create: { orderId, status: "CREATING", attempts: 1, startedAt: now() },
    update: { status: "CREATING", attempts: { increment: 1 }, errorCode: null, lastError: null },
  });

  // The password is chosen and sealed before the provider hears of it.
  await ready();
  let instance = order.createdInstance;
  if (!instance) {
    const sealed = Buffer.from(seal(deps.encryptionKey, new TextEncoder().encode(generateRootPassword())));
    instance = await prisma.instance.upsert({
      where: { orderId },
      create: {
        orderId,
        userId: order.userId,
        providerCode,
        label: serverLabel(order.reference),
        region: order.region!,
        planId: order.planId,
        planCode: order.planCode!,
        imageCode: order.imageCode!,
        status: "PROVISIONING",
        rootPasswordEnc: sealed,
        expiresAt: addMonths(now(), order.durationMonths ?? 1),
      },
      update: {},
    });
  }
  const password = new TextDecoder().decode(open(deps.encryptionKey, new Uint8Array(instance.rootPasswordEnc!)));
  const tag = orderTag(order.reference);

  let serverId = instance.providerInstanceId;
  if (!serverId) {
    stillOurs();
    const existing = await findCreatedServer(provider, { tag, legacyTag: legacyOrderTag(order.reference), label: instance.label, attemptedAt: task.createAttemptedAt, now, sleep, windowMs: deps.lostCreateWindowMs ?? 60_000, recheckMs: deps.lostCreateRecheckMs ?? 10_000 });
    if (existing) {
      serverId = existing.id;
    } else {
      // Nothing found, and what follows cannot be undone: is the order still this run's?
      await confirmedOurs();
      // Remembered before sending: a timeout, a reset connection or a crash can each hide a create that happened.
      await prisma.provisioningTask.update({ where: { orderId }, data: { createAttemptedAt: now() } });
      let created: CloudServer;
      try {
        created = await provider.createServer({
          label: instance.label,
          region: order.region!,
          sizeSlug: order.providerSizeSlug!,
          imageRef: order.providerImageRef!,
          rootPassword: password,
          tag,
        });
      } catch (err) {
        if (err instanceof CloudError && REFUSED_BEFORE_ACTING.has(err.code)) await prisma.provisioningTask.update({ where: { orderId }, data: { createAttemptedAt: null } });
        throw err;
      }
      await deps.afterCreate?.(created);
      serverId = created.id;
    }
    await prisma.$transaction([
      prisma.instance.update({ where: { id: instance.id }, data: { providerInstanceId: serverId } }),
      prisma.provisioningTask.update({ where: { orderId }, data: { providerInstanceId: serverId, status: "WAITING", createAttemptedAt: null } }),
    ]);
  }

  const started = now().getTime();
  let server: CloudServer | null = null;
  for (;;) {
    stillOurs();
    server = await provider.getServer(serverId);
    if (!server) {
      // Gone (deleted by hand at the provider?): forget it, so the next attempt looks up the tag and creates anew.
      await prisma.instance.update({ where: { id: instance.id }, data: { providerInstanceId: null } });
      throw new ProvisioningError("server_vanished", `server ${serverId} no longer exists at ${providerCode}`, true);
    }
    if (server.status === "running" && server.ipv4) break;
    const elapsed = now().getTime() - started;
    if (elapsed > deps.deadlineMs) {
      throw new ProvisioningError("deadline", `server ${serverId} was not active with a public IPv4 within ${Math.round(deps.deadlineMs / 1000)} s (last status ${server.status})`, false);
    }
    await deps.onProgress?.(Math.round(elapsed / 1000));
    await sleep(deps.pollIntervalMs);
  }

  const ipv4 = server.ipv4!;
  stillOurs();
  const activatedAt = now();
  const outbound = await prisma.$transaction(async (tx) => {
    const active = await tx.instance.update({
      where: { id: instance.id },
      data: { status: "ACTIVE", ipv4, ipv6: server.ipv6, expiresAt: addMonths(activatedAt, order.durationMonths ?? 1) },
    });
    await tx.provisioningTask.update({ where: { orderId }, data: { status: "DONE", finishedAt: activatedAt } });
    const moved = await transitionOrder(tx, orderId, "ACTIVE", { type: "SYSTEM", id: "provisioning" }, { reason: `server ${serverId} active at ${ipv4}`, onlyFrom: ["PROVISIONING"] });
    if (!moved.ok) throw new ProvisioningError("order_changed", `order ${orderId} left PROVISIONING meanwhile`, false);
    return recordCustomerEvent(tx, vpsActive(active, order));
  });
  return { status: "active", instanceId: instance.id, orderId, ipv4, alreadyDone: false, ...(outbound.length > 0 ? { outbound } : {}) };
}

/**
 * The server an earlier attempt already created for this order, if any: by tag, and after a
 * create whose answer was lost (`attemptedAt`), by tag again every `recheckMs` until `windowMs`
 * after that create was sent (the providers' lists are eventually consistent), then by label.
 */
async function findCreatedServer(
  provider: CloudProvider,
  o: { tag: string; legacyTag: string; label: string; attemptedAt: Date | null; now: () => Date; sleep: (ms: number) => Promise<void>; windowMs: number; recheckMs: number },
): Promise<CloudServer | null> {
  for (;;) {
    const [byTag] = await provider.findByTag(o.tag);
    if (byTag) return byTag;
    // Created before the tag named the installation (an order in flight across the upgrade).
    const [byLegacyTag] = o.legacyTag !== o.tag ? await provider.findByTag(o.legacyTag) : [];
    if (byLegacyTag) return byLegacyTag;
    if (!o.attemptedAt) return null;
    const left = o.attemptedAt.getTime() + o.windowMs - o.now().getTime();
    if (left <= 0) break;
    await o.sleep(Math.min(o.recheckMs, left));
  }
  const [byLabel] = await provider.findByLabel(o.label);
  return byLabel ?? null;
}

/**
 * Records a failed attempt; on the last one the order becomes PROVISIONING_FAILED, with its
 * "vps.provision_failed" event in the same transaction (`outbound` gets its deliveries to queue).
 */
export async function recordProvisioningFailure(prisma: PrismaClient, orderId: number, err: unknown, final: boolean, outbound?: (jobs: OutboundJob[]) => Promise<void>): Promise<boolean> {
  const code = err instanceof ProvisioningError ? err.code : err instanceof CloudError ? `cloud_${err.code}` : "internal";
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
  await prisma.provisioningTask.updateMany({ where: { orderId }, data: { errorCode: code, lastError: message, ...(final ? { status: "FAILED", finishedAt: new Date() } : {}) } });
  if (!final) return false;
  const moved = await prisma.$transaction(async (tx) => {
    const result = await transitionOrder(tx, orderId, "PROVISIONING_FAILED", { type: "SYSTEM", id: "provisioning" }, { reason: `${code}: ${message}`, onlyFrom: ["PAID", "PROVISIONING"] });
    if (!result.ok) return null;
    await tx.instance.updateMany({ where: { orderId, status: "PROVISIONING" }, data: { status: "FAILED" } });
    const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
    const episode = await tx.orderStatusHistory.findFirst({ where: { orderId, toStatus: "PROVISIONING_FAILED" }, orderBy: { id: "desc" }, select: { id: true } });
    return recordCustomerEvent(tx, provisionFailed(order, episode?.id ?? 0, code));
  });
  if (moved && moved.length > 0) await outbound?.(moved);
  return moved !== null;
}

/** Whether a failure is worth another automatic attempt. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ProvisioningError) return err.retryable;
  if (err instanceof CloudError) return err.retryable;
  return true;
}
