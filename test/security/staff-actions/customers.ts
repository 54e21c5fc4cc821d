/** Staff powers of customer lookup and customer actions (/customer): see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const CUSTOMER_ACTIONS: StaffAction[] = [];
