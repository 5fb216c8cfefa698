//! What a run produced: one measurement per scenario variant, kept as JSON
//! for the report and printed as a table for whoever is watching.

use serde::{Deserialize, Serialize};
use std::future::Future;

use crate::load::Outcome;
use crate::server::{ServerCost, Watch};
use crate::stats::{Latency, median};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    pub scenario: String,
    pub variant: String,
    pub unit: String,
    pub better: Better,
    /// The median over rounds.
    pub value: f64,
    pub rounds: Vec<f64>,
    pub requests: u64,
    pub errors: u64,
    pub latency_ms: Latency,
    /// The median round's server CPU seconds; the highest peak RSS of any
    /// round.
    pub server: Option<ServerCost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_gib: f64,
    pub kernel: String,
}

impl Machine {
    pub fn this() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Self {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory_gib: (memory_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// `berth`, or the name of the baseline (`nginx`, `machine`).
    pub target: String,
    pub started: String,
    pub machine: Machine,
    pub results: Vec<Measurement>,
}

/// Rounds of one variant, folded into a measurement.
pub struct Series {
    scenario: String,
    variant: String,
    unit: String,
    better: Better,
    values: Vec<f64>,
    outcome: Outcome,
    costs: Vec<ServerCost>,
}

impl Series {
    pub fn new(scenario: &str, variant: &str, unit: &str, better: Better) -> Self {
        Self {
            scenario: scenario.to_owned(),
            variant: variant.to_owned(),
            unit: unit.to_owned(),
            better,
            values: Vec::new(),
            outcome: Outcome::default(),
            costs: Vec::new(),
        }
    }

    pub fn add(&mut self, value: f64, outcome: Outcome, cost: Option<ServerCost>) {
        self.values.push(value);
        self.outcome.requests += outcome.requests;
        self.outcome.errors += outcome.errors;
        self.outcome.latencies.extend(outcome.latencies);
        for error in outcome.first_errors {
            if self.outcome.first_errors.len() < 5 {
                self.outcome.first_errors.push(error);
            }
        }
        self.costs.extend(cost);
    }

    pub fn finish(mut self) -> Measurement {
        let server = (!self.costs.is_empty()).then(|| ServerCost {
            cpu_seconds: median(&self.costs.iter().map(|c| c.cpu_seconds).collect::<Vec<_>>()),
            peak_rss_mib: self
                .costs
                .iter()
                .map(|c| c.peak_rss_mib)
                .fold(0.0, f64::max),
        });
        Measurement {
            value: median(&self.values),
            latency_ms: Latency::of(&mut self.outcome.latencies),
            scenario: self.scenario,
            variant: self.variant,
            unit: self.unit,
            better: self.better,
            rounds: self.values,
            requests: self.outcome.requests,
            errors: self.outcome.errors,
            server,
            first_errors: self.outcome.first_errors,
        }
    }
}

/// Runs `work` while watching the server process, when there is one.
pub async fn watched<F: Future>(
    server_pid: Option<u32>,
    work: F,
) -> anyhow::Result<(F::Output, Option<ServerCost>)> {
    let watch = server_pid.map(Watch::start).transpose()?;
    let output = work.await;
    let cost = match watch {
        Some(watch) => Some(watch.finish().await?),
        None => None,
    };
    Ok((output, cost))
}

/// The human view of a run.
pub fn table(run: &Run) -> String {
    let mut out = format!(
        "{:<16} {:<22} {:>12} {:<10} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>8}\n",
        "scenario",
        "variant",
        "value",
        "unit",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "cpu s",
        "rss MiB"
    );
    for m in &run.results {
        let (cpu, rss) = m.server.map_or(("-".into(), "-".into()), |s| {
            (
                format!("{:.2}", s.cpu_seconds),
                format!("{:.1}", s.peak_rss_mib),
            )
        });
        out.push_str(&format!(
            "{:<16} {:<22} {:>12.2} {:<10} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>8} {:>8}\n",
            m.scenario,
            m.variant,
            m.value,
            m.unit,
            m.latency_ms.p50,
            m.latency_ms.p90,
            m.latency_ms.p99,
            m.latency_ms.max,
            m.errors,
            cpu,
            rss
        ));
        for error in &m.first_errors {
            out.push_str(&format!(
                "    error: {}\n",
                error.chars().take(200).collect::<String>()
            ));
        }
    }
    out
}
