/** Staff powers of the pending queue (/pending): see ../staff-table.ts for what each row must give. */
import type { StaffAction } from "../staff-table.js";

export const PENDING_ACTIONS: StaffAction[] = [];
