import { paymentsCheck } from "./checks/payments.check.js";
import { provisioningCheck } from "./checks/provisioning.check.js";
import { queueAgeCheck } from "./checks/queue-age.check.js";
import { resourcesCheck } from "./checks/resources.check.js";
import { rolesCheck } from "./checks/roles.check.js";
import { secretsCheck } from "./checks/secrets.check.js";
import { signaturesCheck } from "./checks/signatures.check.js";
import { uncaughtErrorsCheck } from "./checks/uncaught-errors.check.js";
import { dependencyUnreachableCheck } from "../maintenance/unreachable.check.js";
import { backupStalenessCheck } from "../backup/staleness.check.js";
import type { AlertCheck } from "./types.js";

/**
 * Every periodic alert check, run each minute by jobs/processors/alert-checks.processor.ts (one
 * process at a time). To add one: write an AlertCheck in its own file and append one line here.
 */
export const ALERT_CHECKS: AlertCheck[] = [
  rolesCheck,
  uncaughtErrorsCheck,
  paymentsCheck,
  signaturesCheck,
  provisioningCheck,
  queueAgeCheck,
  resourcesCheck,
  secretsCheck,
  dependencyUnreachableCheck,
  backupStalenessCheck,
];
