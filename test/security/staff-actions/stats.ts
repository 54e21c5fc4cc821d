/** Staff powers of stats charts: see ../staff-table.ts for what each row must give. (/stats itself is in the base table.) */
import type { StaffAction } from "../staff-table.js";

export const STATS_ACTIONS: StaffAction[] = [
  {
    // "📈 7 / 30 / 90 days" under /stats' numbers: the charts drawn again for that period.
    name: "st:d:",
    kind: "callback",
    permission: "stats.view",
    arrange: async () => ({ steps: [{ data: "st:d:7" }], tookEffect: async (calls) => calls.some((c) => c.method === "sendMediaGroup") }),
  },
];
