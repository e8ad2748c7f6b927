//! The ride product's settings: the fare table (a file, or the built-in
//! default), how long quotes and rating windows last, and the surge board.

use super::fares::FARES_FILE_VAR;
use super::{ConfigError, Env};
use crate::domain::fare_table::FareTable;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RideConfig {
    /// `HAIL_FARES_FILE` (TOML or JSON): classes and their fare rules, the
    /// estimate model, the cancellation fee and the surge curve; the
    /// built-in table when unset (see docs/pricing.md).
    pub fares: FareTable,
    /// `HAIL_QUOTE_TTL_SECS`: how long a quote can be requested with
    /// (default: the fare table's `quote_validity_secs`).
    pub quote_ttl: Duration,
    /// `HAIL_QUOTE_CACHE`: how many of the quotes it issued a node keeps
    /// in memory until they expire, so a request naming one skips a store
    /// read (20,000, ~10 MB; 0: none, every request reads the store).
    pub quote_cache: usize,
    /// `HAIL_RATING_WINDOW_SECS`: how long after completion both sides may
    /// rate each other (default: the table's `rating_window_secs`).
    pub rating_window: Duration,
    pub surge: SurgeConfig,
}

/// Where and how often surge is computed.
#[derive(Debug, Clone)]
pub struct SurgeConfig {
    /// `HAIL_SURGE_RESOLUTION`: H3 resolution of the cells (8: ~0.7 km²,
    /// a few blocks).
    pub resolution: h3o::Resolution,
    /// `HAIL_SURGE_INTERVAL_SECS`: how often the board is recomputed.
    pub interval: Duration,
    /// `HAIL_SURGE_WINDOW_SECS`: requests this recent count as demand.
    pub demand_window: Duration,
}

impl Default for RideConfig {
    fn default() -> Self {
        Self::with_fares(FareTable::default())
    }
}

impl RideConfig {
    /// The windows come from the table unless the environment overrides them.
    fn with_fares(fares: FareTable) -> Self {
        Self {
            quote_ttl: Duration::from_secs(fares.quote_validity_secs),
            quote_cache: 20_000,
            rating_window: Duration::from_secs(fares.rating_window_secs),
            fares,
            surge: SurgeConfig::default(),
        }
    }
}

impl Default for SurgeConfig {
    fn default() -> Self {
        Self {
            resolution: h3o::Resolution::Eight,
            interval: Duration::from_secs(15),
            demand_window: Duration::from_secs(600),
        }
    }
}

impl RideConfig {
    pub(super) fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Self, ConfigError> {
        let fares = super::fares::load_fares(
            env.opt(FARES_FILE_VAR)
                .as_deref()
                .map(|p| std::path::Path::new(p.trim())),
        )
        .map_err(|e| ConfigError::Invalid(format!("{FARES_FILE_VAR}: {e}")))?;
        let d = Self::with_fares(fares);
        let resolution: u8 = env.get("HAIL_SURGE_RESOLUTION", u8::from(d.surge.resolution))?;
        let resolution = h3o::Resolution::try_from(resolution).map_err(|e| ConfigError::Parse {
            name: "HAIL_SURGE_RESOLUTION",
            value: resolution.to_string(),
            reason: e.to_string(),
        })?;
        let surge = SurgeConfig {
            resolution,
            interval: env.secs_or("HAIL_SURGE_INTERVAL_SECS", d.surge.interval)?,
            demand_window: env.secs_or("HAIL_SURGE_WINDOW_SECS", d.surge.demand_window)?,
        };
        if surge.interval.is_zero() {
            return Err(ConfigError::Invalid(
                "HAIL_SURGE_INTERVAL_SECS must be at least 1".into(),
            ));
        }
        Ok(Self {
            fares: d.fares,
            quote_ttl: env.secs_or("HAIL_QUOTE_TTL_SECS", d.quote_ttl)?,
            quote_cache: env.get("HAIL_QUOTE_CACHE", d.quote_cache)?,
            rating_window: env.secs_or("HAIL_RATING_WINDOW_SECS", d.rating_window)?,
            surge,
        })
    }
}
