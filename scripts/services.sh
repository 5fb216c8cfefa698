# Shared set-up for scripts/up.sh and scripts/test.sh: make sure PostgreSQL
# and Redis are installed and running on this machine, installing them from
# the distribution's packages when they are missing. Source it; do not run it.

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=
apt_install() {
  command -v apt-get >/dev/null || die "cannot install $*: this script knows Debian and Ubuntu (apt-get); install them by hand"
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up"
}

# Runs psql as the database superuser: over the socket as the postgres OS
# user where it exists (a fresh install's peer authentication), else over TCP.
pg_super() {
  if id postgres >/dev/null 2>&1 && [ -S /var/run/postgresql/.s.PGSQL.$PG_PORT ]; then
    as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"
  fi
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null && ! command -v pg_isready >/dev/null; then
    apt_install postgresql
  fi
  if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] || { apt_install postgresql; version=$(ls /etc/postgresql | sort -V | tail -n 1); }
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start \
      || as_root service postgresql start
    wait_for PostgreSQL pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  fi
}

# ensure_role NAME PASSWORD [ATTRIBUTES]: a login role with that password.
ensure_role() {
  local name=$1 password=$2 attributes=${3:-}
  pg_super -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$name') THEN
    CREATE ROLE "$name" LOGIN PASSWORD '$password' $attributes;
  ELSE
    ALTER ROLE "$name" LOGIN PASSWORD '$password' $attributes;
  END IF;
END
\$\$;
SQL
}

# ensure_database NAME OWNER
ensure_database() {
  local name=$1 owner=$2
  if [ "$(pg_super -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
    say "creating database $name"
    pg_super -d postgres -c "CREATE DATABASE \"$name\" OWNER \"$owner\""
  fi
}

redis_ping() {
  if command -v redis-cli >/dev/null; then
    [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
  else
    # No client installed: speak the protocol by hand.
    exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply
    read -r -t 2 reply <&3
    exec 3>&-
    [ "${reply%$'\r'}" = +PONG ]
  fi
}

ensure_redis() {
  redis_ping && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/berth.log
  wait_for Redis redis_ping
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust 1.95 or later (https://rustup.rs) and run this again"
}
