//! One node: it always claims, and the board lives in the process.

use super::{SurgeShare, SurgeShareError};
use async_trait::async_trait;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemorySurgeShare {
    board: Mutex<Option<String>>,
}

impl MemorySurgeShare {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SurgeShare for MemorySurgeShare {
    async fn claim(&self, _bucket: i64, _node: &str) -> Result<bool, SurgeShareError> {
        Ok(true)
    }

    async fn publish(&self, board: &str) -> Result<(), SurgeShareError> {
        *self.board.lock().unwrap_or_else(|e| e.into_inner()) = Some(board.to_string());
        Ok(())
    }

    async fn latest(&self) -> Result<Option<String>, SurgeShareError> {
        Ok(self.board.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }
}
