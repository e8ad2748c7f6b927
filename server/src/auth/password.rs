//! Argon2id password hashing (the `argon2` crate's defaults), run on the
//! blocking pool so a log-in never stalls the async workers.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// A job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// Argon2 takes ~19 MiB and a core for tens of milliseconds per hash. It
/// runs on a few dedicated threads (one per core): a burst of log-ins
/// queues instead of taking every core, and only those threads' allocator
/// arenas ever hold the 19 MiB blocks (on tokio's blocking pool every new
/// thread kept its own copy, hundreds of MiB of RSS after a burst).
fn pool() -> &'static std::sync::mpsc::SyncSender<Job> {
    static POOL: std::sync::OnceLock<std::sync::mpsc::SyncSender<Job>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(1024);
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

/// Runs `f` on the hashing threads.
async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(f());
    });
    let sender = pool().clone();
    // The queue is bounded: waiting for room happens off the async workers.
    tokio::task::spawn_blocking(move || sender.send(job))
        .await
        .map_err(|e| HashError(e.to_string()))?
        .map_err(|_| HashError("hashing threads stopped".into()))?;
    result
        .await
        .map_err(|_| HashError("hashing job dropped".into()))
}

pub async fn hash(password: String) -> Result<String, HashError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await?
}

/// Whether `password` matches `hash`. With `hash = None` (unknown user)
/// it hashes instead, which costs as much as a verification, so unknown
/// usernames cannot be told from wrong passwords by timing.
pub async fn verify(password: String, hash: Option<String>) -> bool {
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
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash("correct horse".into()).await.expect("hash");
        let b = hash("correct horse".into()).await.expect("hash");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse".into(), Some(a.clone())).await);
        assert!(!verify("wrong".into(), Some(a)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
