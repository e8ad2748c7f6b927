//! Everything pricing needs, in one value: a fare rule per vehicle class,
//! the cancel fee, the estimate, track and surge models, and how long a
//! quote and a rating stay open. Loaded once at start (`config::fares`)
//! and passed to the pure functions beside it.
//!
//! One currency for the whole table: a cancel fee and a receipt are in the
//! same money as the fares, and a class cannot price in another one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cancel::CancelFeeRule;
use super::estimate::EstimateModel;
use super::fare::FareRule;
use super::money::{Currency, Money, Multiplier};
use super::surge::SurgeCurve;
use super::track::TrackModel;
use super::vehicle::VehicleClass;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FareTable {
    pub currency: Currency,
    /// At least one; each rule's currency is `currency`.
    pub classes: BTreeMap<VehicleClass, FareRule>,
    pub cancel: CancelFeeRule,
    /// Quotes and live ETAs.
    pub estimate: EstimateModel,
    /// Final fares from recorded tracks; its road factor is the estimate's.
    pub track: TrackModel,
    pub surge: SurgeCurve,
    /// How long a `quote_id` can be used in a trip request.
    pub quote_validity_secs: u64,
    /// How long after completion a ride can be rated.
    pub rating_window_secs: u64,
}

impl FareTable {
    /// The rule for `class`, if the table prices it.
    pub fn rule(&self, class: &VehicleClass) -> Option<&FareRule> {
        self.classes.get(class)
    }

    /// The class named `raw` and its rule, or why it is refused (naming
    /// the classes there are), as a client is told.
    pub fn priced(&self, raw: &str) -> Result<(&VehicleClass, &FareRule), String> {
        self.classes
            .iter()
            .find(|(c, _)| c.as_str() == raw)
            .ok_or_else(|| {
                let known: Vec<&str> = self.classes.keys().map(VehicleClass::as_str).collect();
                format!("class: unknown class {raw:?} (one of {})", known.join(", "))
            })
    }

    /// The classes priced here, in name order.
    pub fn class_names(&self) -> impl Iterator<Item = &VehicleClass> {
        self.classes.keys()
    }
}

/// The `EUR` default (amounts in cents).
pub const DEFAULT_CURRENCY: &str = "EUR";

impl Default for FareTable {
    /// Laptop-sane city prices: `standard` and `xl`, a 3 EUR cancel fee
    /// after 2 minutes, 5-minute quotes and a 7-day rating window.
    fn default() -> Self {
        let currency = Currency::parse(DEFAULT_CURRENCY).expect("EUR is three uppercase letters");
        let rule = |base, per_km, per_minute, minimum, booking_fee| FareRule {
            currency,
            base: Money(base),
            per_km: Money(per_km),
            per_minute: Money(per_minute),
            minimum: Money(minimum),
            booking_fee: Money(booking_fee),
        };
        let class = |name| VehicleClass::parse(name).expect("a built-in class name is valid");
        let estimate = EstimateModel::default();
        Self {
            currency,
            classes: BTreeMap::from([
                (class("standard"), rule(250, 120, 25, 700, 100)),
                (class("xl"), rule(400, 180, 35, 1_000, 150)),
            ]),
            cancel: CancelFeeRule {
                grace_secs: 120,
                fee: Money(300),
            },
            estimate,
            track: TrackModel {
                road_factor: estimate.road_factor,
                ..TrackModel::default()
            },
            surge: SurgeCurve {
                max_multiplier: Multiplier(20_000),
                ..SurgeCurve::default()
            },
            quote_validity_secs: 300,
            rating_window_secs: 7 * 24 * 3600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fare::fare;

    #[test]
    fn the_default_prices_standard_and_xl_in_one_currency() {
        let t = FareTable::default();
        let names: Vec<_> = t.class_names().map(VehicleClass::as_str).collect();
        assert_eq!(names, ["standard", "xl"]);
        assert!(t.classes.values().all(|r| r.currency == t.currency));
        assert_eq!(t.track.road_factor, t.estimate.road_factor);
        let std = VehicleClass::parse("standard").expect("valid");
        let xl = VehicleClass::parse("xl").expect("valid");
        let (a, b) = (t.rule(&std).expect("standard"), t.rule(&xl).expect("xl"));
        // 5 km, 15 minutes: xl costs more than standard.
        let (fa, fb) = (
            fare(a, 5_000, 900, Multiplier::ONE),
            fare(b, 5_000, 900, Multiplier::ONE),
        );
        assert_eq!(fa.total, Money(250 + 600 + 375 + 100));
        assert!(fb.total > fa.total);
        assert!(t
            .rule(&VehicleClass::parse("moto").expect("valid"))
            .is_none());
    }
}
