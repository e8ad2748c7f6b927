//! Argon2id password hashing (the `argon2` crate's defaults) on a few
//! dedicated threads behind a small bounded queue, so a log-in never stalls
//! the async workers and a flood of log-ins cannot delay real ones.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing thread is busy and the queue is full: answered 503
    /// at once rather than queued behind hundreds of others.
    #[error("too many log-ins at once; retry shortly")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// A job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// The queue length, set once at start (`HAIL_HASH_QUEUE`).
static QUEUE: OnceLock<usize> = OnceLock::new();

/// Sets the queue length; only the first call (before any hashing) counts.
pub fn configure(queue: usize) {
    let _ = QUEUE.set(queue.max(1));
}

/// Argon2 takes ~19 MiB and a core for tens of milliseconds per hash. It
/// runs on a few dedicated threads (one per core): a burst of log-ins
/// queues instead of taking every core, and only those threads' allocator
/// arenas ever hold the 19 MiB blocks (on tokio's blocking pool every new
/// thread kept its own copy, hundreds of MiB of RSS after a burst).
fn pool() -> &'static SyncSender<Job> {
    static POOL: OnceLock<SyncSender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let queue = *QUEUE.get_or_init(crate::config::default_hash_queue);
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a hashing thread: {e}");
            }
        }
        tx
    })
}

/// Runs `f` on the hashing threads, or fails at once with [`HashError::Busy`]
/// when the queue is full. If the caller is gone by the time a thread picks
/// the job up (axum drops a handler whose client disconnected, and with it
/// the receiver), the hash is skipped: abandoned log-ins cost nothing.
async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        if done.is_closed() {
            crate::metrics::hash_skipped();
            return;
        }
        let _ = done.send(f());
    });
    match pool().try_send(job) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            crate::metrics::hash_refused();
            return Err(HashError::Busy);
        }
        Err(TrySendError::Disconnected(_)) => {
            return Err(HashError::Failed("hashing threads stopped".into()))
        }
    }
    result
        .await
        .map_err(|_| HashError::Failed("hashing job dropped".into()))
}

pub async fn hash(password: String) -> Result<String, HashError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Failed(e.to_string()))
    })
    .await?
}

/// Whether `password` matches `hash`. With `hash = None` (unknown user)
/// it hashes instead, which costs as much as a verification, so unknown
/// usernames cannot be told from wrong passwords by timing.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, HashError> {
    hashing(move || {
        let argon = Argon2::default();
        match hash {
            Some(stored) => PasswordHash::new(&stored)
                .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false),
            None => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = argon.hash_password(password.as_bytes(), &salt);
                false
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash("correct horse".into()).await.expect("hash");
        let b = hash("correct horse".into()).await.expect("hash");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse".into(), Some(a.clone()))
            .await
            .expect("verify"));
        assert!(!verify("wrong".into(), Some(a)).await.expect("verify"));
        assert!(!verify("anything".into(), None).await.expect("verify"));
    }
}
