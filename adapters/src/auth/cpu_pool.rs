//! CPU-bound work (bcrypt) on threads of its own: one per core, at a lower
//! scheduling priority (nice 10 on Linux), fed by a bounded queue.
//!
//! Logins still get every idle cycle, but a request that needs the CPU for
//! a moment (`/users/me`, the proxy) is scheduled ahead of a hash, so a
//! burst of logins cannot push other requests' latency up by whole time
//! slices; and the tokio blocking pool's threads keep their normal priority.

use std::sync::{Arc, Mutex, OnceLock};

use anyhow::anyhow;
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// Jobs waiting beyond this make their callers wait to enqueue.
const QUEUE: usize = 256;
const NICE: i32 = 10;

static POOL: OnceLock<mpsc::Sender<Job>> = OnceLock::new();

fn pool() -> &'static mpsc::Sender<Job> {
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        for n in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("cpu-pool-{n}"))
                .spawn(move || worker(&rx));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "CPU pool thread not started");
            }
        }
        tx
    })
}

fn worker(rx: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match rx.lock() {
            Ok(mut rx) => rx.blocking_recv(),
            Err(_) => return,
        };
        match job {
            Some(job) => job(),
            None => return,
        }
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // the one FFI call below
fn lower_priority() {
    // On Linux `who = 0` with PRIO_PROCESS names the calling thread only.
    // SAFETY: setpriority takes plain integers, no pointers or memory; it
    // only changes the calling thread's nice value, and a failure (an error
    // return, ignored) leaves the thread at its normal priority.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICE) };
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {
    let _ = NICE;
}

/// Runs `work` on the pool and waits for its result.
///
/// # Errors
/// When the pool's threads could not be started or the job panicked.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = oneshot::channel();
    pool()
        .send(Box::new(move || {
            let _ = tx.send(work());
        }))
        .await
        .map_err(|_| anyhow!("the CPU pool has no threads"))?;
    rx.await.map_err(|_| anyhow!("a CPU pool job failed"))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn work_runs_and_its_result_comes_back() {
        let results = futures::future::join_all((0..8).map(|n| super::run(move || n * 2))).await;
        let values: Vec<i32> = results.into_iter().map(|r| r.expect("result")).collect();
        assert_eq!(values, vec![0, 2, 4, 6, 8, 10, 12, 14]);
    }
}
