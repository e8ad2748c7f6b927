//! The fare table, from the file `HAIL_FARES_FILE` names (TOML or JSON by
//! its extension) or the built-in default when unset. Read once at start
//! and checked whole: an unknown key is refused (a typo must not price a
//! ride at zero), and each error names its field path, such as
//! `classes.xl.per_km: must not be negative`.
//!
//! In the file, money is integer minor units (`base = 250` is 2.50 EUR),
//! one `currency` covers the whole table, and every class lists all five
//! amounts. The other sections are optional, and a missing key in them
//! takes the built-in default. Ratios and multipliers are written as
//! decimals (`max_multiplier = 2.5`) and converted once to basis points,
//! rounded to the nearest one. `track` has no road factor of its own: gaps
//! are bridged with the estimate's, so a quote and a fare agree.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::domain::cancel::CancelFeeRule;
use crate::domain::estimate::EstimateModel;
use crate::domain::fare::FareRule;
use crate::domain::fare_table::FareTable;
use crate::domain::money::{Currency, Money, Multiplier, ONE_X_BP};
use crate::domain::surge::SurgeCurve;
use crate::domain::track::TrackModel;
use crate::domain::vehicle::VehicleClass;

/// The setting that names the file.
pub const FARES_FILE_VAR: &str = "HAIL_FARES_FILE";
/// Largest amount a rule may set, in minor units (one million units): far
/// above any fare, and small enough that no product nears `i64`.
pub const MAX_AMOUNT: i64 = 100_000_000;

#[derive(Debug, thiserror::Error)]
pub enum FaresError {
    #[error("{path}: cannot read the fare file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: the fare file must end in .toml or .json")]
    Extension(String),
    #[error("fare file is not valid {format}: {reason}")]
    Syntax { format: Format, reason: String },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Toml => "TOML",
            Self::Json => "JSON",
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    currency: String,
    #[serde(default)]
    classes: BTreeMap<String, RawRule>,
    quote_validity_secs: Option<u64>,
    rating_window_secs: Option<u64>,
    #[serde(default)]
    cancel: RawCancel,
    #[serde(default)]
    estimate: RawEstimate,
    #[serde(default)]
    track: RawTrack,
    #[serde(default)]
    surge: RawSurge,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    base: i64,
    per_km: i64,
    per_minute: i64,
    minimum: i64,
    booking_fee: i64,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCancel {
    grace_secs: Option<u64>,
    fee: Option<i64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEstimate {
    road_factor: Option<f64>,
    average_speed_kmh: Option<f64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrack {
    jitter_m: Option<f64>,
    max_speed_kmh: Option<f64>,
    gap_secs: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurge {
    start_ratio: Option<f64>,
    full_ratio: Option<f64>,
    max_multiplier: Option<f64>,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> FaresError {
    FaresError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn amount(field: String, v: i64) -> Result<Money, FaresError> {
    if v < 0 {
        return Err(invalid(field, "must not be negative"));
    }
    if v > MAX_AMOUNT {
        return Err(invalid(field, format!("must be at most {MAX_AMOUNT}")));
    }
    Ok(Money(v))
}

/// A finite decimal within `[lo, hi]`; `open_lo` excludes `lo` itself.
fn decimal(field: &str, v: f64, lo: f64, hi: f64, open_lo: bool) -> Result<f64, FaresError> {
    let above = if open_lo { v > lo } else { v >= lo };
    if v.is_finite() && above && v <= hi {
        Ok(v)
    } else {
        let bound = if open_lo { "above" } else { "at least" };
        Err(invalid(
            field,
            format!("must be {bound} {lo} and at most {hi}"),
        ))
    }
}

/// A decimal ratio or multiplier in basis points, rounded to the nearest.
fn basis_points(v: f64) -> u32 {
    (v * f64::from(ONE_X_BP)).round() as u32
}

fn positive_secs(field: &str, v: u64) -> Result<u64, FaresError> {
    if v == 0 {
        Err(invalid(field, "must be above 0"))
    } else {
        Ok(v)
    }
}

fn build(raw: RawTable) -> Result<FareTable, FaresError> {
    let d = FareTable::default();
    let currency =
        Currency::parse(&raw.currency).map_err(|e| invalid("currency", e.to_string()))?;
    if raw.classes.is_empty() {
        return Err(invalid("classes", "at least one class"));
    }
    let mut classes = BTreeMap::new();
    for (name, r) in raw.classes {
        let path = format!("classes.{name}");
        let class =
            VehicleClass::parse(&name).map_err(|e| invalid(&path, format!("class name {e}")))?;
        let rule = FareRule {
            currency,
            base: amount(format!("{path}.base"), r.base)?,
            per_km: amount(format!("{path}.per_km"), r.per_km)?,
            per_minute: amount(format!("{path}.per_minute"), r.per_minute)?,
            minimum: amount(format!("{path}.minimum"), r.minimum)?,
            booking_fee: amount(format!("{path}.booking_fee"), r.booking_fee)?,
        };
        classes.insert(class, rule);
    }
    let estimate = EstimateModel {
        road_factor: decimal(
            "estimate.road_factor",
            raw.estimate.road_factor.unwrap_or(d.estimate.road_factor),
            1.0,
            3.0,
            false,
        )?,
        average_speed_kmh: decimal(
            "estimate.average_speed_kmh",
            raw.estimate
                .average_speed_kmh
                .unwrap_or(d.estimate.average_speed_kmh),
            0.0,
            200.0,
            true,
        )?,
    };
    let track = TrackModel {
        jitter_m: decimal(
            "track.jitter_m",
            raw.track.jitter_m.unwrap_or(d.track.jitter_m),
            0.0,
            1_000.0,
            false,
        )?,
        max_speed_kmh: decimal(
            "track.max_speed_kmh",
            raw.track.max_speed_kmh.unwrap_or(d.track.max_speed_kmh),
            0.0,
            1_000.0,
            true,
        )?,
        gap_secs: positive_secs(
            "track.gap_secs",
            raw.track.gap_secs.unwrap_or(d.track.gap_secs),
        )?,
        road_factor: estimate.road_factor,
    };
    let bp = |v: u32| f64::from(v) / f64::from(ONE_X_BP);
    let start = decimal(
        "surge.start_ratio",
        raw.surge.start_ratio.unwrap_or(bp(d.surge.start_ratio_bp)),
        0.0,
        100.0,
        false,
    )?;
    let full = raw.surge.full_ratio.unwrap_or(bp(d.surge.full_ratio_bp));
    let full = decimal("surge.full_ratio", full, start, 100.0, true).map_err(|_| {
        invalid(
            "surge.full_ratio",
            "must be above surge.start_ratio and at most 100",
        )
    })?;
    let max = raw
        .surge
        .max_multiplier
        .unwrap_or(bp(d.surge.max_multiplier.0));
    let surge = SurgeCurve {
        start_ratio_bp: basis_points(start),
        full_ratio_bp: basis_points(full),
        max_multiplier: Multiplier(basis_points(decimal(
            "surge.max_multiplier",
            max,
            1.0,
            10.0,
            false,
        )?)),
    };
    if surge.full_ratio_bp <= surge.start_ratio_bp {
        return Err(invalid(
            "surge.full_ratio",
            "must be above surge.start_ratio by at least 0.0001",
        ));
    }
    Ok(FareTable {
        currency,
        classes,
        cancel: CancelFeeRule {
            grace_secs: raw.cancel.grace_secs.unwrap_or(d.cancel.grace_secs),
            fee: amount(
                "cancel.fee".into(),
                raw.cancel.fee.unwrap_or(d.cancel.fee.0),
            )?,
        },
        estimate,
        track,
        surge,
        quote_validity_secs: positive_secs(
            "quote_validity_secs",
            raw.quote_validity_secs.unwrap_or(d.quote_validity_secs),
        )?,
        rating_window_secs: positive_secs(
            "rating_window_secs",
            raw.rating_window_secs.unwrap_or(d.rating_window_secs),
        )?,
    })
}

/// Parses and checks a fare table written in `format`.
pub fn parse_fares(text: &str, format: Format) -> Result<FareTable, FaresError> {
    let raw: RawTable = match format {
        Format::Toml => toml::from_str(text).map_err(|e| FaresError::Syntax {
            format,
            reason: e.to_string(),
        })?,
        Format::Json => serde_json::from_str(text).map_err(|e| FaresError::Syntax {
            format,
            reason: e.to_string(),
        })?,
    };
    build(raw)
}

/// The table in `path` (format by extension), or the built-in default
/// when there is no file. Reads the file: call it at start, not per request.
pub fn load_fares(path: Option<&Path>) -> Result<FareTable, FaresError> {
    let Some(path) = path else {
        return Ok(FareTable::default());
    };
    let shown = path.display().to_string();
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Format::Toml,
        Some("json") => Format::Json,
        _ => return Err(FaresError::Extension(shown)),
    };
    let text = std::fs::read_to_string(path).map_err(|source| FaresError::Read {
        path: shown,
        source,
    })?;
    parse_fares(&text, format)
}

#[cfg(test)]
#[path = "fares_tests.rs"]
mod tests;
