//! The wire codec on the hot paths, from the protocol's own fixtures:
//! parsing a `location` and a `trip.request` client frame the way the
//! session does (`session/codec.rs`: the envelope for `type` and `ref`,
//! the role check, then the typed message and its checks), and encoding
//! a `driver.location` and a `trip.updated` server message as each
//! socket write and bus publish does (`serde_json`).
//!
//! `cargo bench -p hail-server --bench codec`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hail_protocol::ws::Envelope;
use hail_protocol::{ClientKind, ClientMessage, Role, ServerMessage};
use std::hint::black_box;

/// The first frame of a fixture file (a JSON array of frames), as text.
fn first_frame(fixture: &str) -> String {
    let frames: Vec<serde_json::Value> = serde_json::from_str(fixture).expect("fixture is JSON");
    serde_json::to_string(frames.first().expect("fixture has a frame")).expect("re-encodes")
}

/// The last (fullest) message of a server fixture file.
fn last_message(fixture: &str) -> ServerMessage {
    let mut all: Vec<ServerMessage> = serde_json::from_str(fixture).expect("fixture parses");
    all.pop().expect("fixture has a message")
}

/// The generic parse every frame took before `location` got its own path
/// (two serde passes, the second through the tagged enum), kept to show
/// what the fast path saves.
fn parse(text: &str, role: Role) -> Option<ClientMessage> {
    let envelope: Envelope = serde_json::from_str(text).ok()?;
    let kind = ClientKind::parse(&envelope.kind)?;
    if !kind.allowed_for(role) {
        return None;
    }
    let message: ClientMessage = serde_json::from_str(text).ok()?;
    message.validate().ok()?;
    hail_server::domain::area::check(&message).ok()?;
    Some(message)
}

fn client_frames(c: &mut Criterion) {
    let location = first_frame(include_str!("../../protocol/fixtures/client-location.json"));
    let request = first_frame(include_str!(
        "../../protocol/fixtures/client-trip-request.json"
    ));
    assert!(parse(&location, Role::Driver).is_some(), "{location}");
    assert!(parse(&request, Role::Rider).is_some(), "{request}");
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("location", |b| {
        b.iter(|| hail_server::session::codec::parse(black_box(&location), Role::Driver))
    });
    g.bench_function("location (tagged enum, before)", |b| {
        b.iter(|| parse(black_box(&location), Role::Driver))
    });
    g.bench_function("trip.request", |b| {
        b.iter(|| hail_server::session::codec::parse(black_box(&request), Role::Rider))
    });
    g.finish();
}

fn server_messages(c: &mut Criterion) {
    let location = last_message(include_str!(
        "../../protocol/fixtures/server-driver-location.json"
    ));
    let updated = last_message(include_str!(
        "../../protocol/fixtures/server-trip-updated.json"
    ));
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("driver.location", |b| {
        b.iter(|| serde_json::to_string(black_box(&location)).expect("encodes"))
    });
    g.bench_function("trip.updated", |b| {
        b.iter(|| serde_json::to_string(black_box(&updated)).expect("encodes"))
    });
    g.finish();
    // What a rider's node did with every forwarded location before it
    // passed the published bytes through: decode into the tagged enum (the
    // socket write then encoded it again).
    let bytes = serde_json::to_vec(&location).expect("encodes");
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("driver.location (before pass-through)", |b| {
        b.iter(|| serde_json::from_slice::<ServerMessage>(black_box(&bytes)).expect("decodes"))
    });
    g.finish();
}

criterion_group!(benches, client_frames, server_messages);
criterion_main!(benches);
