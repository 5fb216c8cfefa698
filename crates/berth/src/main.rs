//! `berth`: the one binary that runs every Berth service.

mod args;
mod cli;
mod migrate;
mod serve;

fn main() -> std::process::ExitCode {
    cli::run()
}
