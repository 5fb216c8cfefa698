//! Closed-loop load: each of N workers sends its next request as soon as
//! the previous one is answered, until the time is up. Latency is
//! measured per request, errors are counted and the first few kept.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Outcome {
    pub requests: u64,
    pub errors: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub first_errors: Vec<String>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn record(&mut self, sent: Instant, result: anyhow::Result<u64>) {
        self.latencies.push(sent.elapsed());
        self.requests += 1;
        match result {
            Ok(bytes) => self.bytes += bytes,
            Err(err) => {
                self.errors += 1;
                if self.first_errors.len() < 5 {
                    self.first_errors.push(format!("{err:#}"));
                }
            }
        }
    }

    fn absorb(&mut self, other: Outcome) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.bytes += other.bytes;
        self.latencies.extend(other.latencies);
        for error in other.first_errors {
            if self.first_errors.len() < 5 {
                self.first_errors.push(error);
            }
        }
    }
}

/// Runs `operation(worker, iteration)` on `workers` concurrent tasks for
/// `duration`. The operation returns the bytes it moved.
pub async fn closed_loop<F, Fut>(workers: usize, duration: Duration, operation: F) -> Outcome
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let operation = Arc::new(operation);
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let operation = operation.clone();
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut iteration = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let result = operation(worker, iteration).await;
                    outcome.record(sent, result);
                    iteration += 1;
                }
                outcome
            })
        })
        .collect();
    gather(tasks, started).await
}

/// Runs each job once on at most `workers` concurrent tasks; the jobs are
/// handed out in order.
pub async fn each<T, F, Fut>(workers: usize, jobs: Vec<T>, operation: F) -> Outcome
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<u64>> + Send + 'static,
{
    let queue = Arc::new(std::sync::Mutex::new(jobs.into_iter()));
    let operation = Arc::new(operation);
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (queue, operation) = (queue.clone(), operation.clone());
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                loop {
                    let next = queue.lock().expect("job queue").next();
                    let Some(job) = next else { break };
                    let sent = Instant::now();
                    let result = operation(job).await;
                    outcome.record(sent, result);
                }
                outcome
            })
        })
        .collect();
    gather(tasks, started).await
}

/// The workers' outcomes added up, timed from `started`.
async fn gather(tasks: Vec<tokio::task::JoinHandle<Outcome>>, started: Instant) -> Outcome {
    let mut total = Outcome::default();
    for task in tasks {
        total.absorb(task.await.expect("load worker panicked"));
    }
    total.elapsed = started.elapsed();
    total
}
