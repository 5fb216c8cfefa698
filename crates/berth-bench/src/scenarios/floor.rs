//! The machine's floor for an honest push of a file: `openssl dgst -sha256`
//! of it, and a write of its bytes to a new file on the same disk followed
//! by fsync. Their sum is what a server that hashes every byte and makes
//! it durable cannot beat on this machine.

use anyhow::{Context, ensure};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::Ctx;
use crate::load::Outcome;
use crate::results::{Better, Measurement, Series};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long)]
    pub file: PathBuf,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    let size = std::fs::metadata(&options.file)
        .with_context(|| format!("reading {}", options.file.display()))?
        .len();
    let label = format!("{} MiB", size >> 20);
    let copy = options.file.with_extension("floor-copy");
    // Read once so every round starts from the page cache, as the server's
    // client and nginx do.
    std::io::copy(
        &mut std::fs::File::open(&options.file)?,
        &mut std::io::sink(),
    )?;
    let mut hash = Series::new(
        "floor",
        &format!("openssl sha256 {label}"),
        "s",
        Better::Lower,
    );
    let mut write = Series::new("floor", &format!("write+fsync {label}"), "s", Better::Lower);
    let mut both = Series::new("floor", &format!("hash+fsync {label}"), "s", Better::Lower);
    for _ in 0..ctx.rounds {
        let hashed = time(|| openssl_sha256(&options.file))?;
        let written = time(|| write_durably(&options.file, &copy))?;
        std::fs::remove_file(&copy).ok();
        hash.add(hashed, one(hashed), None);
        write.add(written, one(written), None);
        both.add(hashed + written, one(hashed + written), None);
    }
    Ok(vec![hash.finish(), write.finish(), both.finish()])
}

fn one(seconds: f64) -> Outcome {
    Outcome {
        requests: 1,
        latencies: vec![std::time::Duration::from_secs_f64(seconds)],
        ..Outcome::default()
    }
}

fn time(work: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let started = Instant::now();
    work()?;
    Ok(started.elapsed().as_secs_f64())
}

fn openssl_sha256(file: &Path) -> anyhow::Result<()> {
    let output = std::process::Command::new("openssl")
        .args(["dgst", "-sha256"])
        .arg(file)
        .output()
        .context("running openssl (Debian package openssl)")?;
    ensure!(
        output.status.success(),
        "openssl dgst failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// Copies through a user-space buffer, as a server receiving the bytes
/// from a socket must (no in-kernel file copy), then fsyncs.
fn write_durably(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source = std::fs::File::open(from)?;
    let mut target = std::fs::File::create(to)?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = source.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        target.write_all(&buffer[..read])?;
    }
    target.sync_all()?;
    Ok(())
}
