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
# openssl makes the TLS certificates and signing keys of the process tests.
command -v openssl >/dev/null || apt_install openssl

ensure_role berth_test berth_test CREATEDB
export BERTH_TEST_DATABASE_URL=${BERTH_TEST_DATABASE_URL:-postgres://berth_test:berth_test@$PG_HOST:$PG_PORT/postgres}
export BERTH_TEST_REDIS_URL=${BERTH_TEST_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT}

# Databases left by an interrupted run; templates are rebuilt in a second.
leftovers=$(pg_super -d postgres -Atc "SELECT datname FROM pg_database WHERE datname ~ '^berth_(test|template|building)_'")
for db in $leftovers; do
  pg_super -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
done

# An S3-compatible server for the object-storage tests: s3s-fs checks
# request signatures, so credential and signing bugs fail here rather than
# in production. Installed from crates.io once, then reused.
if ! command -v s3s-fs >/dev/null; then
  say "installing s3s-fs (S3-compatible test server)"
  cargo install s3s-fs@0.14.1 --features binary --locked --quiet
fi
mkdir -p target
S3_ROOT=$(mktemp -d)
S3_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo 39014)
export BERTH_TEST_S3_BUCKET=berth-test
mkdir -p "$S3_ROOT/$BERTH_TEST_S3_BUCKET"
s3s-fs --host 127.0.0.1 --port "$S3_PORT" --access-key berth-test --secret-key berth-test-secret "$S3_ROOT" \
  >target/s3-server.log 2>&1 &
s3_pid=$!
trap 'kill $s3_pid 2>/dev/null || true; rm -rf "$S3_ROOT"' EXIT
export BERTH_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
wait_for "the S3 server" bash -c "exec 3<>/dev/tcp/127.0.0.1/$S3_PORT"

# Python clients, in a virtualenv under target/ so nothing is installed
# system-wide: the `oras` package (a second registry client) and
# `harbor-api-client` (generated from Harbor's own API spec).
TOOLS=target/test-tools
if [ ! -x "$TOOLS/bin/python" ] || ! "$TOOLS/bin/python" -c 'import oras, harbor_client' 2>/dev/null; then
  command -v python3 >/dev/null || apt_install python3
  [ -x "$TOOLS/bin/python" ] || python3 -m venv "$TOOLS" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$TOOLS"; }
  say "installing the oras and Harbor API clients"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check 'oras==0.2.43' 'harbor-api-client==2.12.2'
fi
export BERTH_TEST_PYTHON=$PWD/$TOOLS/bin/python

# The web console: its generated API client must match docs/openapi.json, its
# unit tests must pass, and its build is what the binary serves and what the
# browser tests (Debian's Chromium, driven by playwright-core) exercise.
command -v node >/dev/null || apt_install nodejs npm
command -v chromium >/dev/null || apt_install chromium
say "web console: npm ci, generated client, unit tests, build"
npm --prefix web-ui ci --no-audit --no-fund --loglevel=error
npm --prefix web-ui run --silent check:generated
npm --prefix web-ui test --silent
npm --prefix web-ui run --silent build
export BERTH_TEST_CONSOLE=1
export BERTH_TEST_SCREENSHOTS=$PWD/target/console-screenshots
rm -rf "$BERTH_TEST_SCREENSHOTS"

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "tests"
status=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast || status=$?
else
  cargo test --workspace --locked --no-fail-fast || status=$?
fi
say "console screenshots: $BERTH_TEST_SCREENSHOTS"
exit $status
