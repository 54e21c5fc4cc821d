import type { AlertCheck, AlertCondition } from "../alerts/types.js";
import { maintenanceState } from "./state.js";

/**
 * "Provider or gateway API unreachable": one alert per dependency the breaker paused, raised
 * while it stays paused and resolved (by the alert runner) once the probe resumes it. A pause
 * the owner set by hand is their own decision, not an alert.
 */
export const dependencyUnreachableCheck: AlertCheck = {
  kind: "dependency-unreachable",
  async evaluate({ prisma }) {
    const state = await maintenanceState(prisma);
    return state.active
      .filter((s) => s.reason === "AUTO" && s.scope !== "GLOBAL")
      .map((s): AlertCondition => {
        const [kind, code] = s.scope.split(":", 2) as [string, string];
        const what = kind === "PROVIDER" ? `cloud provider ${code}` : `payment gateway ${code}`;
        return {
          fingerprint: `dependency-unreachable:${s.scope}`,
          kind: "dependency-unreachable",
          severity: "critical",
          title: `${what} API unreachable: selling through it is paused since ${s.since.toISOString()}`,
          ...(s.detail ? { detail: s.detail } : {}),
          nextStep:
            kind === "PROVIDER"
              ? `Check the provider's status page and its API token (npm run doctor). Its plans show as unavailable; selling resumes by itself once its API answers again.`
              : `Check the gateway's status page and its keys (npm run doctor). Customers are offered the other payment methods; it resumes by itself once its API answers again.`,
        };
      });
  },
};
