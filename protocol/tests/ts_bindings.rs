//! The TypeScript side of the wire types: writes `wire.ts` (every type,
//! derived with ts-rs) and `close-codes.ts` (from `close::ALL` and
//! `close::should_reconnect`) into `client/src/lib/generated/`, or into
//! `$HAIL_TS_OUT` when set. Run by `make ts-types`; `make ts-check` (part of
//! `make test`) regenerates into a temporary directory and fails on any
//! difference from the checked-in files.
#![cfg(feature = "ts")]

use hail_protocol::{close, error, geo, history, http, ids, model, monitor, operator, ride, ws};
use std::fmt::Write;
use std::path::PathBuf;
use ts_rs::{Config, TS};

const COMMAND: &str =
    "make ts-types (cargo test -p hail-protocol --features ts --test ts_bindings)";

fn header(source: &str) -> String {
    format!(
        "// GENERATED from {source} by `{COMMAND}`.\n\
         // Do not edit: change the Rust types and regenerate; `make ts-check`\n\
         // (part of `make test`) fails when this file is out of date.\n"
    )
}

fn out_dir() -> PathBuf {
    match std::env::var_os("HAIL_TS_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../client/src/lib/generated"),
    }
}

fn config() -> Config {
    // Every integer on the wire fits a JS number (counts, seconds, `seq`).
    Config::new().with_large_int("number")
}

/// `export type X = ...;` with the Rust doc comment as JSDoc.
fn decl<T: TS + 'static>(cfg: &Config, out: &mut String) {
    out.push('\n');
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

fn section(out: &mut String, title: &str) {
    let _ = write!(out, "\n// ---- {title} ----\n");
}

fn wire_ts() -> String {
    let cfg = config();
    let mut out = header("protocol/src/*.rs (ts-rs)");
    let o = &mut out;
    section(o, "ids.rs");
    decl::<ids::UserId>(&cfg, o);
    decl::<ids::TripId>(&cfg, o);
    section(o, "geo.rs");
    decl::<geo::Position>(&cfg, o);
    decl::<geo::Place>(&cfg, o);
    section(o, "model.rs");
    decl::<model::Role>(&cfg, o);
    decl::<model::User>(&cfg, o);
    decl::<model::TripStatus>(&cfg, o);
    decl::<model::CancelledBy>(&cfg, o);
    decl::<model::TripUser>(&cfg, o);
    decl::<model::Trip>(&cfg, o);
    section(o, "error.rs");
    decl::<error::ErrorCode>(&cfg, o);
    decl::<error::ErrorDetail>(&cfg, o);
    decl::<error::ErrorBody>(&cfg, o);
    section(o, "ws.rs");
    decl::<ws::Location>(&cfg, o);
    decl::<ws::ClientMessage>(&cfg, o);
    decl::<ws::WithdrawReason>(&cfg, o);
    decl::<ws::EtaTarget>(&cfg, o);
    decl::<ws::ServerMessage>(&cfg, o);
    section(o, "http.rs");
    decl::<http::SignupRequest>(&cfg, o);
    decl::<http::LoginRequest>(&cfg, o);
    decl::<http::RefreshRequest>(&cfg, o);
    decl::<http::TokenResponse>(&cfg, o);
    decl::<http::UserResponse>(&cfg, o);
    decl::<http::TripResponse>(&cfg, o);
    decl::<http::TripsResponse>(&cfg, o);
    decl::<http::TrackPoint>(&cfg, o);
    decl::<http::TrackResponse>(&cfg, o);
    section(o, "ride.rs");
    decl::<ride::Money>(&cfg, o);
    decl::<ride::FareBreakdown>(&cfg, o);
    decl::<ride::FareClass>(&cfg, o);
    decl::<ride::FaresResponse>(&cfg, o);
    decl::<ride::TrackRules>(&cfg, o);
    decl::<ride::Vehicle>(&cfg, o);
    decl::<ride::VehicleResponse>(&cfg, o);
    decl::<ride::RatingSummary>(&cfg, o);
    decl::<ride::RatingRequest>(&cfg, o);
    decl::<http::Rating>(&cfg, o);
    decl::<http::RatingResponse>(&cfg, o);
    decl::<ride::CancelReason>(&cfg, o);
    decl::<ride::QuoteRequest>(&cfg, o);
    decl::<ride::Quote>(&cfg, o);
    decl::<ride::QuotesResponse>(&cfg, o);
    decl::<http::Receipt>(&cfg, o);
    section(o, "monitor.rs");
    decl::<monitor::RoleCounts>(&cfg, o);
    decl::<monitor::NodeStatus>(&cfg, o);
    decl::<monitor::NodeOverview>(&cfg, o);
    decl::<monitor::Totals>(&cfg, o);
    decl::<monitor::TripCounts>(&cfg, o);
    decl::<monitor::DriverCounts>(&cfg, o);
    decl::<monitor::Overview>(&cfg, o);
    decl::<monitor::DispatchOutcome>(&cfg, o);
    decl::<monitor::Dispatch>(&cfg, o);
    decl::<monitor::DispatchesResponse>(&cfg, o);
    decl::<monitor::TimelineEvent>(&cfg, o);
    decl::<monitor::DispatchDetail>(&cfg, o);
    decl::<monitor::TaskStats>(&cfg, o);
    decl::<monitor::TaskState>(&cfg, o);
    decl::<monitor::TaskRun>(&cfg, o);
    decl::<monitor::TasksResponse>(&cfg, o);
    decl::<monitor::MapDriver>(&cfg, o);
    decl::<monitor::MapPoint>(&cfg, o);
    decl::<monitor::MapTrip>(&cfg, o);
    decl::<monitor::MonitorMap>(&cfg, o);
    decl::<monitor::SurgeCell>(&cfg, o);
    decl::<monitor::SurgeResponse>(&cfg, o);
    section(o, "operator.rs");
    decl::<operator::MonitorRole>(&cfg, o);
    decl::<operator::MonitorMe>(&cfg, o);
    decl::<operator::ActionKind>(&cfg, o);
    decl::<operator::ActionResult>(&cfg, o);
    decl::<operator::AuditEntry>(&cfg, o);
    decl::<operator::ActionResponse>(&cfg, o);
    decl::<operator::AuditResponse>(&cfg, o);
    section(o, "history.rs");
    decl::<history::HistoryRange>(&cfg, o);
    decl::<history::Latency>(&cfg, o);
    decl::<history::NodeConnections>(&cfg, o);
    decl::<history::HistoryPoint>(&cfg, o);
    decl::<history::HistoryResponse>(&cfg, o);
    decl::<history::TripSearchResponse>(&cfg, o);
    decl::<history::TripDetailResponse>(&cfg, o);
    decl::<history::UserPageResponse>(&cfg, o);
    decl::<history::NodePageResponse>(&cfg, o);
    out
}

fn close_codes_ts() -> String {
    let mut out = header("protocol/src/close.rs (close::ALL, close::should_reconnect)");
    out.push_str("\n/** The WebSocket close codes the server sends (docs/protocol.md §4.4). */\n");
    out.push_str("export const CLOSE_CODES = {\n");
    for code in close::ALL {
        let name = close::name(code).unwrap_or_else(|| panic!("close code {code} has no name"));
        let _ = writeln!(out, "  {name}: {code},");
    }
    out.push_str("} as const;\n");
    out.push_str("\nexport type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];\n");
    out.push_str(
        "\n/** Close codes after which reconnecting cannot help (`should_reconnect` is false). */\n",
    );
    out.push_str("export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([\n");
    for code in close::ALL
        .into_iter()
        .filter(|c| !close::should_reconnect(*c))
    {
        let name = close::name(code).unwrap_or_default();
        let _ = writeln!(out, "  CLOSE_CODES.{name},");
    }
    out.push_str("]);\n");
    out
}

#[test]
fn export_bindings() {
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("create the output directory");
    for (file, text) in [("wire.ts", wire_ts()), ("close-codes.ts", close_codes_ts())] {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}
