/** Staff powers of order lookup and order actions (/order): see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const ORDER_ACTIONS: StaffAction[] = [];
