/** Staff powers of reseller tools that need a staff permission: see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const RESELLER_ACTIONS: StaffAction[] = [];
