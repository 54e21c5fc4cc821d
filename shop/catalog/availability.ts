/** The facts about a plan that decide whether it can be sold right now. */
export interface SellablePlan {
  providerCode: "DIGITALOCEAN" | "VULTR" | "LINODE";
  providerSizeSlug: string;
  region: string;
  active: boolean;
  stock: number | null;
}

/**
 * The seam between the catalog and the clouds: "can this size be created in
 * this region now?". The catalog asks before showing a plan as buyable and
 * again before taking money; cloud adapters plug in their own answer.
 */
export interface AvailabilityChecker {
  isAvailable(plan: SellablePlan): Promise<boolean>;
}

/** The catalog's own answer: an active plan with stock left (null stock = unlimited). */
export const catalogFlagsAvailability: AvailabilityChecker = {
  async isAvailable(plan) {
    return plan.active && (plan.stock === null || plan.stock > 0);
  },
};
