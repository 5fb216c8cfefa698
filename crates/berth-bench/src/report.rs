//! `docs/performance.md`'s results: each Berth figure next to the machine's
//! own ceiling measured in the same run, as a ratio against the target.
//! Only the part between the result markers is rewritten, so the prose
//! around it (how to reproduce, what profiling found) stays.

use crate::results::{Measurement, Run};

const START: &str = "<!-- results:start -->";
const END: &str = "<!-- results:end -->";

#[derive(Clone, Copy)]
enum Goal {
    /// Berth's figure divided by the baseline's is at most this.
    RatioAtMost(f64),
    /// Berth's figure divided by the baseline's is at least this.
    RatioAtLeast(f64),
    Below(f64),
    AtLeast(f64),
    None,
}

struct Row {
    name: &'static str,
    berth: (&'static str, &'static str),
    /// Target, scenario and variant of the baseline; target `berth` means
    /// another Berth row.
    baseline: Option<(&'static str, &'static str, &'static str)>,
    /// Compare the server's peak RSS instead of the figure.
    peak_rss: bool,
    goal: Goal,
}

const fn row(
    name: &'static str,
    berth: (&'static str, &'static str),
    baseline: Option<(&'static str, &'static str, &'static str)>,
    goal: Goal,
) -> Row {
    Row {
        name,
        berth,
        baseline,
        peak_rss: false,
        goal,
    }
}

const ROWS: &[Row] = &[
    row(
        "push 1 GiB, one request",
        ("push-blob", "monolithic 1024 MiB"),
        Some(("machine", "floor", "hash+fsync 1024 MiB")),
        Goal::RatioAtMost(1.25),
    ),
    row(
        "push 1 GiB, 16 MiB chunks",
        ("push-blob", "chunked 1024 MiB"),
        Some(("machine", "floor", "hash+fsync 1024 MiB")),
        Goal::RatioAtMost(1.25),
    ),
    row(
        "pull 1 GiB, whole",
        ("pull-blob", "whole 1024 MiB"),
        Some(("nginx", "pull-blob", "whole 1024 MiB")),
        Goal::RatioAtLeast(0.9),
    ),
    row(
        "pull 1 GiB, 8 ranges",
        ("pull-blob", "8 ranges 1024 MiB"),
        Some(("nginx", "pull-blob", "8 ranges 1024 MiB")),
        Goal::RatioAtLeast(0.9),
    ),
    row(
        "manifest GET by tag, 1 connection",
        ("manifest-get", "GET x1"),
        Some(("nginx", "manifest-get", "GET x1")),
        Goal::None,
    ),
    row(
        "manifest HEAD by tag, 1 connection",
        ("manifest-get", "HEAD x1"),
        Some(("nginx", "manifest-get", "HEAD x1")),
        Goal::None,
    ),
    row(
        "manifest GET by tag, 64 connections",
        ("manifest-get", "GET x64"),
        Some(("nginx", "manifest-get", "GET x64")),
        Goal::RatioAtLeast(0.3),
    ),
    row(
        "manifest HEAD by tag, 64 connections",
        ("manifest-get", "HEAD x64"),
        Some(("nginx", "manifest-get", "HEAD x64")),
        Goal::RatioAtLeast(0.3),
    ),
    row(
        "small-image push, 16 clients, many repositories",
        ("push-image", "small, many repositories"),
        None,
        Goal::AtLeast(1000.0),
    ),
    row(
        "small-image push, 16 clients, one repository",
        ("push-image", "small, one repository"),
        Some(("berth", "push-image", "small, many repositories")),
        Goal::RatioAtLeast(0.7),
    ),
    row(
        "image push, 10 layers of 1-20 MiB, 16 clients",
        ("push-image", "200 images x 10 layers"),
        None,
        Goal::None,
    ),
    row(
        "token, warm cache, 64 connections",
        ("token", "warm x64"),
        Some(("nginx", "manifest-get", "GET x64")),
        Goal::RatioAtLeast(0.1),
    ),
    row(
        "token, cold cache (each robot's first)",
        ("token", "cold x64"),
        Some(("nginx", "manifest-get", "GET x64")),
        Goal::None,
    ),
    row(
        "list artifacts, first page",
        ("list-artifacts", "first page"),
        None,
        Goal::Below(50.0),
    ),
    row(
        "list artifacts, middle page",
        ("list-artifacts", "middle page"),
        None,
        Goal::Below(50.0),
    ),
    row(
        "list artifacts, last page",
        ("list-artifacts", "last page"),
        None,
        Goal::Below(50.0),
    ),
    Row {
        name: "peak RSS during a 2 GiB push",
        berth: ("push-blob", "monolithic 2048 MiB"),
        baseline: None,
        peak_rss: true,
        goal: Goal::Below(100.0),
    },
    row("idle RSS", ("startup", "idle RSS"), None, Goal::Below(60.0)),
    row(
        "start to ready, migrated",
        ("startup", "exec to ready"),
        None,
        Goal::Below(1.0),
    ),
    row(
        "mixed 80% pull / 15% push / 5% list, 64 connections",
        ("mixed", "80/15/5 x64"),
        None,
        Goal::None,
    ),
];

fn find<'a>(
    runs: &'a [Run],
    target: &str,
    scenario: &str,
    variant: &str,
) -> Option<&'a Measurement> {
    runs.iter()
        .filter(|run| run.target == target)
        .flat_map(|run| &run.results)
        .find(|m| m.scenario == scenario && m.variant.starts_with(variant))
}

fn figure(value: f64, unit: &str) -> String {
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// The results section in Markdown.
pub fn render(runs: &[Run]) -> String {
    let mut out = String::new();
    if let Some(run) = runs.first() {
        let m = &run.machine;
        out.push_str(&format!(
            "Measured {} on {} ({} CPUs, {} GiB, Linux {}); every figure is the median of the rounds given in the details.\n\n",
            run.started, m.cpu_model, m.cpus, m.memory_gib, m.kernel
        ));
    }
    out.push_str("| scenario | Berth | baseline | ratio | target | |\n|---|---|---|---|---|---|\n");
    for row in ROWS {
        let Some(berth) = find(runs, "berth", row.berth.0, row.berth.1) else {
            out.push_str(&format!("| {} | not measured | | | | |\n", row.name));
            continue;
        };
        let (value, unit) = if row.peak_rss {
            (berth.server.map_or(f64::NAN, |s| s.peak_rss_mib), "MiB")
        } else {
            (berth.value, berth.unit.as_str())
        };
        let baseline = row.baseline.and_then(|(target, scenario, variant)| {
            find(runs, target, scenario, variant).map(|m| (target, m))
        });
        let ratio = baseline.map(|(_, m)| value / m.value);
        let (target, met) = match row.goal {
            Goal::RatioAtMost(limit) => (format!("≤ {limit}×"), ratio.map(|r| r <= limit)),
            Goal::RatioAtLeast(limit) => (format!("≥ {limit}×"), ratio.map(|r| r >= limit)),
            Goal::Below(limit) => (format!("< {limit} {unit}"), Some(value < limit)),
            Goal::AtLeast(limit) => (format!("≥ {limit} {unit}"), Some(value >= limit)),
            Goal::None => (String::new(), None),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.name,
            figure(value, unit),
            baseline.map_or(String::new(), |(target, m)| format!(
                "{target}: {}",
                figure(m.value, &m.unit)
            )),
            ratio.map_or(String::new(), |r| {
                if r < 0.1 {
                    format!("{r:.3}×")
                } else {
                    format!("{r:.2}×")
                }
            }),
            target,
            match met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "",
            }
        ));
    }
    out.push_str(
        "\n<details><summary>Every measurement</summary>\n\n\
         | target | scenario | variant | median | rounds | p50 ms | p99 ms | max ms | errors | server CPU s | server peak RSS MiB |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        for m in &run.results {
            let rounds: Vec<String> = m.rounds.iter().map(|v| format!("{v:.3}")).collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} |\n",
                run.target,
                m.scenario,
                m.variant,
                figure(m.value, &m.unit),
                rounds.join(", "),
                m.latency_ms.p50,
                m.latency_ms.p99,
                m.latency_ms.max,
                m.errors,
                m.server
                    .map_or("-".into(), |s| format!("{:.2}", s.cpu_seconds)),
                m.server
                    .map_or("-".into(), |s| format!("{:.1}", s.peak_rss_mib)),
            ));
        }
    }
    out.push_str("\n</details>\n");
    out
}

/// Replaces the results section of the document, keeping the rest.
pub fn splice(document: &str, section: &str) -> anyhow::Result<String> {
    let (Some(start), Some(end)) = (document.find(START), document.find(END)) else {
        anyhow::bail!("the document has no {START} … {END} section");
    };
    anyhow::ensure!(start < end, "the result markers are out of order");
    Ok(format!(
        "{}{START}\n{section}{}",
        &document[..start],
        &document[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Better, Machine};
    use crate::stats::Latency;

    fn measurement(scenario: &str, variant: &str, unit: &str, value: f64) -> Measurement {
        Measurement {
            scenario: scenario.into(),
            variant: variant.into(),
            unit: unit.into(),
            better: Better::Higher,
            value,
            rounds: vec![value],
            requests: 1,
            errors: 0,
            latency_ms: Latency::default(),
            server: None,
            first_errors: vec![],
        }
    }

    fn run(target: &str, results: Vec<Measurement>) -> Run {
        Run {
            target: target.into(),
            started: "2026-01-01T00:00:00Z".into(),
            machine: Machine::this(),
            results,
        }
    }

    #[test]
    fn ratios_against_baselines_and_verdicts() {
        let runs = [
            run(
                "berth",
                vec![
                    measurement("pull-blob", "whole 1024 MiB", "MiB/s", 900.0),
                    measurement("push-blob", "monolithic 1024 MiB", "s", 3.0),
                    measurement("list-artifacts", "first page of 100000", "ms p99", 20.0),
                ],
            ),
            run(
                "nginx",
                vec![measurement("pull-blob", "whole 1024 MiB", "MiB/s", 1000.0)],
            ),
            run(
                "machine",
                vec![measurement("floor", "hash+fsync 1024 MiB", "s", 2.0)],
            ),
        ];
        let section = render(&runs);
        assert!(
            section.contains(
                "| pull 1 GiB, whole | 900 MiB/s | nginx: 1000 MiB/s | 0.90× | ≥ 0.9× | met |"
            ),
            "{section}"
        );
        assert!(section.contains("| push 1 GiB, one request | 3.00 s | machine: 2.00 s | 1.50× | ≤ 1.25× | **missed** |"), "{section}");
        assert!(
            section
                .contains("| list artifacts, first page | 20.0 ms p99 |  |  | < 50 ms p99 | met |"),
            "{section}"
        );
        assert!(section.contains("| idle RSS | not measured |"), "{section}");
    }

    #[test]
    fn splices_between_the_markers_only() {
        let document = format!("# Title\n\n{START}\nold\n{END}\n\nProse.\n");
        let spliced = splice(&document, "new\n").unwrap();
        assert_eq!(
            spliced,
            format!("# Title\n\n{START}\nnew\n{END}\n\nProse.\n")
        );
        assert!(splice("no markers", "x").is_err());
    }
}
