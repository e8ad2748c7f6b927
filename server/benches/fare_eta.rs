//! The pure pricing functions a quote, an offer and every forwarded
//! `driver.location` call: the fare of a ride (`domain/fare.rs`), the
//! road estimate between two points and the pickup ETA
//! (`domain/estimate.rs`).
//!
//! `cargo bench -p hail-server --bench fare_eta`

use criterion::{criterion_group, criterion_main, Criterion};
use hail_protocol::Position;
use hail_server::domain::estimate::{estimate, eta_for_distance, pickup_eta_secs, EstimateModel};
use hail_server::domain::fare::{fare, FareRule};
use hail_server::domain::money::{Currency, Money, Multiplier};
use std::hint::black_box;

fn rule() -> FareRule {
    FareRule {
        currency: Currency::parse("EUR").expect("a valid code"),
        base: Money(250),
        per_km: Money(120),
        per_minute: Money(25),
        minimum: Money(600),
        booking_fee: Money(99),
    }
}

fn pricing(c: &mut Criterion) {
    let rule = rule();
    let model = EstimateModel::default();
    let pickup = Position::new(52.521918, 13.413215).expect("in range");
    let dropoff = Position::new(52.525084, 13.369402).expect("in range");
    let driver = Position::new(52.5301, 13.4102).expect("in range");
    let mut g = c.benchmark_group("pricing");
    g.bench_function("fare 1.0x", |b| {
        b.iter(|| {
            fare(
                black_box(&rule),
                black_box(4_210),
                black_box(780),
                Multiplier::ONE,
            )
        })
    });
    g.bench_function("fare 1.5x, minimum", |b| {
        b.iter(|| {
            fare(
                black_box(&rule),
                black_box(300),
                black_box(60),
                Multiplier(15_000),
            )
        })
    });
    g.bench_function("estimate", |b| {
        b.iter(|| estimate(black_box(&pickup), black_box(&dropoff), &model))
    });
    g.bench_function("pickup_eta_secs", |b| {
        b.iter(|| pickup_eta_secs(black_box(&driver), black_box(&pickup), &model))
    });
    g.bench_function("eta_for_distance", |b| {
        b.iter(|| eta_for_distance(black_box(1_234.5), &model))
    });
    g.finish();
}

criterion_group!(benches, pricing);
criterion_main!(benches);
