#!/usr/bin/env bash
# Push and pull throughput of one large blob through a local Berth (release
# build, filesystem storage), next to `sha256sum` and `cat` of the same file
# in the same run, and the server's peak resident memory.
#
#   scripts/bench-blobs.sh [size in MiB, default 1024] [rounds, default 3]
#
# Uses a throw-away database, blob directory and port; leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

SIZE_MIB=${1:-1024}
ROUNDS=${2:-3}

ensure_rust
ensure_postgres
ensure_redis
command -v curl >/dev/null || apt_install curl

say "building berth (release)"
cargo build --release --locked -p berth

WORK=$(mktemp -d)
DB=berth_bench_$$
PASSWORD=Bench-Passw0rd-$$
ensure_role berth_bench "$PASSWORD"
ensure_database "$DB" berth_bench
cleanup() {
  if [ -n "${server:-}" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  pg_super -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BERTH_DATABASE_URL=postgres://berth_bench:$PASSWORD@$PG_HOST:$PG_PORT/$DB
export BERTH_REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0
export BERTH_REDIS_KEY_PREFIX=berth_bench_$$:
export BERTH_DATA_DIR=$WORK/data
export BERTH_STORAGE_URL=file://$WORK/blobs
export BERTH_HTTP_ADDR=127.0.0.1:$PORT
export BERTH_ADMIN_PASSWORD=$PASSWORD
export BERTH_MAX_BLOB_BYTES=$(( (SIZE_MIB + 1) * 1024 * 1024 ))
export BERTH_LOG=warn
URL=http://127.0.0.1:$PORT

./target/release/berth serve 2>"$WORK/server.log" &
server=$!
wait_for "berth" curl -fsS "$URL/readyz"

say "writing a $SIZE_MIB MiB file of random bytes"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/blob"
DIGEST=sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)
curl -fsS -u "admin:$PASSWORD" -H 'content-type: application/json' \
  -d '{"project_name": "bench"}' "$URL/api/v2.0/projects" >/dev/null
token() {
  curl -fsS -u "admin:$PASSWORD" \
    "$URL/service/token?service=berth&scope=repository:bench/blob$1:pull,push" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

elapsed() { # command... -> seconds on stdout
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end"
}
median() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }

# Streams the file from standard input (--data-binary would read it all
# into curl first, and --upload-file with a file name appends it to a URL
# ending in a slash).
push() { # token round
  curl -fsS -X POST -H "Authorization: Bearer $1" -H 'content-type: application/octet-stream' \
    --upload-file - "$URL/v2/bench/blob$2/blobs/uploads/?digest=$DIGEST" < "$WORK/blob"
}

hashes=() cats=() pushes=() pulls=()
for round in $(seq 1 "$ROUNDS"); do
  hashes+=("$(elapsed sha256sum "$WORK/blob")")
  cats+=("$(elapsed cat "$WORK/blob")")
  # A new repository each round, so each push really stores the blob.
  rm -rf "$WORK/blobs/blobs"
  t=$(token "$round")
  pushes+=("$(elapsed push "$t" "$round")") || { tail -20 "$WORK/server.log" >&2; exit 1; }
  pulls+=("$(elapsed curl -fsS -H "Authorization: Bearer $t" -o /dev/null \
    "$URL/v2/bench/blob$round/blobs/$DIGEST")")
done
peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# 200 concurrent ranged pulls of 8 MiB each, a quarter of them abandoned
# after 50 ms; every completed range is checked against the file.
say "200 concurrent ranged pulls"
t=$(token 1)
size=$((SIZE_MIB * 1024 * 1024))
mkdir -p "$WORK/ranges"
for i in $(seq 1 200); do
  start=$(( (i * 7919993) % (size - 8388608) ))
  end=$(( start + 8388607 ))
  (
    if [ $((i % 4)) -eq 0 ]; then
      curl -sS -r "$start-$end" -H "Authorization: Bearer $t" --max-time 0.05 -o /dev/null \
        "$URL/v2/bench/blob1/blobs/$DIGEST" 2>/dev/null || true
    else
      curl -fsS -r "$start-$end" -H "Authorization: Bearer $t" -o "$WORK/ranges/$i" \
        "$URL/v2/bench/blob1/blobs/$DIGEST"
      cmp -s "$WORK/ranges/$i" <(tail -c +"$((start + 1))" "$WORK/blob" | head -c 8388608) ||
        echo "range $i differs" >&2
      rm -f "$WORK/ranges/$i"
    fi
  ) &
done
wait_pulls() { for job in $(jobs -p); do [ "$job" = "$server" ] || wait "$job"; done; }
wait_pulls
ranged_peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
open_fds=$(ls "/proc/$server/fd" | wc -l)

report() { # name median-seconds
  python3 -c '
import sys
name, secs, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
print(f"{name:>10}: {secs:6.2f} s  {size / secs:8.0f} MiB/s")' "$1" "$2" "$SIZE_MIB"
}
echo
echo "$SIZE_MIB MiB, median of $ROUNDS rounds"
report "sha256sum" "$(median "${hashes[@]}")"
report "cat" "$(median "${cats[@]}")"
report "push" "$(median "${pushes[@]}")"
report "pull" "$(median "${pulls[@]}")"
python3 -c 'import sys; push, hashing, pull, cat = map(float, sys.argv[1:]); print(f"push time / sha256sum time {push / hashing:.2f}x   pull time / cat time {pull / cat:.2f}x")' \
  "$(median "${pushes[@]}")" "$(median "${hashes[@]}")" "$(median "${pulls[@]}")" "$(median "${cats[@]}")"
echo "server peak RSS: $((peak_kib / 1024)) MiB after the pushes and pulls, $((ranged_peak_kib / 1024)) MiB after 200 concurrent ranged pulls; $open_fds descriptors open after them"
