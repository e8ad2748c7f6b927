//! `hail-harness`: drives Hail over real WebSockets like any outside client,
//! to load-test it and to prove its correctness under load.
//!
//! Layout:
//! - `client`      HTTP accounts and reads, WebSocket connections (small buffers, chosen source addresses)
//! - `load`        the load shape city and soak share (nodes, clients, rates, window)
//! - `movement`    pure scenario generation: positions around a centre, straight-line driving
//! - `report`      HdrHistogram latencies, counters, the JSON report and the printed table
//! - `tally`       what city's and soak's clients add up, live counters, their report steps
//! - `city/`       the simulated city: drivers move and accept, riders quote, ride and rate; the fare audit
//! - `ride_api`    the ride product over HTTP: fares, vehicles, quotes, ratings, receipts, tracks
//! - `fare_check`  the fare rules re-implemented, to recompute a trip's fare from its track
//! - `race`        contested accepts: exactly one winner per trip
//! - `cancel_loop` one rider's request -> cancel loop: round-trip latency of small frames
//! - `server_cpu`  the nodes' own CPU time from /proc, per operation driven
//! - `connections` idle authenticated sockets across processes and nodes
//! - `soak/`       steady load while nodes die: reconnects, acked GPS, one winner, no stuck trip
//! - `track`       GPS on trips alone: every point forwarded and persisted, the server's CPU per point

pub mod cancel_loop;
pub mod city;
pub mod client;
pub mod connections;
pub mod fare_check;
pub mod load;
pub mod movement;
pub mod race;
pub mod report;
pub mod ride_api;
pub mod server_cpu;
pub mod soak;
pub mod tally;
pub mod track;
