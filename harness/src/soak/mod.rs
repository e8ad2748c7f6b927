//! `soak`: a modest, steady load built for faults rather than peak rates.
//! Nodes are killed and restarted under it (`harness/soak.sh`); every
//! simulated client reconnects to the next node, resumes from `hello.trip`
//! and carries on. Lost sockets, close codes 1001/1012, refused connects and
//! `unavailable` answers are expected here: counted, retried, never a
//! violation. What must hold, checked over HTTP at the end:
//!
//! 1. no lost GPS update: every point answered `ok` is in its trip's track;
//! 2. no double winner: no trip's `trip.accept` was answered `ok` (or shown
//!    as the driver's own trip in `hello`) for two drivers, and every
//!    completed trip was driven by the driver that won it;
//! 3. no stuck trip: every trip a rider created ends `completed`,
//!    `cancelled` or `expired`.
//!
//! Layout:
//! - `params`         the run's parameters and the simulated clients' timings
//! - `phases`         the run: accounts, load, grace, settle, stop, final read
//! - `shared`         what every client task shares (nodes, stop signals, evidence)
//! - `connection`     connect to the next node with backoff; why a connection ended
//! - `driver`         the simulated driver: its trip, GPS and reconnect loop
//! - `driver_replies` how the driver handles offers, `ok` and errors
//! - `rider`          the simulated rider: requests, follows its trip, reconnects
//! - `evidence`       what the clients record: acknowledged points, winners, trips
//! - `verify`         the three checks, pure
//! - `outcome`        the final HTTP read and the report

mod connection;
mod driver;
mod driver_replies;
mod evidence;
mod outcome;
mod params;
mod phases;
mod rider;
mod shared;
mod verify;

pub use connection::{backoff, end_reason, spread, End};
pub use evidence::{at_key, Evidence, FinalTrip, Point, PointBook};
pub use params::{SoakParams, Timing};
pub use phases::run;
pub use verify::verify;
