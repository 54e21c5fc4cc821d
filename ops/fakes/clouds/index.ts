/**
 * Fake DigitalOcean, Vultr and Linode APIs for tests and the offline demo (see ./common.ts
 * for the fault switches and ./digitalocean.ts, ./vultr.ts, ./linode.ts for each lifecycle).
 *
 *   const clouds = await startFakeClouds({ bootDelayMs: 50 });
 *   Object.assign(process.env, clouds.env);          // DO_API_URL, DO_API_TOKEN, …
 *   createProviders(clouds.providers);               // or straight into shop/cloud
 *   …
 *   await clouds.stop();
 */
import type { FakeCloudOptions } from "./common.js";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "./digitalocean.js";
import { startFakeLinode, type FakeLinode } from "./linode.js";
import { startFakeVultr, type FakeVultr } from "./vultr.js";

export {
  FakeCloudCore,
  FakeHttpError,
  passwordFromCloudConfig,
  rootPasswordOf,
  type FakeCloud,
  type FakeCloudFault,
  type FakeCloudName,
  type FakeCloudOptions,
  type FakeCloudRequest,
  type FakeCloudServer,
} from "./common.js";
export { FakeClock } from "./clock.js";
export { FAKE_DO_TOKEN, startFakeDigitalOcean, type FakeDigitalOcean } from "./digitalocean.js";
export { FAKE_LINODE_TOKEN, startFakeLinode, validLinodeLabel, type FakeLinode } from "./linode.js";
export { FAKE_VULTR_TOKEN, startFakeVultr, type FakeVultr } from "./vultr.js";

export interface FakeClouds {
  digitalocean: FakeDigitalOcean;
  vultr: FakeVultr;
  linode: FakeLinode;
  /** Environment for shop/platform/config.ts. */
  env: {
    DO_API_URL: string;
    DO_API_TOKEN: string;
    VULTR_API_URL: string;
    VULTR_API_KEY: string;
    LINODE_API_URL: string;
    LINODE_API_TOKEN: string;
  };
  /** The same, in the shape of `config.providers` (for createProviders). */
  providers: {
    digitalocean: { token: string; apiUrl: string };
    vultr: { token: string; apiUrl: string };
    linode: { token: string; apiUrl: string };
  };
  reset(): void;
  stop(): Promise<void>;
}

/** Starts all three fakes (each on its own 127.0.0.1 port) with the same options. */
export async function startFakeClouds(
  opts: FakeCloudOptions & { digitalocean?: FakeCloudOptions; vultr?: FakeCloudOptions; linode?: FakeCloudOptions } = {},
): Promise<FakeClouds> {
  const { digitalocean: doOpts, vultr: vOpts, linode: lOpts, ...common } = opts;
  const [digitalocean, vultr, linode] = await Promise.all([
    startFakeDigitalOcean({ ...common, ...doOpts }),
    startFakeVultr({ ...common, ...vOpts }),
    startFakeLinode({ ...common, ...lOpts }),
  ]);
  return {
    digitalocean,
    vultr,
    linode,
    env: {
      DO_API_URL: digitalocean.url,
      DO_API_TOKEN: digitalocean.token,
      VULTR_API_URL: vultr.url,
      VULTR_API_KEY: vultr.token,
      LINODE_API_URL: linode.url,
      LINODE_API_TOKEN: linode.token,
    },
    providers: {
      digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
      vultr: { token: vultr.token, apiUrl: vultr.url },
      linode: { token: linode.token, apiUrl: linode.url },
    },
    reset: () => {
      digitalocean.reset();
      vultr.reset();
      linode.reset();
    },
    stop: async () => {
      await Promise.all([digitalocean.stop(), vultr.stop(), linode.stop()]);
    },
  };
}
