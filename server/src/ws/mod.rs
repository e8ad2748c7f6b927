//! The WebSocket edge: the upgrade (token checked first) and the codec that
//! turns text frames into typed client messages.

pub mod codec;
pub mod upgrade;
