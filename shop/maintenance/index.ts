/** Maintenance mode: the whole bot (owner's switch) and per provider/gateway pauses (the breaker). */
export { GLOBAL_SCOPE, STATE_CACHE_MS, forgetMaintenanceState, maintenanceState, setMaintenance, setScope } from "./state.js";
export type { MaintenanceActor, MaintenanceScope, MaintenanceState, ScopeState } from "./state.js";
