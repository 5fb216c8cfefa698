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

# Benchmarks.
bench:
    cargo bench --workspace --locked
