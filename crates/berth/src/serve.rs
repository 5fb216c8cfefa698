use std::process::ExitCode;

use berth_gateway::Application;
use berth_platform::{Platform, telemetry};

use crate::args::{ServeArgs, report};

pub fn run(args: &ServeArgs) -> ExitCode {
    let overrides = args
        .services
        .map(|s| vec![("BERTH_SERVICES".to_string(), s.to_string())])
        .unwrap_or_default();
    let config = match args.config.load(overrides) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Some(path) = &config.token_key
        && let Err(message) = berth_auth::token::check_configured_key(path)
    {
        #[expect(clippy::print_stderr, reason = "the last word of a failing command")]
        {
            eprintln!("berth: invalid configuration: {message}");
        }
        return ExitCode::from(2);
    }
    let telemetry = match telemetry::init(&config) {
        Ok(guard) => guard,
        Err(err) => {
            report(&err);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            report(&err);
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        let platform =
            Platform::open(config).map_err(|e| Box::new(e) as Box<dyn std::error::Error>)?;
        let app = Application::build(platform)?;
        app.run_until_stopped().await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    drop(runtime);
    // Flushing traces blocks on HTTP, so it runs after the runtime is gone.
    telemetry.shutdown();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %berth_platform::error_chain(err.as_ref()), "berth failed");
            report(err.as_ref());
            ExitCode::FAILURE
        }
    }
}
