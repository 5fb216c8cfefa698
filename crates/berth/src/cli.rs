use clap::{Parser, Subcommand};
use std::process::ExitCode;

use crate::args::{ConfigArgs, ServeArgs};

/// Berth: a Harbor-compatible container registry platform.
///
/// Configuration comes from an optional TOML file and BERTH_* environment
/// variables (the environment wins). docs/configuration.md lists every key.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform: apply pending migrations, then serve until SIGTERM or
    /// SIGINT, draining in-flight requests before exiting.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(ConfigArgs),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => crate::serve::run(&args),
        Command::Migrate(args) => crate::migrate::run(&args),
    }
}
