import type { PrismaClient } from "../../db/client.js";
import type { AvailabilityChecker } from "../catalog/availability.js";
import type { DependencyScope } from "./dependency-health.js";
import { maintenanceState } from "./state.js";

/** Whether selling through this provider or gateway is paused now (by the breaker or the owner). */
export async function isPaused(prisma: PrismaClient, scope: DependencyScope): Promise<boolean> {
  const state = await maintenanceState(prisma);
  const [kind, code] = scope.split(":", 2) as [string, string];
  return (kind === "PROVIDER" ? state.providers : state.gateways).has(code);
}

/**
 * The catalog's availability with paused providers taken out: their plans show as unavailable
 * and checkout refuses them (it asks the same checker before taking money), the rest sell on.
 */
export function pauseAwareAvailability(inner: AvailabilityChecker, prisma: PrismaClient): AvailabilityChecker {
  return {
    async isAvailable(plan) {
      if (await isPaused(prisma, `PROVIDER:${plan.providerCode}`)) return false;
      return inner.isAvailable(plan);
    },
  };
}
