// PM2 process file. Build first (`npm run build`), put settings in .env, then:
//   pm2 start ecosystem.config.cjs && pm2 save
// One process per role. Workers may scale (VPS_WORKERS=n). On several hosts (ops/TOPOLOGY.md)
// each host starts the apps it runs: `pm2 start ecosystem.config.cjs --only vps-web,vps-worker`.
// A second polling bot only stands by (bot processes elect one poller in Postgres; Telegram
// answers a second poller 409 Conflict), and each scheduler tick is claimed once in Postgres,
// so one scheduler per host is safe.
// For BOT_MODE=webhook, run the bot inside the web process instead: set
// VPS_WEBHOOK_MODE=1 when starting PM2 and the "web" app gets both roles.
// On a 1 GB machine run the four roles in one process: VPS_LAYOUT=all (ops/install.sh picks it).
// VPS_LOG_DIR=/var/log/vps-shop writes the logs there (rotated by ops/logrotate/vps-shop).
const { readFileSync } = require("node:fs");
const path = require("node:path");

const webhook = process.env.VPS_WEBHOOK_MODE === "1";
const allInOne = process.env.VPS_LAYOUT === "all";
const cwd = __dirname;
const envFile = process.env.VPS_ENV_FILE || path.join(cwd, ".env");
const logDir = process.env.VPS_LOG_DIR;

/**
 * Node/V8 memory flags: the same as the systemd unit's (read from it, one source of truth;
 * `npm run bench -- memory` measures them).
 */
const nodeFlags = (/^ExecStart=(.*)$/m.exec(readFileSync(path.join(cwd, "ops/systemd/vps-shop@.service"), "utf8"))?.[1] ?? "")
  .split(/\s+/)
  .filter((w) => w.startsWith("--") && !w.startsWith("--env-file"));

/** Settings shared by every role. */
const common = {
  cwd,
  script: "dist/ops/main.js",
  interpreter: "node",
  node_args: [`--env-file=${envFile}`, ...nodeFlags],
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

/** One app; its log files under VPS_LOG_DIR when set (else PM2's ~/.pm2/logs). */
const app = (name, args, extra = {}) => ({
  ...common,
  name,
  args,
  instances: 1,
  ...(logDir ? { out_file: path.join(logDir, `${name}.log`), error_file: path.join(logDir, `${name}.error.log`) } : {}),
  ...extra,
});

module.exports = {
  apps: allInOne
    ? [app("vps-shop", "all")]
    : [
        app("vps-web", webhook ? "web bot" : "web"),
        ...(webhook ? [] : [app("vps-bot", "bot")]),
        app("vps-worker", "worker", { instances: Number(process.env.VPS_WORKERS || 1) }),
        app("vps-scheduler", "scheduler"),
      ],
};
