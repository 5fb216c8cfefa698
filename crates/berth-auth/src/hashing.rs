//! Password hashing on a few threads of its own, one per core.
//!
//! argon2 allocates its whole memory cost (19 MiB by default) for every
//! hash. On tokio's blocking pool a burst of cold sign-ins ran on dozens of
//! threads, each with its own malloc arena keeping its last block: the
//! process grew by hundreds of MiB and never shrank, and the hashes
//! finished no sooner, since there are only so many cores. Here the same
//! few threads do every hash and reuse their memory, and a burst waits in a
//! queue instead.

use berth_http::Failure;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// Requests waiting for a hashing thread before callers wait to enqueue.
const QUEUE: usize = 1024;

pub struct Hashers {
    jobs: mpsc::Sender<Job>,
}

impl Hashers {
    /// Starts the threads; they stop when the last handle is dropped.
    pub fn start() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{index}"))
                .spawn(move || {
                    loop {
                        // Only the waiting thread holds the lock; the
                        // others queue behind it for the next job.
                        let job = queue
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .blocking_recv();
                        match job {
                            Some(job) => job(),
                            None => break,
                        }
                    }
                })
                .expect("a password hashing thread starts");
        }
        Self { jobs }
    }

    /// Runs `work` on a hashing thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A caller that went away no longer wants the answer, so its
            // hash is not computed; and a panic loses one answer, never a
            // hashing thread.
            if reply.is_closed() {
                return;
            }
            if let Ok(result) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                let _ = reply.send(result);
            }
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| Failure::internal("the password hashing threads stopped"))?;
        result
            .await
            .map_err(|_| Failure::internal("a password hash was abandoned"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_on_its_own_threads_and_returns_the_result() {
        let hashers = Hashers::start();
        let names = futures::future::join_all((0..8).map(|i| {
            hashers.run(move || (i * 2, std::thread::current().name().map(str::to_owned)))
        }))
        .await;
        for (i, result) in names.into_iter().enumerate() {
            let (doubled, thread) = result.unwrap();
            assert_eq!(doubled, i * 2);
            assert!(thread.unwrap().starts_with("password-hash-"));
        }
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let hashers = Hashers::start();
        for _ in 0..4 {
            assert!(hashers.run(|| panic!("boom")).await.is_err());
        }
        assert_eq!(hashers.run(|| 7).await.unwrap(), 7);
    }
}
