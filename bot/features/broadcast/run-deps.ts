import { broadcastEnqueuer } from "../../../jobs/broadcast-runs.js";
import type { LifecycleDeps } from "../../../shop/broadcasts/index.js";
import type { BotDeps } from "../../context.js";

/** What the broadcast lifecycle needs from the bot: Postgres, and the queue its runs go to. */
export function broadcastRunDeps(deps: Pick<BotDeps, "prisma" | "queues">): LifecycleDeps {
  return { prisma: deps.prisma, enqueueRun: broadcastEnqueuer(deps.queues) };
}
