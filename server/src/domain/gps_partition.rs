//! GPS points by UTC day: partition names, day bounds, and what one run of
//! the `gps_partitions` task must create and drop, from the partitions
//! that exist. Pure; the Postgres store lists and applies, the embedded
//! store only uses [`Policy::cutoff`].

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// What the task keeps and prepares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Day partitions kept ready after today's (today's is always made).
    pub ahead_days: u32,
    /// Points older than this go; `None` keeps them forever.
    pub retention: Option<Duration>,
}

impl Policy {
    /// Points with `at` before this are past retention (`None`: none is,
    /// also when the retention reaches before any representable time).
    pub fn cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.retention.and_then(|keep| now.checked_sub_signed(keep))
    }
}

/// The UTC day holding `at`.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// `[start, end)` of a UTC day: a partition's bounds.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN));
    (start, start + Duration::days(1))
}

/// `gps_points_p20261202`: sorts by day, and says which day it holds.
pub fn partition_name(day: NaiveDate) -> String {
    format!("gps_points_p{}", day.format("%Y%m%d"))
}

/// The day a name made by [`partition_name`] holds.
pub fn parse_name(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("gps_points_p")?;
    if digits.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// An existing partition of `gps_points`, as Postgres bounds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub bound: Bound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `FOR VALUES FROM (from) TO (to)`; `None` is MINVALUE / MAXVALUE.
    Range {
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    },
    /// A DEFAULT partition (Hail makes none; one an operator adds is kept).
    Default,
}

impl Bound {
    /// Whether it holds any instant of `[start, end)`.
    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        match *self {
            Bound::Range { from, to } => {
                from.is_none_or(|f| f < end) && to.is_none_or(|t| t > start)
            }
            Bound::Default => false,
        }
    }
}

/// One run's work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Days to make a partition for, oldest first.
    pub create: Vec<NaiveDate>,
    /// Partitions to drop: every point in them is past retention.
    pub drop: Vec<String>,
}

/// The days of `days` that no existing partition covers (a day partly
/// covered, e.g. by the legacy partition, counts as covered: Postgres
/// would refuse the overlapping one).
pub fn missing_days(existing: &[Partition], days: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|&day| {
            let (start, end) = day_bounds(day);
            !existing.iter().any(|p| p.bound.overlaps(start, end))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Today's partition and `ahead_days` more, minus those that exist; every
/// partition ending at or before the cutoff (never one that is open-ended,
/// never the DEFAULT).
pub fn plan(existing: &[Partition], now: DateTime<Utc>, policy: &Policy) -> Plan {
    let today = day_of(now);
    let wanted: Vec<NaiveDate> = (0..=i64::from(policy.ahead_days))
        .filter_map(|n| today.checked_add_signed(Duration::days(n)))
        .collect();
    let drop = match policy.cutoff(now) {
        None => Vec::new(),
        Some(cutoff) => existing
            .iter()
            .filter(|p| matches!(p.bound, Bound::Range { to: Some(to), .. } if to <= cutoff))
            .map(|p| p.name.clone())
            .collect(),
    };
    Plan {
        create: missing_days(existing, &wanted),
        drop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a test time")
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    fn day(name: &str) -> Partition {
        let (from, to) = day_bounds(parse_name(name).expect("a day name"));
        Partition {
            name: name.into(),
            bound: Bound::Range {
                from: Some(from),
                to: Some(to),
            },
        }
    }

    #[test]
    fn names_and_bounds_are_utc_days() {
        let d = day_of(at("2026-12-02T23:59:59.999Z"));
        assert_eq!(d, date("2026-12-02"));
        assert_eq!(day_of(at("2026-12-03T00:30:00+01:00")), date("2026-12-02"));
        assert_eq!(partition_name(d), "gps_points_p20261202");
        assert_eq!(parse_name("gps_points_p20261202"), Some(d));
        assert_eq!(parse_name("gps_points_legacy"), None);
        assert_eq!(parse_name("gps_points_p2026120"), None);
        assert_eq!(parse_name("gps_points_p20261332"), None);
        let (start, end) = day_bounds(d);
        assert_eq!(
            (start, end),
            (at("2026-12-02T00:00:00Z"), at("2026-12-03T00:00:00Z"))
        );
        // Month and year ends roll over.
        assert_eq!(day_bounds(date("2026-12-31")).1, at("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn a_fresh_table_gets_today_and_the_days_ahead() {
        let policy = Policy {
            ahead_days: 3,
            retention: None,
        };
        let p = plan(&[], at("2026-12-30T22:00:00Z"), &policy);
        let want: Vec<NaiveDate> = ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]
            .iter()
            .map(|d| date(d))
            .collect();
        assert_eq!(p.create, want);
        assert!(p.drop.is_empty());
    }

    #[test]
    fn existing_days_and_the_legacy_range_are_not_made_again() {
        let legacy = Partition {
            name: "gps_points_legacy".into(),
            bound: Bound::Range {
                from: None,
                to: Some(at("2026-12-03T00:00:00Z")),
            },
        };
        let existing = [legacy, day("gps_points_p20261204")];
        let policy = Policy {
            ahead_days: 3,
            retention: None,
        };
        let p = plan(&existing, at("2026-12-02T10:00:00Z"), &policy);
        assert_eq!(p.create, vec![date("2026-12-03"), date("2026-12-05")]);
        // A DEFAULT partition covers nothing here: days still get their own.
        let p = plan(
            &[Partition {
                name: "gps_points_default".into(),
                bound: Bound::Default,
            }],
            at("2026-12-02T10:00:00Z"),
            &Policy {
                ahead_days: 0,
                retention: Some(Duration::days(1)),
            },
        );
        assert_eq!((p.create, p.drop), (vec![date("2026-12-02")], vec![]));
    }

    #[test]
    fn retention_drops_partitions_that_ended_before_the_cutoff() {
        let legacy = Partition {
            name: "gps_points_legacy".into(),
            bound: Bound::Range {
                from: None,
                to: Some(at("2026-11-20T00:00:00Z")),
            },
        };
        let open_ended = Partition {
            name: "gps_points_later".into(),
            bound: Bound::Range {
                from: Some(at("2026-12-20T00:00:00Z")),
                to: None,
            },
        };
        let existing = [
            legacy,
            day("gps_points_p20261125"),
            day("gps_points_p20261126"),
            day("gps_points_p20261127"),
            open_ended,
        ];
        let policy = Policy {
            ahead_days: 0,
            retention: Some(Duration::days(5)),
        };
        // Cutoff 2026-11-27T12:00: the 26th ended at the 27th's midnight.
        let p = plan(&existing, at("2026-12-02T12:00:00Z"), &policy);
        assert_eq!(
            p.drop,
            vec![
                "gps_points_legacy".to_string(),
                "gps_points_p20261125".into(),
                "gps_points_p20261126".into()
            ]
        );
        assert_eq!(p.create, vec![date("2026-12-02")]);
        // A partition ending exactly at the cutoff goes.
        let p = plan(&existing, at("2026-12-02T00:00:00Z"), &policy);
        assert_eq!(
            p.drop.last().map(String::as_str),
            Some("gps_points_p20261126")
        );
    }

    #[test]
    fn missing_days_of_a_batch_are_each_listed_once() {
        let existing = [day("gps_points_p20261202")];
        let days = [date("2026-12-03"), date("2026-12-02"), date("2026-12-03")];
        assert_eq!(missing_days(&existing, &days), vec![date("2026-12-03")]);
        let cutoff = Policy {
            ahead_days: 0,
            retention: Some(Duration::days(2)),
        }
        .cutoff(at("2026-12-03T00:00:00Z"));
        assert_eq!(cutoff, Some(at("2026-12-01T00:00:00Z")));
        // A retention beyond chrono's range keeps everything, no panic.
        let forever = Policy {
            ahead_days: 0,
            retention: Some(Duration::days(i64::from(u32::MAX))),
        };
        assert_eq!(forever.cutoff(at("2026-12-03T00:00:00Z")), None);
        assert!(plan(&existing, at("2026-12-03T00:00:00Z"), &forever)
            .drop
            .is_empty());
    }
}
