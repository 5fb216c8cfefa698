//! `berth-bench`: drives a running Berth over HTTP the way registry
//! clients do and reports, per scenario, throughput, latency, errors and
//! what the server spent (CPU seconds, peak RSS). The same scenarios run
//! against a static file server for baselines. `scripts/bench` runs them
//! all side by side and writes `docs/performance.md`.

// The tool's output is its report.
#![allow(clippy::print_stdout)]

mod client;
mod data;
mod load;
mod report;
mod results;
mod scenarios;
mod server;
mod stats;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use url::Url;

use client::{Registry, http_client};
use results::{Machine, Run};
use scenarios::*;

#[derive(Parser)]
#[command(
    version,
    about = "Load tool for Berth: throughput, latency and server cost per scenario"
)]
struct Cli {
    /// Base URL of Berth, or of the static file server with --baseline.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    url: Url,
    /// The administrator who sets scenarios up.
    #[arg(long, global = true, default_value = "admin")]
    user: String,
    #[arg(
        long,
        global = true,
        env = "BERTH_BENCH_PASSWORD",
        hide_env_values = true,
        default_value = ""
    )]
    password: String,
    /// The server's process id: its CPU seconds and peak RSS are reported.
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// Rounds per variant; the median is reported.
    #[arg(long, global = true, default_value_t = 3)]
    rounds: usize,
    /// The project scenarios work in (created when missing).
    #[arg(long, global = true, default_value = "bench")]
    project: String,
    /// The target is a static file server serving `blob` and
    /// `manifest.json` at its root (a baseline).
    #[arg(long, global = true)]
    baseline: bool,
    /// The name of the target in the results: `berth`, `nginx`, `machine`.
    #[arg(long, global = true, default_value = "berth")]
    target: String,
    /// Write the results here as JSON as well.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// One large blob, as one request and in chunks.
    PushBlob(push_blob::Options),
    /// One large blob, whole and as parallel ranges.
    PullBlob(pull_blob::Options),
    /// Whole images from concurrent clients.
    PushImage(push_image::Options),
    /// GET and HEAD of a manifest by tag.
    ManifestGet(manifest_get::Options),
    /// Token requests from a robot, cache warm and cold.
    Token(token::Options),
    /// First, middle and last page of a large repository's artifacts.
    ListArtifacts(list_artifacts::Options),
    /// 80% pulls, 15% pushes, 5% listings.
    Mixed(mixed::Options),
    /// The machine's floor for a push: openssl sha256 plus a write with fsync.
    Floor(floor::Options),
    /// Start to ready and idle memory of a server started from a command.
    Startup(startup::Options),
    /// Writes the results of earlier runs into a document's results section.
    Report {
        /// The document to update in place.
        #[arg(long)]
        out: PathBuf,
        /// JSON files written with --json.
        #[arg(required = true)]
        results: Vec<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Scenario::Report { out, results } = &cli.scenario {
        return write_report(out, results);
    }
    let started = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let ctx = Ctx {
        registry: Registry::new(http_client(), cli.url.clone(), &cli.user, &cli.password),
        baseline: cli.baseline,
        server_pid: cli.server_pid,
        rounds: cli.rounds.max(1),
        project: cli.project.clone(),
        seed: chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64,
    };
    let results = match &cli.scenario {
        Scenario::PushBlob(options) => push_blob::run(&ctx, options).await,
        Scenario::PullBlob(options) => pull_blob::run(&ctx, options).await,
        Scenario::PushImage(options) => push_image::run(&ctx, options).await,
        Scenario::ManifestGet(options) => manifest_get::run(&ctx, options).await,
        Scenario::Token(options) => token::run(&ctx, options).await,
        Scenario::ListArtifacts(options) => list_artifacts::run(&ctx, options).await,
        Scenario::Mixed(options) => mixed::run(&ctx, options).await,
        Scenario::Floor(options) => floor::run(&ctx, options).await,
        Scenario::Startup(options) => startup::run(&ctx, options).await,
        Scenario::Report { .. } => unreachable!("handled above"),
    }?;
    let run = Run {
        target: cli.target,
        started,
        machine: Machine::this(),
        results,
    };
    print!("{}", results::table(&run));
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_vec_pretty(&run)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let errors: u64 = run.results.iter().map(|m| m.errors).sum();
    anyhow::ensure!(errors == 0, "{errors} requests failed");
    Ok(())
}

fn write_report(out: &std::path::Path, files: &[PathBuf]) -> anyhow::Result<()> {
    let runs = files
        .iter()
        .map(|file| {
            let text =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            serde_json::from_slice::<Run>(&text)
                .with_context(|| format!("parsing {}", file.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let document =
        std::fs::read_to_string(out).with_context(|| format!("reading {}", out.display()))?;
    std::fs::write(out, report::splice(&document, &report::render(&runs))?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
