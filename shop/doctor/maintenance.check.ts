import { maintenanceState } from "../maintenance/state.js";
import { withTimeout } from "../maintenance/timeout.js";
import { pass, reason, warn, type DoctorCheck } from "./types.js";

/** Launching with the shop in maintenance, or a provider/gateway paused, is worth a second look. */
export const maintenanceChecks: DoctorCheck = async ({ prisma, timeoutMs }) => {
  try {
    const state = await withTimeout(maintenanceState(prisma), timeoutMs);
    if (state.active.length === 0) return [pass("maintenance mode", "off; nothing paused")];
    const list = state.active.map((s) => `${s.scope} (${s.reason}${s.detail ? `: ${s.detail.slice(0, 80)}` : ""})`).join("; ");
    return [warn("maintenance mode", `paused: ${list}`, "The owner's /maintenance off ends the global pause; a provider or gateway paused AUTO resumes once its API answers (check it with the credential lines above).")];
  } catch (err) {
    return [warn("maintenance mode", `could not read: ${reason(err)}`, "Check DATABASE_URL and run npm run db:migrate.")];
  }
};
