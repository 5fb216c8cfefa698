#!/usr/bin/env bash
# Runs Berth on this machine: installs and starts PostgreSQL and Redis when
# they are missing, builds the release binary, applies migrations, and serves
# on http://127.0.0.1:8080 until Ctrl-C. Running it again reuses ./data and
# the database.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

DATA_DIR=${BERTH_DATA_DIR:-$PWD/data}
mkdir -p "$DATA_DIR"
chmod 700 "$DATA_DIR"

ensure_rust
ensure_postgres
ensure_redis

# Secrets are generated once and kept in the data directory.
secret() {
  local file=$DATA_DIR/$1
  if [ ! -s "$file" ]; then
    # The suffix guarantees the password policy's three character classes.
    (umask 077; echo "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')Aa1" > "$file")
  fi
  cat "$file"
}
DB_PASSWORD=$(secret database-password)
ADMIN_PASSWORD=${BERTH_ADMIN_PASSWORD:-$(secret admin-password)}

ensure_role berth "$DB_PASSWORD"
ensure_database berth berth

# The console is embedded in the binary, so it is built first.
command -v node >/dev/null || apt_install nodejs npm
say "building the web console"
npm --prefix web-ui ci --no-audit --no-fund --loglevel=error
npm --prefix web-ui run --silent build

say "building berth (release)"
cargo build --release --locked -p berth

# TLS to a database on this machine only costs CPU.
case $PG_HOST in 127.0.0.1|localhost|::1) PG_OPTIONS='?sslmode=disable' ;; *) PG_OPTIONS= ;; esac
export BERTH_DATABASE_URL=${BERTH_DATABASE_URL:-postgres://berth:$DB_PASSWORD@$PG_HOST:$PG_PORT/berth$PG_OPTIONS}
export BERTH_REDIS_URL=${BERTH_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/0}
export BERTH_DATA_DIR=$DATA_DIR
export BERTH_HTTP_ADDR=${BERTH_HTTP_ADDR:-127.0.0.1:8080}
export BERTH_ADMIN_PASSWORD=$ADMIN_PASSWORD

./target/release/berth migrate

./target/release/berth serve &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM

command -v curl >/dev/null || apt_install curl
url=${BERTH_EXTERNAL_URL:-http://$BERTH_HTTP_ADDR}
for _ in $(seq 1 120); do
  if curl -fsS "$url/readyz" >/dev/null 2>&1; then
    cat <<MSG

  Berth is running at $url
  Health:   $url/api/v2.0/health
  Admin:    admin / $ADMIN_PASSWORD   (kept in $DATA_DIR/admin-password)
  Stop:     Ctrl-C

MSG
    break
  fi
  kill -0 $server 2>/dev/null || break
  sleep 0.5
done
wait $server
