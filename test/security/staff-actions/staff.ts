/** Staff powers of the staff console (/staff, roles): see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const STAFF_CONSOLE_ACTIONS: StaffAction[] = [];
