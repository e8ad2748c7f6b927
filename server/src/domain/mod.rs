//! Pure decisions, no I/O: who may do what to a trip from which status, and
//! when a dispatch runs its rounds. Everything here is unit-tested with
//! plain values (and paused tokio time for the dispatch clock).

pub mod account;
pub mod area;
pub mod cancel;
pub mod clock;
pub mod dispatch;
pub mod estimate;
pub mod fare;
pub mod fare_table;
pub mod gps_partition;
pub mod money;
pub mod password_rules;
mod point;
pub mod rating;
pub mod rollup;
pub mod surge;
pub mod track;
pub mod trip;
pub mod trip_query;
pub mod vehicle;
