/** Maintenance mode: the whole bot (owner's switch) and per provider/gateway pauses (the breaker). */
export { GLOBAL_SCOPE, STATE_CACHE_MS, forgetMaintenanceState, maintenanceState, setMaintenance, setScope } from "./state.js";
export type { MaintenanceActor, MaintenanceScope, MaintenanceState, ScopeState } from "./state.js";
export { DEFAULT_BREAKER, DependencyHealth, dependencyHealth, isOutage, startDependencyProbes } from "./dependency-health.js";
export type { BreakerPolicy, DependencyScope } from "./dependency-health.js";
export { isPaused, pauseAwareAvailability } from "./selling.js";
export { dependencyProbes, startMaintenanceWatch } from "./probes.js";
export { dependencyUnreachableCheck } from "./unreachable.check.js";
