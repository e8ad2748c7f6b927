//! The monitor's history: how often a node rewrites its per-minute rollup
//! and how long rollups are kept.

use super::{ConfigError, Env};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RollupConfig {
    /// `HAIL_ROLLUP_INTERVAL_MS`: how often the current minute's row is
    /// rewritten (the history lags the live stream by at most this).
    pub interval: Duration,
    /// `HAIL_ROLLUP_RETENTION_DAYS`: rollups older than this are pruned.
    pub retention: Duration,
}

impl Default for RollupConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl RollupConfig {
    pub(super) fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let days: u64 = env.get("HAIL_ROLLUP_RETENTION_DAYS", d.retention.as_secs() / 86_400)?;
        let config = Self {
            interval: env.millis_or("HAIL_ROLLUP_INTERVAL_MS", d.interval)?,
            retention: Duration::from_secs(days.saturating_mul(86_400)),
        };
        if config.interval < Duration::from_millis(50) || config.retention.is_zero() {
            return Err(ConfigError::Invalid(
                "HAIL_ROLLUP_INTERVAL_MS must be at least 50 and HAIL_ROLLUP_RETENTION_DAYS > 0"
                    .into(),
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let none = Env(|_: &str| None);
        let d = RollupConfig::from_env(&none).expect("defaults");
        assert_eq!(d.retention, Duration::from_secs(30 * 86_400));
        let set = Env(|k: &str| match k {
            "HAIL_ROLLUP_INTERVAL_MS" => Some("200".into()),
            "HAIL_ROLLUP_RETENTION_DAYS" => Some("7".into()),
            _ => None,
        });
        let c = RollupConfig::from_env(&set).expect("set");
        assert_eq!(
            (c.interval, c.retention),
            (Duration::from_millis(200), Duration::from_secs(7 * 86_400))
        );
        let zero = Env(|k: &str| (k == "HAIL_ROLLUP_RETENTION_DAYS").then(|| "0".into()));
        assert!(RollupConfig::from_env(&zero).is_err());
    }
}
