import { UnrecoverableError } from "bullmq";
import type { Api } from "grammy";
import type { Logger } from "../../shop/platform/logger.js";
import type { Payload } from "../queues.js";

const ICON = { info: "ℹ️", warning: "⚠️", critical: "🚨" } as const;

/**
 * Private alerts for the owner(s) only. Each owner is tried; the job fails (and
 * retries) only if nobody could be told.
 */
export function ownerAlertsProcessor(deps: { api: Api; ownerIds: number[]; logger: Logger }) {
  return async (payload: Payload<"owner-alerts">) => {
    if (deps.ownerIds.length === 0) throw new UnrecoverableError("OWNER_IDS is empty: nobody to alert");
    const text = `${ICON[payload.severity]} ${payload.title}${payload.detail ? `\n\n${payload.detail}` : ""}`;
    let delivered = 0;
    for (const ownerId of deps.ownerIds) {
      try {
        await deps.api.sendMessage(ownerId, text);
        delivered++;
      } catch (err) {
        deps.logger.warn({ err, ownerId }, "owner alert not delivered to this owner");
      }
    }
    if (delivered === 0) throw new Error("owner alert reached no owner");
    return { delivered };
  };
}
