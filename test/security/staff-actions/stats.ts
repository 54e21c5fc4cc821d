/** Staff powers of stats charts: see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const STATS_ACTIONS: StaffAction[] = [];
