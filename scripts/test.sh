#!/usr/bin/env bash
# Runs every check and test with real services: installs and starts
# PostgreSQL and Redis when missing, starts an S3-compatible server, then runs
# cargo fmt --check, clippy with warnings denied, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

ensure_rust
ensure_postgres
ensure_redis

# Real registry clients for the end-to-end tests.
command -v skopeo >/dev/null || apt_install skopeo

ensure_role berth_test berth_test CREATEDB
export BERTH_TEST_DATABASE_URL=${BERTH_TEST_DATABASE_URL:-postgres://berth_test:berth_test@$PG_HOST:$PG_PORT/postgres}
export BERTH_TEST_REDIS_URL=${BERTH_TEST_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT}

# Databases left by an interrupted run; templates are rebuilt in a second.
leftovers=$(pg_super -d postgres -Atc "SELECT datname FROM pg_database WHERE datname ~ '^berth_(test|template|building)_'")
for db in $leftovers; do
  pg_super -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
done

# An S3-compatible server for the object-storage tests, from PyPI, in a
# virtualenv under target/ so nothing is installed system-wide.
TOOLS=target/test-tools
if [ ! -x "$TOOLS/bin/moto_server" ]; then
  command -v python3 >/dev/null || apt_install python3
  python3 -m venv "$TOOLS" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$TOOLS"; }
  say "installing the S3-compatible test server"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi
S3_PORT=$("$TOOLS/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TOOLS/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >target/s3-server.log 2>&1 &
s3_pid=$!
trap 'kill $s3_pid 2>/dev/null || true' EXIT
export BERTH_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export BERTH_TEST_S3_BUCKET=berth-test
wait_for "the S3 server" "$TOOLS/bin/python" -c "import urllib.request; urllib.request.urlopen('$BERTH_TEST_S3_ENDPOINT/moto-api/')"
"$TOOLS/bin/python" - <<PY
import boto3
boto3.client("s3", endpoint_url="$BERTH_TEST_S3_ENDPOINT", region_name="us-east-1",
             aws_access_key_id="berth-test", aws_secret_access_key="berth-test-secret"
             ).create_bucket(Bucket="$BERTH_TEST_S3_BUCKET")
PY

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
