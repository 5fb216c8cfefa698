//! What the measured server spent: CPU seconds and peak resident memory of
//! its process and its child processes (nginx serves from workers), read
//! from `/proc/<pid>`. Peak memory is per scenario: the
//! kernel's high-water mark is reset at the start (writing 5 to
//! `clear_refs`), and where that is not permitted a sampler keeps the
//! highest resident size it saw instead.

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct ServerCost {
    pub cpu_seconds: f64,
    pub peak_rss_mib: f64,
}

pub struct Watch {
    pid: u32,
    cpu_at_start: f64,
    hwm_reset: bool,
    sampled_peak_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    sampler: Option<tokio::task::JoinHandle<()>>,
}

impl Watch {
    pub fn start(pid: u32) -> anyhow::Result<Self> {
        let cpu_at_start = family_cpu_seconds(pid)?;
        let hwm_reset = family(pid)
            .iter()
            .all(|p| std::fs::write(format!("/proc/{p}/clear_refs"), "5").is_ok());
        let sampled_peak_kib = Arc::new(AtomicU64::new(family_kib(pid, "VmRSS:")));
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = (!hwm_reset).then(|| {
            let (peak, stop) = (sampled_peak_kib.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(family_kib(pid, "VmRSS:"), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        });
        Ok(Self {
            pid,
            cpu_at_start,
            hwm_reset,
            sampled_peak_kib,
            stop,
            sampler,
        })
    }

    pub async fn finish(mut self) -> anyhow::Result<ServerCost> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(sampler) = self.sampler.take() {
            sampler.await.ok();
        }
        let peak_kib = if self.hwm_reset {
            family_kib(self.pid, "VmHWM:")
        } else {
            self.sampled_peak_kib.load(Ordering::Relaxed)
        };
        Ok(ServerCost {
            cpu_seconds: family_cpu_seconds(self.pid)? - self.cpu_at_start,
            peak_rss_mib: peak_kib as f64 / 1024.0,
        })
    }
}

/// The process and its children.
fn family(pid: u32) -> Vec<u32> {
    let mut members = vec![pid];
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            members.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    members
}

/// A memory figure summed over the process and its children, in KiB.
fn family_kib(pid: u32, field: &str) -> u64 {
    family(pid)
        .into_iter()
        .filter_map(|p| status_kib(p, field))
        .sum()
}

fn family_cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let own = cpu_seconds(pid)?;
    let children: f64 = family(pid)[1..]
        .iter()
        .filter_map(|p| cpu_seconds(*p).ok())
        .sum();
    Ok(own + children)
}

/// Current resident memory in MiB.
pub fn rss_mib(pid: u32) -> Option<f64> {
    status_kib(pid, "VmRSS:").map(|kib| kib as f64 / 1024.0)
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// User plus system time of the process and its reaped children.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|err| anyhow::anyhow!("cannot read /proc/{pid}/stat: {err}"))?;
    // The command name is in parentheses and may contain spaces; fields
    // are counted after its closing parenthesis.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow::anyhow!("unexpected /proc/{pid}/stat"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5); after the name the
    // first field is 3 (state).
    let ticks: u64 = fields
        .get(11..13)
        .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
        .iter()
        .map(|field| field.parse::<u64>().unwrap_or(0))
        .sum();
    Ok(ticks as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_its_own_process() {
        let pid = std::process::id();
        let watch = Watch::start(pid).unwrap();
        // Burn a little CPU and touch memory so both figures move.
        let mut buffer = vec![0u8; 32 << 20];
        for (i, byte) in buffer.iter_mut().enumerate() {
            *byte = i as u8;
        }
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(200) {
            std::hint::black_box(&buffer);
        }
        let cost = watch.finish().await.unwrap();
        assert!(cost.cpu_seconds > 0.05, "{cost:?}");
        assert!(cost.peak_rss_mib > 32.0, "{cost:?}");
        drop(buffer);
        assert!(rss_mib(pid).unwrap() > 0.0);
    }
}
