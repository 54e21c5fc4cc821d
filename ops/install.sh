#!/usr/bin/env bash
# Installs the VPS shop on a fresh Debian 12 or Ubuntu 24.04 server, as root:
#
#   git clone <this repository> /opt/vps-shop && sudo /opt/vps-shop/ops/install.sh
#
# Node.js 20, PostgreSQL, Redis (AOF + noeviction), a service user "vpsshop", the app in
# /opt/vps-shop (npm ci, build, migrations), its .env (prompts + generated secrets), systemd
# units chosen by the machine's memory (1 GB: one all-in-one process; 2 GB+: one process per
# role), logrotate, a firewall (22/80/443 only), Caddy as the TLS reverse proxy, then the
# prelaunch doctor. Safe to re-run: every step checks before it acts; a value already in .env
# is never replaced, so secrets survive (re-run after `git pull` to update the app).
#
# Non-interactive (automation, tests): VPSSHOP_NONINTERACTIVE=1 and the answers as variables:
#   VPSSHOP_BOT_TOKEN, VPSSHOP_OWNER_IDS (required), VPSSHOP_DOMAIN (optional: without it the bot
#   polls Telegram and no TLS site is set up), VPSSHOP_BACKUP_PUBLIC_KEY (optional).
# Overrides: VPSSHOP_REDIS_URL (a Redis run elsewhere: its settings are then yours to make),
#   VPSSHOP_DB_NAME (default vps_shop), VPSSHOP_MEMORY_MB (instead of /proc/meminfo), VPSSHOP_DEPLOYMENT=all|split,
#   VPSSHOP_SSH_PORT (default 22), VPSSHOP_SKIP_FIREWALL=1, VPSSHOP_SKIP_DOCTOR=1.
# INSTALL_ROOT=/some/dir writes every file under that directory instead of / (the tests run the
# script in such a sandbox with stand-ins for apt-get, systemctl, ufw, …).
set -euo pipefail

ROOT="${INSTALL_ROOT:-}"
APP_DIR="/opt/vps-shop"
SERVICE_USER="vpsshop"
DB_NAME="${VPSSHOP_DB_NAME:-vps_shop}"
NODE_MIN="20.19.0"
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# 1 GB machines (which report ~960 MiB) get the all-in-one process; 2 GB and up one per role.
SPLIT_FROM_MB=1536
CHANGED=0

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
ok() { printf '    %s\n' "$*"; }
warn() { printf '\033[33m !  %s\033[0m\n' "$*" >&2; }
die() {
  printf '\033[31m✗  %s\033[0m\n' "$*" >&2
  exit 1
}
# A path on the target system (under INSTALL_ROOT in a sandbox).
p() { printf '%s%s' "$ROOT" "$1"; }

# Writes stdin to a file only when the content differs; returns 0 when it changed the file.
write_if_changed() {
  local dest="$1" mode="${2:-0644}" tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if [[ -f "$dest" ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$tmp" "$dest"
  rm -f "$tmp"
  CHANGED=1
  return 0
}

version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

APT_UPDATED=0
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do pkg_installed "$pkg" || missing+=("$pkg"); done
  if [[ ${#missing[@]} -eq 0 ]]; then
    ok "already installed: $*"
    return 0
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  CHANGED=1
  ok "installed: ${missing[*]}"
}

have_systemd() { [[ -n "$ROOT" || -d /run/systemd/system ]]; }

# Starts/restarts a system service: systemctl, or without systemd (a container) its init script.
svc() {
  local action="$1" name="$2"
  if have_systemd; then
    case "$action" in
      ensure) systemctl is-enabled --quiet "$name" || systemctl enable --now "$name" ;;
      *) systemctl "$action" "$name" ;;
    esac
  elif [[ -x "/etc/init.d/$name" ]]; then
    case "$action" in
      ensure) service "$name" status >/dev/null 2>&1 || service "$name" start ;;
      *) service "$name" restart ;;
    esac
  else
    warn "no systemd and no /etc/init.d/$name: start $name yourself"
  fi
}

# Runs a command as the service user, with its own HOME and npm cache (not root's, whatever the
# calling environment says). In a sandbox runuser is a stand-in too.
as_app() { runuser -u "$SERVICE_USER" -- env HOME="$APP_DIR" npm_config_cache="$APP_DIR/.npm" "$@"; }

# ───────────────────────────── .env helpers ─────────────────────────────
ENV_FILE=""
env_get() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -n1; }
# Sets KEY only when .env has no non-empty value for it (never overwrites).
env_default() {
  local key="$1" value="$2"
  if [[ -n "$(env_get "$key")" ]]; then
    return 1
  fi
  if grep -q "^$key=" "$ENV_FILE"; then
    local tmp
    tmp="$(mktemp)"
    awk -v k="$key" -v v="$value" 'BEGIN { FS = OFS = "=" } $1 == k && !done { print k "=" v; done = 1; next } { print }' "$ENV_FILE" >"$tmp"
    cat "$tmp" >"$ENV_FILE"
    rm -f "$tmp"
  else
    printf '%s=%s\n' "$key" "$value" >>"$ENV_FILE"
  fi
  CHANGED=1
  return 0
}
secret_b64() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
secret_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Asks for a value (or takes VPSSHOP_<NAME> in non-interactive mode). $3 = "required" or "".
ask() {
  local var="VPSSHOP_$1" prompt="$2" need="${3:-}" answer
  answer="${!var:-}"
  if [[ -z "$answer" && "${VPSSHOP_NONINTERACTIVE:-0}" != "1" && -t 0 ]]; then
    read -r -p "    $prompt: " answer
  fi
  if [[ -z "$answer" && "$need" == "required" ]]; then
    die "$prompt is required (interactive prompt, or $var=… with VPSSHOP_NONINTERACTIVE=1)"
  fi
  printf '%s' "$answer"
}

# ───────────────────────────── steps ─────────────────────────────
preflight() {
  say "Checking the machine"
  if [[ -z "$ROOT" && "$(id -u)" != "0" ]]; then die "run as root (sudo $0)"; fi
  local os_id="" os_version=""
  if [[ -f "$(p /etc/os-release)" ]]; then
    os_id="$(sed -n 's/^ID=//p' "$(p /etc/os-release)" | tr -d '"')"
    os_version="$(sed -n 's/^VERSION_ID=//p' "$(p /etc/os-release)" | tr -d '"')"
  fi
  case "$os_id $os_version" in
    "debian 12" | "ubuntu 24.04") ok "$os_id $os_version" ;;
    *) warn "tested on Debian 12 and Ubuntu 24.04; this is '$os_id $os_version' — continuing" ;;
  esac
  MEMORY_MB="${VPSSHOP_MEMORY_MB:-$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)}"
  case "${VPSSHOP_DEPLOYMENT:-}" in
    all | split) DEPLOYMENT="$VPSSHOP_DEPLOYMENT" ;;
    "") if [[ "$MEMORY_MB" -ge "$SPLIT_FROM_MB" ]]; then DEPLOYMENT="split"; else DEPLOYMENT="all"; fi ;;
    *) die "VPSSHOP_DEPLOYMENT must be 'all' or 'split'" ;;
  esac
  if [[ "$DEPLOYMENT" == "all" ]]; then
    ok "memory: ${MEMORY_MB} MiB → one all-in-one process (vps-shop@all), ~150 MiB next to PostgreSQL and Redis"
  else
    ok "memory: ${MEMORY_MB} MiB → one process per role (vps-shop@web, @bot, @worker, @scheduler)"
  fi
}

install_packages() {
  say "System packages"
  apt_install ca-certificates curl gnupg rsync openssl postgresql redis-server logrotate fonts-dejavu-core fontconfig
}

install_node() {
  say "Node.js ≥ $NODE_MIN"
  local current=""
  current="$(node --version 2>/dev/null | tr -d v || true)"
  if [[ -n "$current" ]] && version_ge "$current" "$NODE_MIN"; then
    ok "node $current"
    return 0
  fi
  # The distribution's own package when it is new enough (Debian 12 and Ubuntu 24.04 ship 18.x).
  local candidate
  candidate="$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *//p' | sed 's/^[0-9]*://; s/[-+~].*//')"
  if [[ "$candidate" =~ ^[0-9]+\.[0-9]+ ]] && version_ge "$candidate" "$NODE_MIN"; then
    apt_install nodejs
    return 0
  fi
  # Otherwise NodeSource's Node 20 repository (the usual way on these distributions).
  local keyring list
  keyring="$(p /etc/apt/keyrings/nodesource.gpg)"
  list="$(p /etc/apt/sources.list.d/nodesource.list)"
  if [[ ! -s "$keyring" ]]; then
    mkdir -p "$(dirname "$keyring")"
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o "$keyring"
  fi
  if write_if_changed "$list" 0644 <<<"deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main"; then
    APT_UPDATED=0
  fi
  ok "distribution offers nodejs ${candidate:-none}; using NodeSource's node_20.x repository"
  apt_install nodejs
  current="$(node --version 2>/dev/null | tr -d v || true)"
  version_ge "${current:-0}" "$NODE_MIN" || die "node ${current:-missing} after installing; need ≥ $NODE_MIN"
}

setup_redis() {
  say "Redis: AOF persistence and noeviction (BullMQ needs both)"
  if [[ -n "${VPSSHOP_REDIS_URL:-}" ]]; then
    ok "using $VPSSHOP_REDIS_URL (VPSSHOP_REDIS_URL): set appendonly yes and maxmemory-policy noeviction there; the doctor checks"
    return 0
  fi
  local conf before
  conf="$(p /etc/redis/redis.conf)"
  [[ -f "$conf" ]] || die "$conf not found (is redis-server installed?)"
  before="$(sha256sum "$conf")"
  set_redis_option "$conf" appendonly yes
  set_redis_option "$conf" maxmemory-policy noeviction
  if [[ "$(sha256sum "$conf")" != "$before" ]]; then
    CHANGED=1
    svc restart redis-server
    ok "updated $conf, restarted redis-server"
  else
    ok "already set in $conf"
  fi
  svc ensure redis-server
}

# Sets "key value" in redis.conf: edits the active line, or adds one; never duplicates.
set_redis_option() {
  local conf="$1" key="$2" value="$3"
  if grep -Eq "^[[:space:]]*${key}[[:space:]]+${value}[[:space:]]*\$" "$conf"; then
    return 0
  fi
  if grep -Eq "^[[:space:]]*${key}[[:space:]]" "$conf"; then
    sed -i -E "s|^[[:space:]]*${key}[[:space:]].*\$|$key $value|" "$conf"
  else
    printf '\n# vps-shop (ops/install.sh)\n%s %s\n' "$key" "$value" >>"$conf"
  fi
}

setup_user() {
  say "Service user $SERVICE_USER"
  if getent passwd "$SERVICE_USER" >/dev/null; then
    ok "exists"
  else
    useradd --system --home-dir "$APP_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
    CHANGED=1
    ok "created"
  fi
}

install_app() {
  say "App in $APP_DIR"
  local app
  app="$(p "$APP_DIR")"
  mkdir -p "$app" "$app/data"
  # What the service writes next to the code (data/, backups/: BACKUP_DIR's default) and the service
  # user's caches (HOME is the app directory: .npm, .cache, .pm2) are excluded, so --delete never touches them.
  if [[ "$(cd "$app" && pwd -P)" != "$(cd "$SRC_DIR" && pwd -P)" ]]; then
    local changes
    # -rlpt: not owner/group (chown below sets those, so they would differ on every run).
    changes="$(rsync -rlpt --delete --itemize-changes \
      --exclude=/node_modules --exclude=/.git --exclude=/dist --exclude=/data --exclude=/.env \
      --exclude=/.bench --exclude=/.chaos --exclude=/.demo --exclude=/db/generated --exclude=/.install-stamps --exclude=/.pm2 --exclude=/.npm --exclude=/.cache --exclude=/backups \
      "$SRC_DIR/" "$app/" | grep -v '^\.d' || true)"
    if [[ -n "$changes" ]]; then
      CHANGED=1
      ok "copied from $SRC_DIR ($(wc -l <<<"$changes") changes, e.g. $(head -n 3 <<<"$changes" | tr '\n' ' '))"
    else
      ok "up to date with $SRC_DIR"
    fi
  else
    ok "installing in place"
  fi
  chown -R "$SERVICE_USER:$SERVICE_USER" "$app"
}

write_env() {
  say "Settings: $APP_DIR/.env"
  ENV_FILE="$(p "$APP_DIR/.env")"
  if [[ ! -f "$ENV_FILE" ]]; then
    install -m 0600 /dev/null "$ENV_FILE"
    ok "created"
  fi
  chown "$SERVICE_USER:$SERVICE_USER" "$ENV_FILE"
  chmod 0600 "$ENV_FILE"
  local token owners domain backup_key
  [[ -n "$(env_get TELEGRAM_BOT_TOKEN)" ]] || token="$(ask BOT_TOKEN "Bot token from @BotFather" required)"
  [[ -n "$(env_get OWNER_IDS)" ]] || owners="$(ask OWNER_IDS "Your Telegram user id(s), comma-separated (ask @userinfobot)" required)"
  DOMAIN="$(env_get PUBLIC_BASE_URL | sed -E 's|^https?://||; s|/.*$||')"
  [[ -n "$DOMAIN" ]] || domain="$(ask DOMAIN "Domain pointing at this server, for HTTPS webhooks (empty: the bot polls, no payment callbacks)")"
  [[ -n "$(env_get BACKUP_PUBLIC_KEY)" ]] || backup_key="$(ask BACKUP_PUBLIC_KEY "BACKUP_PUBLIC_KEY from 'npm run backup:keygen' on YOUR computer (empty: later)")"
  local today
  today="$(date -u +%Y-%m-%d)"
  env_default TELEGRAM_BOT_TOKEN "${token:-}" || true
  env_default OWNER_IDS "${owners:-}" || true
  if [[ -z "$DOMAIN" && -n "${domain:-}" ]]; then
    DOMAIN="$domain"
    env_default PUBLIC_BASE_URL "https://$DOMAIN" || true
  fi
  if [[ -n "$DOMAIN" ]]; then env_default BOT_MODE webhook || true; else env_default BOT_MODE polling || true; fi
  [[ -z "${backup_key:-}" ]] || env_default BACKUP_PUBLIC_KEY "$backup_key" || true
  env_default DATABASE_URL "postgresql://$SERVICE_USER:$(secret_hex 16)@127.0.0.1:5432/$DB_NAME" || true
  env_default REDIS_URL "${VPSSHOP_REDIS_URL:-redis://127.0.0.1:6379}" || true
  env_default HTTP_HOST 127.0.0.1 || true
  env_default HTTP_PORT 3000 || true
  env_default DATA_DIR "$APP_DIR/data" || true
  # Generated secrets: written once, never replaced by a re-run (back DATA_ENCRYPTION_KEY up separately).
  local generated=()
  env_default DATA_ENCRYPTION_KEY "$(secret_b64)" && generated+=(DATA_ENCRYPTION_KEY)
  env_default TELEGRAM_WEBHOOK_SECRET "$(secret_hex 32)" && generated+=(TELEGRAM_WEBHOOK_SECRET)
  env_default METRICS_TOKEN "$(secret_hex 24)" && generated+=(METRICS_TOKEN)
  if [[ ${#generated[@]} -gt 0 ]]; then
    local rotated=() name
    for name in "${generated[@]}"; do rotated+=("$name=$today"); done
    env_default SECRETS_ROTATED_AT "$(IFS=,; printf '%s' "${rotated[*]}")" || true
    ok "generated ${generated[*]}"
  else
    ok "kept every existing value"
  fi
  BOT_MODE="$(env_get BOT_MODE)"
}

setup_postgres() {
  say "PostgreSQL: role $SERVICE_USER and database $DB_NAME"
  svc ensure postgresql
  local url password
  url="$(env_get DATABASE_URL)"
  password="$(printf '%s' "$url" | sed -nE "s|^postgresql://$SERVICE_USER:([^@]*)@.*|\1|p")"
  if [[ -z "$password" ]]; then
    ok "DATABASE_URL points elsewhere; leaving PostgreSQL alone"
    return 0
  fi
  pg_ensure "role" "SELECT 1 FROM pg_roles WHERE rolname = '$SERVICE_USER'" "CREATE ROLE $SERVICE_USER LOGIN PASSWORD '$password'"
  pg_ensure "database" "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" "CREATE DATABASE $DB_NAME OWNER $SERVICE_USER"
}

# Runs `create` unless the query `exists` answers 1 (as the postgres superuser, over the local socket).
pg_ensure() {
  local what="$1" exists="$2" create="$3"
  if [[ "$(runuser -u postgres -- psql -tAc "$exists")" == "1" ]]; then
    ok "$what exists"
  else
    # On stdin, so the password never shows in the process list.
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<<"$create"
    CHANGED=1
    ok "$what created"
  fi
}

# A fingerprint of the files a step depends on; the step runs again only when it changes.
fingerprint() { (cd "$(p "$APP_DIR")" && { find "$@" -type f 2>/dev/null || true; } | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -d' ' -f1); }
stamp_matches() { [[ -f "$(p "$APP_DIR/.install-stamps/$1")" && "$(cat "$(p "$APP_DIR/.install-stamps/$1")")" == "$2" ]]; }
stamp_write() {
  mkdir -p "$(p "$APP_DIR/.install-stamps")"
  printf '%s' "$2" >"$(p "$APP_DIR/.install-stamps/$1")"
}

build_app() {
  say "Dependencies, build and migrations"
  local app deps code
  app="$(p "$APP_DIR")"
  deps="$(fingerprint package.json package-lock.json)"
  if stamp_matches deps "$deps" && [[ -d "$app/node_modules" ]]; then
    ok "node_modules up to date"
  else
    (cd "$app" && as_app npm ci --no-audit --no-fund)
    stamp_write deps "$deps"
    CHANGED=1
  fi
  code="$(fingerprint package-lock.json tsconfig.json tsconfig.build.json bot webhooks jobs shop ops db/schema.prisma db/client.ts)"
  if stamp_matches build "$code" && [[ -f "$app/dist/ops/main.js" ]]; then
    ok "build up to date"
  else
    (cd "$app" && as_app npm run build)
    stamp_write build "$code"
    CHANGED=1
  fi
  # prisma migrate deploy applies only what is missing (a no-op when up to date).
  (cd "$app" && as_app node --env-file="$APP_DIR/.env" db/prisma-cli.mjs migrate deploy)
  chown -R "$SERVICE_USER:$SERVICE_USER" "$app/.install-stamps"
}

UNITS=()
setup_services() {
  if [[ "$DEPLOYMENT" == "all" ]]; then
    UNITS=(vps-shop@all)
  elif [[ "$BOT_MODE" == "webhook" ]]; then
    # Webhook mode: Telegram's updates arrive at the web process, which runs the bot too.
    UNITS=(vps-shop@web vps-shop@worker vps-shop@scheduler)
  else
    UNITS=(vps-shop@web vps-shop@bot vps-shop@worker vps-shop@scheduler)
  fi
  if ! have_systemd; then
    setup_pm2
    return 0
  fi
  say "systemd: ${UNITS[*]}"
  local reload=0 unit dropin
  write_if_changed "$(p /etc/systemd/system/vps-shop@.service)" 0644 <"$SRC_DIR/ops/systemd/vps-shop@.service" && reload=1
  dropin="$(p /etc/systemd/system/vps-shop@web.service.d/webhook.conf)"
  if [[ "$DEPLOYMENT" == "split" && "$BOT_MODE" == "webhook" ]]; then
    write_if_changed "$dropin" 0644 <"$SRC_DIR/ops/systemd/vps-shop@web.service.d/webhook.conf" && reload=1
  elif [[ -f "$dropin" ]]; then
    rm -f "$dropin"
    reload=1
    CHANGED=1
  fi
  [[ $reload -eq 0 ]] || systemctl daemon-reload
  # Units of the other layout are stopped (switching 1 GB → 2 GB or polling → webhook).
  for unit in vps-shop@all vps-shop@web vps-shop@bot vps-shop@worker vps-shop@scheduler; do
    if [[ " ${UNITS[*]} " != *" $unit "* ]] && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      systemctl disable --now "$unit"
      CHANGED=1
    fi
  done
  for unit in "${UNITS[@]}"; do
    if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      systemctl enable --now "$unit"
      CHANGED=1
      ok "$unit enabled and started"
    elif [[ $CHANGED -eq 1 ]]; then
      systemctl restart "$unit"
      ok "$unit restarted (something changed)"
    else
      systemctl is-active --quiet "$unit" || systemctl start "$unit"
      ok "$unit running"
    fi
  done
}

# Without systemd (a container): PM2 from the app's own node_modules, as the service user.
setup_pm2() {
  say "PM2 (no systemd on this machine): $([[ "$DEPLOYMENT" == all ]] && echo "one all-in-one process" || echo "one process per role")"
  local app pm2
  app="$(p "$APP_DIR")"
  pm2="$app/node_modules/.bin/pm2"
  [[ -x "$pm2" ]] || die "pm2 not found in $app/node_modules (npm ci failed?)"
  mkdir -p "$(p /var/log/vps-shop)"
  chown "$SERVICE_USER:$SERVICE_USER" "$(p /var/log/vps-shop)"
  local layout=split
  [[ "$DEPLOYMENT" == "all" ]] && layout=all
  local online
  online="$(cd "$app"; { as_app "$pm2" jlist 2>/dev/null || true; } | { grep -o '"status":"online"' || true; } | wc -l)"
  if [[ $CHANGED -eq 0 && "$online" -ge "${#UNITS[@]}" ]]; then
    ok "running, nothing changed"
    return 0
  fi
  (cd "$app" && as_app VPS_LAYOUT="$layout" VPS_LOG_DIR=/var/log/vps-shop VPS_WEBHOOK_MODE="$([[ "$BOT_MODE" == webhook ]] && echo 1 || echo 0)" \
    "$pm2" startOrReload ecosystem.config.cjs --update-env)
  (cd "$app" && as_app "$pm2" save)
}

setup_logrotate() {
  say "logrotate"
  if write_if_changed "$(p /etc/logrotate.d/vps-shop)" 0644 <"$SRC_DIR/ops/logrotate/vps-shop"; then ok "installed /etc/logrotate.d/vps-shop"; else ok "up to date"; fi
  if have_systemd; then
    # With systemd the service logs go to the journal: cap it so it never fills a small disk.
    if write_if_changed "$(p /etc/systemd/journald.conf.d/vps-shop.conf)" 0644 <"$SRC_DIR/ops/logrotate/journald-vps-shop.conf"; then
      systemctl restart systemd-journald
      ok "journal capped (journald.conf.d/vps-shop.conf)"
    fi
  fi
}

setup_firewall() {
  say "Firewall: SSH, HTTP and HTTPS only"
  if [[ "${VPSSHOP_SKIP_FIREWALL:-0}" == "1" ]]; then
    ok "skipped (VPSSHOP_SKIP_FIREWALL=1)"
    return 0
  fi
  apt_install ufw
  local ssh_port="${VPSSHOP_SSH_PORT:-22}" rules port
  rules="$(ufw show added 2>/dev/null || true)"
  for port in "$ssh_port" 80 443; do
    if grep -Eq "^ufw allow $port/tcp$" <<<"$rules"; then
      ok "$port/tcp allowed"
    else
      ufw allow "$port/tcp"
      CHANGED=1
    fi
  done
  if ufw status | grep -q "^Status: active"; then
    ok "ufw active"
  else
    ufw default deny incoming
    ufw default allow outgoing
    ufw --force enable
    CHANGED=1
    ok "ufw enabled (deny incoming except the above)"
  fi
}

setup_caddy() {
  say "Caddy: HTTPS reverse proxy"
  if [[ -z "$DOMAIN" ]]; then
    ok "no domain: skipped (the bot polls Telegram; set PUBLIC_BASE_URL and re-run to add HTTPS webhooks)"
    return 0
  fi
  apt_install caddy
  local file marker="# managed by vps-shop ops/install.sh"
  file="$(p /etc/caddy/Caddyfile)"
  if [[ -f "$file" ]] && ! grep -qF "$marker" "$file" && [[ ! -f "$file.before-vps-shop" ]]; then
    cp -p "$file" "$file.before-vps-shop"
    ok "kept the previous Caddyfile as Caddyfile.before-vps-shop"
  fi
  local port
  port="$(env_get HTTP_PORT)"
  if sed -e "s|__DOMAIN__|$DOMAIN|g" -e "s|__UPSTREAM__|127.0.0.1:${port:-3000}|g" "$SRC_DIR/ops/caddy/Caddyfile" | write_if_changed "$file" 0644; then
    svc ensure caddy
    svc reload-or-restart caddy
    ok "https://$DOMAIN → 127.0.0.1:${port:-3000} (certificate from Let's Encrypt on first request)"
  else
    ok "up to date (https://$DOMAIN)"
  fi
}

run_doctor() {
  say "Prelaunch doctor"
  if [[ "${VPSSHOP_SKIP_DOCTOR:-0}" == "1" ]]; then
    ok "skipped (VPSSHOP_SKIP_DOCTOR=1)"
    return 0
  fi
  if ! grep -q '"doctor"' "$(p "$APP_DIR/package.json")"; then
    ok "this version has no 'npm run doctor'"
    return 0
  fi
  # The doctor's verdict is printed, not fatal: its FAIL lines say what to fix before launch.
  (cd "$(p "$APP_DIR")" && as_app npm run --silent doctor) || warn "the doctor reported problems (above); fix them and re-run: cd $APP_DIR && sudo -u $SERVICE_USER npm run doctor"
}

summary() {
  say "Done"
  if [[ "$DEPLOYMENT" == "all" ]]; then
    ok "deployment: one all-in-one process (${MEMORY_MB} MiB of memory): ${UNITS[*]}"
  else
    ok "deployment: one process per role (${MEMORY_MB} MiB of memory): ${UNITS[*]}"
  fi
  ok "settings: $APP_DIR/.env (back up DATA_ENCRYPTION_KEY somewhere else: without it stored data cannot be read)"
  [[ -n "$(env_get BACKUP_PUBLIC_KEY)" ]] || warn "backups need BACKUP_PUBLIC_KEY: run 'npm run backup:keygen' on your own computer, put the public line in $APP_DIR/.env, re-run this script"
  if have_systemd; then ok "logs: journalctl -u 'vps-shop@*' -f"; else ok "logs: /var/log/vps-shop/"; fi
  ok "re-run this script any time (after git pull to update): it changes only what differs"
}

main() {
  preflight
  install_packages
  install_node
  setup_redis
  setup_user
  install_app
  write_env
  setup_postgres
  build_app
  setup_logrotate
  setup_services
  setup_firewall
  setup_caddy
  run_doctor
  summary
}

main "$@"
