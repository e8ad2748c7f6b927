//! The admin monitor: heartbeats (this node's `node::live` figures, sent
//! through presence), and the views built from every node's heartbeat and
//! the store. Above `node`: it reads the node, the node never reads it.

pub mod heartbeat;
pub mod view;
