import { createProviders } from "../cloud/providers.js";
import { PROBE_TAG } from "../maintenance/probes.js";
import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, type DoctorCheck, type DoctorResult } from "./types.js";

/** Each configured cloud's token, by one authenticated read: its servers with a tag nobody uses. */
export const cloudChecks: DoctorCheck = async ({ config, timeoutMs }) => {
  const providers = createProviders(config.providers, { fetchOptions: { retries: 0, timeoutMs } });
  const entries = Object.values(providers).filter((p) => p !== undefined);
  if (entries.length === 0) return [fail("cloud providers", "no provider is configured", "Set DO_API_TOKEN, VULTR_API_KEY or LINODE_API_TOKEN in .env.")];
  return Promise.all(
    entries.map(async (provider): Promise<DoctorResult> => {
      const name = `${provider.code} credentials`;
      try {
        await withTimeout(provider.findByTag(PROBE_TAG), timeoutMs + 500);
        return pass(name, "API token accepted");
      } catch (err) {
        return fail(name, reason(err), `Check the ${provider.code} API token in .env (read and write scope) and that the API is reachable from this server.`);
      }
    }),
  );
};
