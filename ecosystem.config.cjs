// PM2 process file. Build first (`npm run build`), put settings in .env, then:
//   pm2 start ecosystem.config.cjs && pm2 save
// One process per role. Exactly one polling bot (two pollers get 409 Conflict from
// Telegram) and one scheduler (node-cron runs once per process). Workers may scale.
// For BOT_MODE=webhook, run the bot inside the web process instead: set
// VPS_WEBHOOK_MODE=1 when starting PM2 and the "web" app gets both roles.
const path = require("node:path");

const webhook = process.env.VPS_WEBHOOK_MODE === "1";
const cwd = __dirname;
const envFile = process.env.VPS_ENV_FILE || path.join(cwd, ".env");

/** Settings shared by every role. */
const common = {
  cwd,
  script: "dist/ops/main.js",
  interpreter: "node",
  node_args: [`--env-file=${envFile}`],
  exec_mode: "fork",
  autorestart: true,
  // Above SHUTDOWN_TIMEOUT_MS (30 s) so a running provisioning job can finish.
  kill_timeout: 35_000,
  // Exponential back-off between crash restarts, and no restart loop on bad config (exit 78).
  exp_backoff_restart_delay: 1_000,
  max_restarts: 50,
  min_uptime: "10s",
  stop_exit_codes: [78],
  max_memory_restart: "512M",
  merge_logs: true,
  time: false,
  env: { NODE_ENV: "production" },
};

module.exports = {
  apps: [
    { ...common, name: "vps-web", args: webhook ? "web bot" : "web", instances: 1 },
    ...(webhook ? [] : [{ ...common, name: "vps-bot", args: "bot", instances: 1 }]),
    { ...common, name: "vps-worker", args: "worker", instances: Number(process.env.VPS_WORKERS || 1) },
    { ...common, name: "vps-scheduler", args: "scheduler", instances: 1 },
  ],
};
