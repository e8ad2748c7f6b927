//! The WebSocket edge: the upgrade (token checked first, the socket sized)
//! hands the socket to a session, which parses its frames (`session::codec`).

pub mod upgrade;
