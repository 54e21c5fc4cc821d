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
#
# Several hosts (ops/TOPOLOGY.md, "From one VPS to two"), all addresses on one private network:
# - The first host (PostgreSQL, Redis, Caddy, the backups) lets app hosts in:
#     VPSSHOP_PRIVATE_ADDRESS=10.0.0.11 VPSSHOP_APP_HOSTS="10.0.0.12" ops/install.sh
#   PostgreSQL and Redis also listen on the private address (Redis with a password), only the app
#   hosts may reach them (pg_hba, ufw), and Caddy balances over this host and the app hosts.
# - Each app host runs the app only, with the first host's settings and secrets:
#     scp first:/opt/vps-shop/.env /root/shop.env   # then, on the app host:
#     VPSSHOP_JOIN_ENV=/root/shop.env VPSSHOP_PRIVATE_ADDRESS=10.0.0.12 VPSSHOP_PRIMARY_ADDRESS=10.0.0.11 ops/install.sh
#   No PostgreSQL, Redis or Caddy there, no migrations (it checks the database is at this code's
#   migrations instead), no backups (WORKER_QUEUES), the app port open to the balancer only
#   (VPSSHOP_LB_ADDRESS, default the first host).
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
# Several hosts (see the top): this host's private address, the app hosts the first host lets in,
# and on an app host the first host's .env, the first host's address and the load balancer's.
PRIVATE_ADDRESS="${VPSSHOP_PRIVATE_ADDRESS:-}"
APP_HOSTS="${VPSSHOP_APP_HOSTS:-}"
JOIN_ENV="${VPSSHOP_JOIN_ENV:-}"
PRIMARY_ADDRESS="${VPSSHOP_PRIMARY_ADDRESS:-}"
LB_ADDRESS="${VPSSHOP_LB_ADDRESS:-}"
# What the workers of an app host leave to the first host: the backups (its BACKUP_DIR keeps the
# copies the drill restores) and the purge of screenshot files stored there before PostgreSQL held them.
APP_HOST_QUEUES="all,-backups,-screenshot-purge"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
ok() { printf '    %s\n' "$*"; }
warn() { printf '\033[33m !  %s\033[0m\n' "$*" >&2; }
JOIN_TMP=""
die() {
  printf '\033[31m✗  %s\033[0m\n' "$*" >&2
  # A half-made copy of the first host's .env holds its secrets: never left behind.
  [[ -z "$JOIN_TMP" ]] || rm -f "$JOIN_TMP"
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
# Writes KEY=VALUE into .env: in place of its first KEY= line (later ones dropped), or appended.
env_write() {
  local key="$1" value="$2"
  if grep -q "^$key=" "$ENV_FILE"; then
    local tmp
    tmp="$(mktemp)"
    awk -v k="$key" -v v="$value" 'BEGIN { FS = OFS = "=" } $1 == k { if (!done) print k "=" v; done = 1; next } { print }' "$ENV_FILE" >"$tmp"
    cat "$tmp" >"$ENV_FILE"
    rm -f "$tmp"
  else
    printf '%s=%s\n' "$key" "$value" >>"$ENV_FILE"
  fi
  CHANGED=1
}
# Sets KEY only when .env has no non-empty value for it (never overwrites).
env_default() {
  [[ -z "$(env_get "$1")" ]] || return 1
  env_write "$1" "$2"
}
# Sets KEY to VALUE, replacing what .env has: only for values that belong to this host (its address).
env_set() {
  [[ "$(env_get "$1")" != "$2" ]] || return 1
  env_write "$1" "$2"
}
# The host of a postgresql:// or redis:// URL (user, password, port, path and query left out).
url_host() { sed -E 's|^[a-z]+://([^@/]*@)?([^:/?]*).*$|\2|' <<<"$1"; }
is_loopback() { [[ "$1" == 127.* || "$1" == localhost || "$1" == "::1" || "$1" == "[::1]" ]]; }
# The same URL with its host replaced.
url_with_host() { sed -E "s|^([a-z]+://([^@/]*@)?)[^:/?]*|\1$2|" <<<"$1"; }
is_ipv4() { [[ "$1" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]]; }
http_port() {
  local port
  port="$(env_get HTTP_PORT)"
  printf '%s' "${port:-3000}"
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
  preflight_hosts
}

# Checks the several-hosts answers before anything changes, and keeps them for the next run: a
# re-run without them (an update after git pull) keeps the host's place (HOST_ROLE: single, first, app).
HOST_ROLE=single
preflight_hosts() {
  local saved a addresses
  saved="$(p "$APP_DIR/.install-stamps/hosts")"
  if [[ -z "$JOIN_ENV$APP_HOSTS$PRIVATE_ADDRESS$PRIMARY_ADDRESS$LB_ADDRESS" && -f "$saved" ]]; then
    HOST_ROLE="$(sed -n 's/^role=//p' "$saved")"
    PRIVATE_ADDRESS="$(sed -n 's/^private=//p' "$saved")"
    APP_HOSTS="$(sed -n 's/^app_hosts=//p' "$saved")"
    PRIMARY_ADDRESS="$(sed -n 's/^primary=//p' "$saved")"
    LB_ADDRESS="$(sed -n 's/^lb=//p' "$saved")"
    ok "several hosts: the answers of the previous run ($APP_DIR/.install-stamps/hosts)"
  elif [[ -n "$JOIN_ENV" && -n "$APP_HOSTS" ]]; then
    die "VPSSHOP_JOIN_ENV (this is an app host) and VPSSHOP_APP_HOSTS (this is the first host) exclude each other"
  elif [[ -n "$JOIN_ENV" ]]; then
    HOST_ROLE=app
  elif [[ -n "$APP_HOSTS" ]]; then
    HOST_ROLE=first
  fi
  case "$HOST_ROLE" in
    single) return 0 ;;
    first | app) ;;
    *) die "$saved: unknown role '$HOST_ROLE' (delete the file and re-run with the several-hosts answers)" ;;
  esac
  [[ -n "$PRIVATE_ADDRESS" ]] || die "VPSSHOP_PRIVATE_ADDRESS is required with several hosts: this host's address on the private network (e.g. 10.0.0.12)"
  for a in $PRIVATE_ADDRESS $APP_HOSTS $PRIMARY_ADDRESS $LB_ADDRESS; do
    is_ipv4 "$a" || die "'$a' is not an IPv4 address (VPSSHOP_PRIVATE_ADDRESS, VPSSHOP_APP_HOSTS, VPSSHOP_PRIMARY_ADDRESS and VPSSHOP_LB_ADDRESS take private IPv4 addresses)"
  done
  for a in $APP_HOSTS; do
    [[ "$a" != "$PRIVATE_ADDRESS" ]] || die "VPSSHOP_APP_HOSTS lists this host's own address ($a); list the other hosts"
  done
  # The app (and on the first host Redis, which will not start otherwise) binds this address.
  # Read whole first: with pipefail, `ip … | grep -q` fails when grep stops reading early (SIGPIPE).
  addresses="$(ip -4 -o addr show 2>/dev/null || true)"
  if ! grep -qF " $PRIVATE_ADDRESS/" <<<"$addresses"; then
    die "VPSSHOP_PRIVATE_ADDRESS=$PRIVATE_ADDRESS is not an address of this machine (ip -4 addr show): give this host's own address on the private network"
  fi
  if [[ "$HOST_ROLE" == app ]]; then
    if [[ -n "$JOIN_ENV" ]]; then
      [[ -f "$JOIN_ENV" ]] || die "VPSSHOP_JOIN_ENV=$JOIN_ENV: no such file (copy /opt/vps-shop/.env from the first host, e.g. with scp)"
    elif [[ ! -s "$(p "$APP_DIR/.env")" ]]; then
      die "this app host has no $APP_DIR/.env yet: give the first host's as VPSSHOP_JOIN_ENV"
    fi
    LB_ADDRESS="${LB_ADDRESS:-$PRIMARY_ADDRESS}"
    [[ -n "$LB_ADDRESS" ]] || die "VPSSHOP_PRIMARY_ADDRESS (the first host's private address) is required on an app host; VPSSHOP_LB_ADDRESS too when the balancer is elsewhere"
    ok "app host $PRIVATE_ADDRESS${JOIN_ENV:+, joining with the settings in $JOIN_ENV}"
  else
    ok "first host $PRIVATE_ADDRESS; app hosts let in: $APP_HOSTS"
  fi
  printf 'role=%s\nprivate=%s\napp_hosts=%s\nprimary=%s\nlb=%s\n' "$HOST_ROLE" "$PRIVATE_ADDRESS" "$APP_HOSTS" "$PRIMARY_ADDRESS" "$LB_ADDRESS" |
    write_if_changed "$saved" 0644 || true
}

install_packages() {
  say "System packages"
  if [[ "$HOST_ROLE" == app ]]; then
    # An app host reaches the first host's PostgreSQL and Redis; it keeps no data of its own.
    apt_install ca-certificates curl gnupg rsync openssl logrotate fonts-dejavu-core fontconfig
  else
    apt_install ca-certificates curl gnupg rsync openssl postgresql redis-server logrotate fonts-dejavu-core fontconfig
  fi
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
  if set_redis_options appendonly yes maxmemory-policy noeviction; then
    ok "updated /etc/redis/redis.conf, restarted redis-server"
  else
    ok "already set in /etc/redis/redis.conf"
  fi
  svc ensure redis-server
}

# Sets redis.conf options (key value key value …); restarts Redis and returns 0 when the file changed.
set_redis_options() {
  local conf before
  conf="$(p /etc/redis/redis.conf)"
  [[ -f "$conf" ]] || die "$conf not found (is redis-server installed?)"
  before="$(sha256sum "$conf")"
  while [[ $# -ge 2 ]]; do
    set_redis_option "$conf" "$1" "$2"
    shift 2
  done
  [[ "$(sha256sum "$conf")" != "$before" ]] || return 1
  CHANGED=1
  svc restart redis-server
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

# An app host's .env: the first host's file (the same token, secrets and keys: DATA_ENCRYPTION_KEY
# must be the one the data was sealed with), with what belongs to this host changed. Copied once:
# a re-run keeps the file (move it away and re-run to copy the first host's settings again).
write_join_env() {
  say "Settings: $APP_DIR/.env from the first host${JOIN_ENV:+ ($JOIN_ENV)}"
  local dest
  dest="$(p "$APP_DIR/.env")"
  if [[ -s "$dest" ]]; then
    ENV_FILE="$dest"
    ok "exists: kept (to copy the first host's settings again, move it away and re-run)"
  else
    local key
    for key in TELEGRAM_BOT_TOKEN DATABASE_URL REDIS_URL DATA_ENCRYPTION_KEY; do
      grep -q "^$key=." "$JOIN_ENV" || die "$JOIN_ENV has no $key: it must be the first host's /opt/vps-shop/.env"
    done
    # Edited in a private copy and put in place whole, so a stop halfway leaves no half-made .env.
    ENV_FILE="$(mktemp)"
    JOIN_TMP="$ENV_FILE"
    chmod 0600 "$ENV_FILE"
    cat "$JOIN_ENV" >"$ENV_FILE"
    # PostgreSQL and Redis are on the first host: a loopback address in its URLs means that host.
    local url host
    for key in DATABASE_URL DATABASE_DIRECT_URL REDIS_URL; do
      url="$(env_get "$key")"
      [[ -n "$url" ]] || continue
      host="$(url_host "$url")"
      is_loopback "$host" || continue
      [[ -n "$PRIMARY_ADDRESS" ]] || die "$key in $JOIN_ENV points at the first host's loopback ($host): give that host's private address as VPSSHOP_PRIMARY_ADDRESS"
      env_set "$key" "$(url_with_host "$url" "$PRIMARY_ADDRESS")"
      ok "$key → $PRIMARY_ADDRESS"
    done
    env_set HTTP_HOST "$PRIVATE_ADDRESS" || true
    if [[ -n "$LB_ADDRESS" ]]; then env_set TRUSTED_PROXIES "$LB_ADDRESS" || true; fi
    if [[ -z "$(env_get WORKER_QUEUES)" ]]; then
      env_set WORKER_QUEUES "$APP_HOST_QUEUES" || true
      ok "WORKER_QUEUES=$APP_HOST_QUEUES (the backups stay on the first host)"
    else
      warn "WORKER_QUEUES=$(env_get WORKER_QUEUES) came from the first host: an app host must leave out backups and screenshot-purge ($APP_HOST_QUEUES)"
    fi
    install -m 0600 "$ENV_FILE" "$dest"
    rm -f "$ENV_FILE"
    JOIN_TMP=""
    ENV_FILE="$dest"
    CHANGED=1
    ok "copied, with this host's values (the first host's token, secrets and keys)"
  fi
  chown "$SERVICE_USER:$SERVICE_USER" "$ENV_FILE"
  chmod 0600 "$ENV_FILE"
  local redis_url
  redis_url="$(env_get REDIS_URL)"
  if [[ -z "$(env_get REDIS_SENTINELS)" && "$redis_url" != *"@"* ]] && ! is_loopback "$(url_host "$redis_url")"; then
    warn "REDIS_URL has no password while Redis is on another host: on the first host re-run ops/install.sh with VPSSHOP_APP_HOSTS (it sets one), then copy its .env again"
  fi
  DOMAIN="$(env_get PUBLIC_BASE_URL | sed -E 's|^https?://||; s|/.*$||')"
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

# The first host of several: PostgreSQL and Redis also listen on its private address, for the app
# hosts only (pg_hba, Redis' password, ufw below), and the app binds that address, where the
# balancer reaches it like the app hosts' processes.
open_to_app_hosts() {
  [[ -n "$APP_HOSTS" ]] || return 0
  say "Several hosts: letting $APP_HOSTS in"
  env_set HTTP_HOST "$PRIVATE_ADDRESS" && ok "HTTP_HOST=$PRIVATE_ADDRESS (the balancer reaches this host's app like the others')"
  env_set TRUSTED_PROXIES "$PRIVATE_ADDRESS" && ok "TRUSTED_PROXIES=$PRIVATE_ADDRESS (Caddy here now connects from that address)"
  open_redis
  open_postgres
}

open_redis() {
  local url password
  url="$(env_get REDIS_URL)"
  if [[ -n "${VPSSHOP_REDIS_URL:-}" ]] || ! is_loopback "$(url_host "$url")"; then
    ok "Redis is not on this host: let the app hosts reach it there"
    return 0
  fi
  password="$(sed -nE 's|^rediss?://[^:@/]*:([^@]+)@.*$|\1|p' <<<"$url")"
  if [[ -z "$password" ]]; then
    # Reachable from the network now: never without a password.
    password="$(secret_hex 24)"
    env_set REDIS_URL "$(sed -E "s|^(rediss?://)|\1:$password@|" <<<"$url")"
    ok "Redis password generated (in REDIS_URL)"
  fi
  if set_redis_options bind "127.0.0.1 -::1 $PRIVATE_ADDRESS" requirepass "$password"; then
    ok "Redis listens on $PRIVATE_ADDRESS too, with a password; restarted"
  else
    ok "Redis already listens on $PRIVATE_ADDRESS with a password"
  fi
}

open_postgres() {
  local conf_dir hba host line changed=0
  if [[ "$(env_get DATABASE_URL)" != "postgresql://$SERVICE_USER:"*"@127.0.0.1:"* ]]; then
    ok "DATABASE_URL points elsewhere: let the app hosts reach that PostgreSQL there"
    return 0
  fi
  conf_dir="$(find "$(p /etc/postgresql)" -mindepth 2 -maxdepth 2 -type d -name main 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$conf_dir" && -f "$conf_dir/pg_hba.conf" ]] || die "no /etc/postgresql/<version>/main/pg_hba.conf (is postgresql installed?)"
  # Debian's postgresql.conf reads conf.d/ (include_dir).
  if write_if_changed "$conf_dir/conf.d/vps-shop.conf" 0644 <<<"# vps-shop (ops/install.sh): the app hosts connect over the private network
listen_addresses = 'localhost,$PRIVATE_ADDRESS'"; then
    changed=1
  fi
  hba="$conf_dir/pg_hba.conf"
  for host in $APP_HOSTS; do
    line="host $DB_NAME $SERVICE_USER $host/32 scram-sha-256"
    if ! grep -qxF "$line" "$hba"; then
      printf '# vps-shop app host (ops/install.sh)\n%s\n' "$line" >>"$hba"
      changed=1
      CHANGED=1
    fi
  done
  if [[ $changed -eq 1 ]]; then
    svc restart postgresql
    ok "PostgreSQL listens on $PRIVATE_ADDRESS too, for $SERVICE_USER from $APP_HOSTS only; restarted"
  else
    ok "PostgreSQL already lets $APP_HOSTS in"
  fi
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
  if [[ "$HOST_ROLE" == app ]]; then
    # Migrations run once, on the first host, before new code starts anywhere: here only a check
    # that the database is at exactly this code's migrations (and reachable from this host).
    (cd "$app" && as_app node --env-file="$APP_DIR/.env" db/prisma-cli.mjs migrate status) ||
      die "the database is not at this code's migrations, or not reachable from here (above): run the same commit on every host, 'npm run db:migrate' on the first host, and check that it lets this host in (VPSSHOP_APP_HOSTS there)"
  else
    # prisma migrate deploy applies only what is missing (a no-op when up to date).
    (cd "$app" && as_app node --env-file="$APP_DIR/.env" db/prisma-cli.mjs migrate deploy)
  fi
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

# Allows one ufw rule ("22/tcp", "from 10.0.0.12 to any port 5432 proto tcp") unless it is there.
ufw_allow() {
  local rule="$1"
  if grep -qxF "ufw allow $rule" <<<"$FIREWALL_RULES"; then
    ok "allowed: $rule"
  else
    # shellcheck disable=SC2086 # the rule is several words on purpose
    ufw allow $rule
    CHANGED=1
  fi
}

FIREWALL_RULES=""
setup_firewall() {
  if [[ "$HOST_ROLE" == app ]]; then
    say "Firewall: SSH, and the app's port from the load balancer ($LB_ADDRESS) only"
  else
    say "Firewall: SSH, HTTP and HTTPS only${APP_HOSTS:+, PostgreSQL and Redis from the app hosts}"
  fi
  if [[ "${VPSSHOP_SKIP_FIREWALL:-0}" == "1" ]]; then
    ok "skipped (VPSSHOP_SKIP_FIREWALL=1)"
    return 0
  fi
  apt_install ufw
  local ssh_port="${VPSSHOP_SSH_PORT:-22}" port host
  FIREWALL_RULES="$(ufw show added 2>/dev/null || true)"
  ufw_allow "$ssh_port/tcp"
  if [[ "$HOST_ROLE" == app ]]; then
    [[ -z "$LB_ADDRESS" ]] || ufw_allow "from $LB_ADDRESS to any port $(http_port) proto tcp"
  else
    for port in 80 443; do ufw_allow "$port/tcp"; done
    for host in $APP_HOSTS; do
      ufw_allow "from $host to any port 5432 proto tcp"
      ufw_allow "from $host to any port 6379 proto tcp"
    done
  fi
  if [[ "$(ufw status)" == "Status: active"* ]]; then
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
  if [[ "$HOST_ROLE" == app ]]; then
    ok "app host: the balancer on the first host proxies to $PRIVATE_ADDRESS:$(http_port) (re-run ops/install.sh there with this address in VPSSHOP_APP_HOSTS)"
    return 0
  fi
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
  local port upstreams host
  port="$(http_port)"
  if [[ -n "$APP_HOSTS" ]]; then
    # Several hosts: round robin over this host's app and the app hosts', with health checks. Every
    # host runs the same roles (one .env), so the bot's upstreams are the same list.
    upstreams="$PRIVATE_ADDRESS:$port"
    for host in $APP_HOSTS; do upstreams="$upstreams $host:$port"; done
    if sed -e "s|__DOMAIN__|$DOMAIN|g" -e "s|__WEB_UPSTREAMS__|$upstreams|g" -e "s|__BOT_UPSTREAMS__|$upstreams|g" "$SRC_DIR/ops/caddy/Caddyfile.cluster" |
      write_if_changed "$file" 0644; then
      svc ensure caddy
      svc reload-or-restart caddy
      ok "https://$DOMAIN → $upstreams (round robin; a host whose /health fails is left out)"
    else
      ok "up to date (https://$DOMAIN → $upstreams)"
    fi
    return 0
  fi
  if sed -e "s|__DOMAIN__|$DOMAIN|g" -e "s|__UPSTREAM__|127.0.0.1:$port|g" "$SRC_DIR/ops/caddy/Caddyfile" | write_if_changed "$file" 0644; then
    svc ensure caddy
    svc reload-or-restart caddy
    ok "https://$DOMAIN → 127.0.0.1:$port (certificate from Let's Encrypt on first request)"
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
  if [[ "$HOST_ROLE" == app ]]; then
    ok "settings: $APP_DIR/.env (the first host's, with this host's address); the backups run on the first host"
    ok "check from the first host: curl -fsS http://$PRIVATE_ADDRESS:$(http_port)/health"
  else
    ok "settings: $APP_DIR/.env (back up DATA_ENCRYPTION_KEY somewhere else: without it stored data cannot be read)"
    [[ -n "$(env_get BACKUP_PUBLIC_KEY)" ]] || warn "backups need BACKUP_PUBLIC_KEY: run 'npm run backup:keygen' on your own computer, put the public line in $APP_DIR/.env, re-run this script"
  fi
  if [[ -n "$APP_HOSTS" ]]; then
    ok "next, on each app host: copy this host's $APP_DIR/.env there (scp; it holds the secrets, keep it mode 600), then"
    ok "  VPSSHOP_JOIN_ENV=<that copy> VPSSHOP_PRIVATE_ADDRESS=<its address> VPSSHOP_PRIMARY_ADDRESS=$PRIVATE_ADDRESS $SRC_DIR/ops/install.sh"
  fi
  if have_systemd; then ok "logs: journalctl -u 'vps-shop@*' -f"; else ok "logs: /var/log/vps-shop/"; fi
  ok "re-run this script any time (after git pull to update): it changes only what differs"
}

main() {
  preflight
  install_packages
  install_node
  if [[ "$HOST_ROLE" == app ]]; then
    setup_user
    install_app
    write_join_env
  else
    setup_redis
    setup_user
    install_app
    write_env
    setup_postgres
    open_to_app_hosts
  fi
  build_app
  setup_logrotate
  setup_services
  setup_firewall
  setup_caddy
  run_doctor
  summary
}

main "$@"
