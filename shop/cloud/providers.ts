/**
 * Builds the configured cloud adapters and the catalog's availability check on top of them.
 */
import type { AvailabilityChecker, SellablePlan } from "../catalog/availability.js";
import type { CloudAdapterOptions, CloudCredentials } from "./common.js";
import { DigitalOceanProvider } from "./digitalocean.js";
import { LinodeProvider } from "./linode.js";
import type { CloudProvider, ProviderCode } from "./provider.js";
import { VultrProvider } from "./vultr.js";

/** The shape of `config.providers` (shop/platform/config.ts): a provider is configured when its token is set. */
export interface CloudProvidersConfig {
  digitalocean?: CloudCredentials;
  vultr?: CloudCredentials;
  linode?: CloudCredentials;
}

export type CloudProviders = Partial<Record<ProviderCode, CloudProvider>>;

/** One adapter per configured provider; `opts` (timeouts, retries, cache TTL) apply to all. */
export function createProviders(cfg: CloudProvidersConfig, opts: CloudAdapterOptions = {}): CloudProviders {
  const out: CloudProviders = {};
  if (cfg.digitalocean) out.DIGITALOCEAN = new DigitalOceanProvider(cfg.digitalocean, opts);
  if (cfg.vultr) out.VULTR = new VultrProvider(cfg.vultr, opts);
  if (cfg.linode) out.LINODE = new LinodeProvider(cfg.linode, opts);
  return out;
}

/**
 * The catalog's AvailabilityChecker backed by the clouds: a plan is sellable when it is
 * active, has stock (null = unlimited), its provider is configured, and the provider says
 * the size can be created in the region now. A provider error (timeout, outage, bad token)
 * counts as "not available right now" — nothing is logged here; callers that need the
 * reason call `provider.isAvailable` themselves. The provider's answers are cached by the
 * adapter (availabilityTtlMs), so showing a catalog page does not hit the API per plan.
 */
export function cloudAvailability(providers: CloudProviders): AvailabilityChecker {
  return {
    async isAvailable(plan: SellablePlan): Promise<boolean> {
      if (!plan.active) return false;
      if (plan.stock !== null && plan.stock <= 0) return false;
      const provider = providers[plan.providerCode];
      if (!provider) return false;
      try {
        return await provider.isAvailable(plan.region, plan.providerSizeSlug);
      } catch {
        return false;
      }
    },
  };
}
