import type { PageRoute } from "./router";

/** Stand-in while ui/staff/routes.tsx does not exist: no staff pages. */
export const staffRoutes: PageRoute[] = [];
