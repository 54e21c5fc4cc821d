import { dependencyUnreachableCheck } from "../maintenance/unreachable.check.js";
import type { AlertCheck } from "./types.js";

/**
 * Every periodic alert check, run each minute by jobs/processors/alert-checks.processor.ts (one
 * process at a time). To add one: write an AlertCheck in its own file and append one line here.
 */
export const ALERT_CHECKS: AlertCheck[] = [
  dependencyUnreachableCheck,
];
