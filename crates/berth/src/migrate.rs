use std::process::ExitCode;

use berth_platform::{db, telemetry};

use crate::args::{ConfigArgs, report};

pub fn run(args: &ConfigArgs) -> ExitCode {
    let config = match args.load(Vec::new()) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let telemetry = match telemetry::init(&config) {
        Ok(guard) => guard,
        Err(err) => {
            report(&err);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            report(&err);
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let pool = db::lazy_pool(&config)?;
        let before = db::migration_state(&pool).await?;
        db::migrate(&pool).await?;
        tracing::info!(
            applied_now = before.pending(),
            total = before.expected,
            "database schema is up to date"
        );
        Ok::<(), db::DbError>(())
    });
    drop(runtime);
    telemetry.shutdown();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::FAILURE
        }
    }
}
