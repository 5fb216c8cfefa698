# Developer recipes; each calls the script the README names.

# Run Berth on this machine (installs and starts PostgreSQL and Redis if needed).
up:
    ./scripts/up.sh

# Every check and test, exactly as CI runs them.
test:
    ./scripts/test.sh

# Formatting and lints only.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Berth next to nginx and the machine's own hash+fsync floor; writes
# docs/performance.md. `just bench --quick` for a short run under target/.
bench *args:
    ./scripts/bench {{args}}

# The in-process micro-benchmarks (artifact listing at 100,000 artifacts).
bench-micro:
    cargo bench --workspace --locked
