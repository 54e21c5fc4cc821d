export * from "./content.js";
export { countAudience, audienceWhere } from "./audience.js";
export * from "./lifecycle.js";
export { BroadcastLimiter } from "./limiter.js";
export { renderProgress, progressLocale, formatDuration, type ProgressStats, type Translate } from "./progress.js";
export { sendBroadcastMessage, broadcastKeyboard, classifySendError } from "./send.js";
