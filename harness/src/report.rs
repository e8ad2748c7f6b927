//! What a run measured: latency histograms (microseconds, HdrHistogram),
//! counters, correctness violations. Serialised as the JSON report whose
//! schema `docs/harness.md` documents; printed as a table.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// A latency distribution, recorded in microseconds (1 us .. 1 h, 3
/// significant digits). The histogram (~200 KiB of counts) is made on the
/// first record: every simulated driver and rider keeps its own tally, and
/// 10,000 drivers' empty histograms made up front cost the harness ~17 s of
/// page faults at the start of the load window, with every driver's GPS
/// ticks then due at once (docs/benchmarks.md).
#[derive(Debug, Clone, Default)]
pub struct Latency(Option<Box<Histogram<u64>>>);

fn histogram() -> Box<Histogram<u64>> {
    Box::new(Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static bounds are valid"))
}

impl Latency {
    pub fn record(&mut self, d: Duration) {
        let us = (d.as_micros() as u64).clamp(1, 3_600_000_000);
        self.0.get_or_insert_with(histogram).saturating_record(us);
    }

    /// Records a wall-clock difference; negative (clock skew) counts as 1 us.
    pub fn record_ms_f64(&mut self, ms: f64) {
        self.record(Duration::from_secs_f64((ms / 1000.0).max(0.0)));
    }

    pub fn merge(&mut self, other: &Latency) {
        if let Some(theirs) = other.0.as_deref().filter(|h| !h.is_empty()) {
            let _ = self.0.get_or_insert_with(histogram).add(theirs);
        }
    }

    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.len())
    }

    pub fn summary(&self) -> LatencySummary {
        let ms = |us: u64| us as f64 / 1000.0;
        let Some(h) = self.0.as_deref().filter(|h| !h.is_empty()) else {
            return LatencySummary::default();
        };
        LatencySummary {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// The JSON report (schema version 1, see docs/harness.md).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub schema: u32,
    pub scenario: String,
    pub started_at: String,
    pub duration_s: f64,
    pub params: serde_json::Value,
    pub latency: BTreeMap<String, LatencySummary>,
    /// Per-second rates (e.g. GPS updates sent).
    pub throughput: BTreeMap<String, f64>,
    /// Plain counts (trips by outcome, messages, connections).
    pub counts: BTreeMap<String, u64>,
    /// Every error the server sent, by code.
    pub errors: BTreeMap<String, u64>,
    /// Correctness violations; any makes the run fail.
    pub violations: Vec<String>,
    pub extra: serde_json::Value,
    pub ok: bool,
    /// Lines for the printed table worked out from the run (server CPU
    /// per operation); their figures are in `extra`.
    #[serde(skip)]
    pub derived: Vec<String>,
}

impl Report {
    pub fn new(scenario: &str, params: serde_json::Value) -> Self {
        Self {
            schema: 1,
            scenario: scenario.into(),
            started_at: chrono::Utc::now().to_rfc3339(),
            params,
            ok: true,
            ..Self::default()
        }
    }

    pub fn add_latency(&mut self, name: &str, l: &Latency) {
        self.latency.insert(name.into(), l.summary());
    }

    pub fn violation(&mut self, what: impl Into<String>) {
        self.violations.push(what.into());
        self.ok = false;
    }

    /// Finishes the report: `ok` is false on any violation.
    pub fn finish(&mut self, duration: Duration) {
        self.duration_s = duration.as_secs_f64();
        self.ok = self.violations.is_empty();
    }

    pub fn table(&self) -> String {
        let mut out = format!("== {} ({:.1} s) ==\n", self.scenario, self.duration_s);
        if !self.latency.is_empty() {
            out += &format!(
                "{:<22} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
                "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max"
            );
            for (name, l) in &self.latency {
                out += &format!(
                    "{:<22} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
                    name, l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
                );
            }
        }
        for (name, v) in &self.throughput {
            out += &format!("{name:<30} {v:>12.1} /s\n");
        }
        for (name, v) in &self.counts {
            out += &format!("{name:<30} {v:>12}\n");
        }
        for line in &self.derived {
            out += &format!("{line}\n");
        }
        for (code, n) in &self.errors {
            out += &format!("error {code:<24} {n:>12}\n");
        }
        if self.violations.is_empty() {
            out += "correctness: OK\n";
        } else {
            out += &format!("correctness: {} VIOLATION(S)\n", self.violations.len());
            for v in self.violations.iter().take(20) {
                out += &format!("  - {v}\n");
            }
        }
        out
    }
}

/// Durations in report parameters, as seconds (f64).
pub(crate) mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut l = Latency::default();
        for ms in 1..=1000u64 {
            l.record(Duration::from_millis(ms));
        }
        let s = l.summary();
        assert_eq!(s.count, 1000);
        assert!((s.p50_ms - 500.0).abs() <= 1.0, "{s:?}");
        assert!((s.p90_ms - 900.0).abs() <= 1.0, "{s:?}");
        assert!((s.p99_ms - 990.0).abs() <= 1.0, "{s:?}");
        assert!((s.max_ms - 1000.0).abs() <= 1.0, "{s:?}");
        assert!((s.mean_ms - 500.5).abs() <= 1.0, "{s:?}");
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_tail() {
        let mut a = Latency::default();
        let mut b = Latency::default();
        a.record(Duration::from_micros(100));
        b.record(Duration::from_millis(40));
        a.merge(&b);
        let s = a.summary();
        assert_eq!(s.count, 2);
        assert!((s.max_ms - 40.0).abs() < 0.1);
    }

    #[test]
    fn skewed_clocks_do_not_underflow() {
        let mut l = Latency::default();
        l.record_ms_f64(-3.0);
        assert_eq!(l.count(), 1);
    }

    #[test]
    fn a_violation_fails_the_report() {
        let mut r = Report::new("t", serde_json::json!({}));
        r.finish(Duration::from_secs(1));
        assert!(r.ok);
        r.violation("two winners");
        r.finish(Duration::from_secs(1));
        assert!(!r.ok);
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["schema"], 1);
        assert_eq!(json["ok"], false);
        assert!(r.table().contains("VIOLATION"));
    }

    #[test]
    fn empty_tallies_merge_both_ways() {
        let mut empty = Latency::default();
        let mut one = Latency::default();
        one.record(Duration::from_millis(7));
        empty.merge(&one);
        one.merge(&Latency::default());
        assert_eq!((empty.count(), one.count()), (1, 1));
        assert!((empty.summary().max_ms - 7.0).abs() < 0.1);
        assert!(
            Latency::default().0.is_none(),
            "no histogram until a record"
        );
    }

    #[test]
    fn empty_histograms_summarise_to_zero() {
        assert_eq!(Latency::default().summary(), LatencySummary::default());
    }
}
