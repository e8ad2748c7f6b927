//! The load shape `city` and `soak` share: where the nodes are, how many
//! drivers and riders, how often GPS goes and trips are asked for, for how
//! long. Each scenario's parameters flatten it into their report `params`.

use hail_protocol::Position;
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Load {
    /// Nodes' base URLs; clients spread over them.
    pub urls: Vec<String>,
    pub drivers: usize,
    pub riders: usize,
    /// Between a driver's GPS updates.
    #[serde(with = "crate::report::secs")]
    pub gps_interval: Duration,
    /// Trip requests per second, over all riders.
    pub trip_rate: f64,
    /// The load window: riders request trips during it.
    #[serde(with = "crate::report::secs")]
    pub duration: Duration,
    /// After `duration`, how long trips under way may take to finish
    /// (riders follow them to their end).
    #[serde(with = "crate::report::secs")]
    pub grace: Duration,
    /// (lat, lng) around which drivers roam and riders ask.
    pub centre: (f64, f64),
    pub radius_m: f64,
    /// The same seed gives the same run.
    pub seed: u64,
    /// Account name prefix.
    pub prefix: String,
    /// The server's JWT secret, to mint tokens instead of logging in.
    #[serde(skip)]
    pub secret: Option<String>,
    /// Print progress lines (city: every second; soak: every 5 s).
    #[serde(skip)]
    pub progress: bool,
}

impl Load {
    pub fn centre(&self) -> Position {
        crate::movement::point(self.centre.0, self.centre.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load() -> Load {
        Load {
            urls: vec!["http://127.0.0.1:8080".into()],
            drivers: 2,
            riders: 1,
            gps_interval: Duration::from_millis(500),
            trip_rate: 1.0,
            duration: Duration::from_secs(3),
            grace: Duration::from_secs(4),
            centre: (52.52, 13.405),
            radius_m: 100.0,
            seed: 1,
            prefix: "t".into(),
            secret: Some("not in the report".into()),
            progress: true,
        }
    }

    /// The report's keys: the load's, plus `extra`, sorted.
    fn keys(v: serde_json::Value, extra: &str) -> (Vec<String>, Vec<String>) {
        let got = v.as_object().expect("an object").keys().cloned().collect();
        let mut want: Vec<String> = [
            "centre",
            "drivers",
            "duration",
            "gps_interval",
            "grace",
            "prefix",
            "radius_m",
            "riders",
            "seed",
            "trip_rate",
            "urls",
            extra,
        ]
        .map(String::from)
        .to_vec();
        want.sort();
        (got, want)
    }

    /// The report's `params` keep their flat schema (docs/harness.md).
    #[test]
    fn params_flatten_the_load_into_the_report() {
        let city = crate::city::CityParams {
            load: load(),
            speed_mps: 14.0,
        };
        let v = serde_json::to_value(&city).expect("json");
        assert_eq!(v["gps_interval"], 0.5);
        let (got, want) = keys(v, "speed_mps");
        assert_eq!(got, want);
        let soak = crate::soak::SoakParams {
            load: load(),
            settle: Duration::from_secs(5),
            timing: crate::soak::Timing::default(),
        };
        let v = serde_json::to_value(&soak).expect("json");
        assert_eq!(v["settle"], 5.0);
        let (got, want) = keys(v, "settle");
        assert_eq!(got, want);
    }
}
