import type { PrismaClient } from "../../db/client.js";
import type { CloudProviders } from "../cloud/providers.js";
import type { MidtransClient } from "../payments/gateways/midtrans.js";
import type { TripayClient } from "../payments/gateways/tripay.js";
import type { Logger } from "../platform/logger.js";
import { dependencyHealth, startDependencyProbes, type DependencyScope } from "./dependency-health.js";

/** A tag no server of ours carries: listing it is an authenticated read that changes nothing. */
export const PROBE_TAG = "vpsbot-health-probe";

/**
 * One harmless signed call per configured provider and gateway, through the shop's own clients:
 * a cloud lists servers by a tag nobody uses, Tripay lists its payment channels (the cache is
 * dropped first so the call is real), Midtrans asks the status of an order that does not exist
 * (404 means the key was accepted). Used by the breaker's probe and the doctor.
 */
export function dependencyProbes(deps: { providers: CloudProviders; tripay?: TripayClient; midtrans?: MidtransClient }): Partial<Record<DependencyScope, () => Promise<unknown>>> {
  const probes: Partial<Record<DependencyScope, () => Promise<unknown>>> = {};
  for (const provider of Object.values(deps.providers)) {
    if (provider) probes[`PROVIDER:${provider.code}`] = () => provider.findByTag(PROBE_TAG);
  }
  const { tripay, midtrans } = deps;
  if (tripay) {
    probes["GATEWAY:TRIPAY"] = async () => {
      await tripay.invalidateChannels();
      return tripay.listChannels();
    };
  }
  if (midtrans) probes["GATEWAY:MIDTRANS"] = () => midtrans.status(`probe-${Date.now()}`);
  return probes;
}

/**
 * The breaker for this process: it records into Postgres from now on, and (in the worker role
 * only, one prober is enough) the paused dependencies are probed every 30 s.
 */
export function startMaintenanceWatch(deps: {
  prisma: PrismaClient;
  logger?: Logger;
  providers: CloudProviders;
  tripay?: TripayClient;
  midtrans?: MidtransClient;
  probe: boolean;
}): { stop(): Promise<void> } {
  dependencyHealth.attach({ prisma: deps.prisma, ...(deps.logger ? { logger: deps.logger } : {}) });
  const prober = deps.probe ? startDependencyProbes({ prisma: deps.prisma, ...(deps.logger ? { logger: deps.logger } : {}), probes: dependencyProbes(deps) }) : undefined;
  return {
    async stop() {
      prober?.stop();
      await dependencyHealth.settled();
      dependencyHealth.detach(deps.prisma);
    },
  };
}
