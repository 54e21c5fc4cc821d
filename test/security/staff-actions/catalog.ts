/** Staff powers of catalog, coupon and bank-account editing: see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const CATALOG_ACTIONS: StaffAction[] = [];
