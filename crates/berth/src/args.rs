//! The arguments and the one-line error report shared by the subcommands.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

use berth_platform::Config;
use berth_platform::config::Services;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// TOML configuration file; keys are the BERTH_* variable names in lower
    /// case without the prefix (http_addr, database_url, …).
    #[arg(long, short = 'c', env = "BERTH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Services this process runs: `all` (one machine), or a comma-separated
    /// subset of gateway,registry,auth,core,replication,scanner for a cluster.
    /// Overrides BERTH_SERVICES.
    #[arg(long, value_name = "LIST", value_parser = parse_services)]
    pub services: Option<Services>,
}

fn parse_services(raw: &str) -> Result<Services, String> {
    raw.parse().map_err(|()| {
        format!("expected all, or a comma-separated list of gateway,registry,auth,core,replication,scanner; got {raw:?}")
    })
}

impl ConfigArgs {
    /// Loads the configuration; command-line overrides rank above the
    /// environment.
    pub fn load(&self, overrides: Vec<(String, String)>) -> Result<Config, ExitCode> {
        let env = std::env::vars().chain(overrides);
        Config::load(self.config.as_deref(), env).map_err(|err| {
            report(&err);
            ExitCode::from(2)
        })
    }
}

/// Prints a fatal error on one line. Logging may not be set up yet, so this
/// goes straight to stderr.
pub fn report(err: &dyn std::error::Error) {
    #[expect(clippy::print_stderr, reason = "the last word of a failing command")]
    {
        eprintln!("berth: {}", berth_platform::error_chain(err));
    }
}
