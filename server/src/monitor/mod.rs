//! The admin monitor: live figures, heartbeats, and the views built from
//! them, every node's store and presence.

pub mod heartbeat;
pub mod stats;
pub mod view;
