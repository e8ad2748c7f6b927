//! The `gps_partitions` task: how often it runs, how many day partitions
//! it keeps ready, and how long GPS points are kept.

use super::{ConfigError, Env};
use crate::domain::gps_partition::Policy;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct GpsPartitionsConfig {
    /// `HAIL_GPS_PARTITIONS_INTERVAL_MS`: how often the task runs (it also
    /// runs at start). Hourly is plenty: it works a day ahead.
    pub interval: Duration,
    /// `HAIL_GPS_PARTITIONS_AHEAD`: day partitions kept ready after today's,
    /// so writes never wait for a CREATE (the writer still makes a missing
    /// one itself).
    pub ahead_days: u32,
    /// `HAIL_GPS_RETENTION_DAYS`: points older than this are removed
    /// (Postgres: whole day partitions; embedded: batched DELETE). `0`
    /// keeps them forever.
    pub retention_days: u32,
}

impl Default for GpsPartitionsConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(3600),
            ahead_days: 3,
            retention_days: 90,
        }
    }
}

impl GpsPartitionsConfig {
    pub(super) fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let config = Self {
            interval: env.millis_or("HAIL_GPS_PARTITIONS_INTERVAL_MS", d.interval)?,
            ahead_days: env.get("HAIL_GPS_PARTITIONS_AHEAD", d.ahead_days)?,
            retention_days: env.get("HAIL_GPS_RETENTION_DAYS", d.retention_days)?,
        };
        if config.interval < Duration::from_millis(50) || config.ahead_days > 366 {
            return Err(ConfigError::Invalid(
                "HAIL_GPS_PARTITIONS_INTERVAL_MS must be at least 50 and \
                 HAIL_GPS_PARTITIONS_AHEAD at most 366"
                    .into(),
            ));
        }
        Ok(config)
    }

    /// What each run keeps and prepares.
    pub fn policy(&self) -> Policy {
        Policy {
            ahead_days: self.ahead_days,
            retention: (self.retention_days > 0)
                .then(|| chrono::Duration::days(i64::from(self.retention_days))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_zero_keeps_forever() {
        let none = Env(|_: &str| None);
        let d = GpsPartitionsConfig::from_env(&none).expect("defaults");
        assert_eq!(d.policy().retention, Some(chrono::Duration::days(90)));
        assert_eq!((d.ahead_days, d.interval), (3, Duration::from_secs(3600)));
        let set = Env(|k: &str| match k {
            "HAIL_GPS_PARTITIONS_INTERVAL_MS" => Some("200".into()),
            "HAIL_GPS_PARTITIONS_AHEAD" => Some("1".into()),
            "HAIL_GPS_RETENTION_DAYS" => Some("0".into()),
            _ => None,
        });
        let c = GpsPartitionsConfig::from_env(&set).expect("set");
        assert_eq!(c.interval, Duration::from_millis(200));
        assert_eq!(c.policy().ahead_days, 1);
        assert_eq!(c.policy().retention, None, "0 keeps points forever");
        let bad = Env(|k: &str| (k == "HAIL_GPS_PARTITIONS_INTERVAL_MS").then(|| "10".into()));
        assert!(GpsPartitionsConfig::from_env(&bad).is_err());
        let bad = Env(|k: &str| (k == "HAIL_GPS_RETENTION_DAYS").then(|| "-1".into()));
        assert!(GpsPartitionsConfig::from_env(&bad).is_err());
    }
}
