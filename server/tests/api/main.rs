//! Integration tests: real `hail serve` processes on random ports, each test
//! with its own Postgres database and Redis prefix, over real sockets.
//! One binary (fast to link); `TEST_LOG=1` shows the servers' logs.

#[path = "../common/eventually.rs"]
mod eventually;
#[macro_use]
mod helpers;

mod auth;
mod bad_input;
mod connections;
mod dispatch;
mod faults;
mod gps_partitions;
mod harness_smoke;
mod history;
mod lifecycle;
mod login_throttle;
mod monitor;
mod multinode;
mod operator;
mod outages;
mod proxy;
mod redis_cluster;
mod restart;
mod revocation;
mod ride;
mod search;
mod session_limits;
mod shutdown;
mod static_files;
mod surge;
mod tasks;
