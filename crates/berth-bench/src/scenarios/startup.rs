//! How long the server takes from exec to ready with its migrations
//! already applied, and how much memory it holds once idle.

use anyhow::{Context, bail};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Ctx;
use crate::load::Outcome;
use crate::results::{Better, Measurement, Series};
use crate::server::rss_mib;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 2.0)]
    pub idle_seconds: f64,
    /// The server command, after `--`; it must serve the context's URL.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("startup")?;
    let (program, args) = options
        .command
        .split_first()
        .context("startup needs the server's command")?;
    let ready_url = ctx.registry.url("/readyz");
    let mut start = Series::new("startup", "exec to ready", "s", Better::Lower);
    let mut idle = Series::new("startup", "idle RSS", "MiB", Better::Lower);
    for _ in 0..ctx.rounds {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {program}"))?;
        let pid = child.id().context("server exited at once")?;
        loop {
            if let Ok(response) = ctx.registry.http.get(ready_url.clone()).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!("the server exited with {status} before it was ready");
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the server was not ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let ready = started.elapsed();
        tokio::time::sleep(Duration::from_secs_f64(options.idle_seconds)).await;
        let rss = rss_mib(pid).context("reading the server's memory")?;
        child.kill().await.ok();
        child.wait().await.ok();
        let one = |latency| Outcome {
            requests: 1,
            latencies: vec![latency],
            ..Outcome::default()
        };
        start.add(ready.as_secs_f64(), one(ready), None);
        idle.add(rss, one(Duration::ZERO), None);
    }
    Ok(vec![start.finish(), idle.finish()])
}
