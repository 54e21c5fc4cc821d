/** Owner alerts: raise/resolve one-off alerts, and the types periodic checks are written against. */
export type { AlertCheck, AlertCheckContext, AlertCondition, AlertDeps, AlertSeverity, QueueInspector } from "./types.js";
export { raiseAlert, resolveAlert } from "./store.js";
