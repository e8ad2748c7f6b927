//! One fare rule applied to a distance, a duration and a multiplier. The
//! same function prices a quote (estimated distance) and the final fare
//! (the track's length), so the two differ only in their inputs.
//!
//! Order, each step rounded once (see [`super::money`]):
//! 1. `distance = per_km * distance_m / 1000`, `time = per_minute * duration_s / 60`;
//! 2. `subtotal = base + distance + time`;
//! 3. `surge = subtotal * (multiplier - 1)`;
//! 4. `minimum_adjustment = max(0, minimum - (subtotal + surge))`: the
//!    minimum is a floor on the surged ride price, so a short surged ride
//!    is not charged twice;
//! 5. `total = subtotal + surge + minimum_adjustment + booking_fee`: the
//!    booking fee is added last and never surged.

use serde::{Deserialize, Serialize};

use super::money::{prorate, Currency, Money, Multiplier};

/// Prices for one vehicle class. Amounts are non-negative (the loader checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FareRule {
    pub currency: Currency,
    /// Charged for every ride, before distance and time.
    pub base: Money,
    pub per_km: Money,
    pub per_minute: Money,
    /// Floor of the (surged) ride price, booking fee excluded.
    pub minimum: Money,
    /// Added after everything else, not surged.
    pub booking_fee: Money,
}

/// Each line of a fare, stored with it so a receipt shows how the total
/// came about and the harness can check it line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FareBreakdown {
    pub base: Money,
    pub distance: Money,
    pub time: Money,
    /// What the multiplier added (zero at 1.0x).
    pub surge: Money,
    pub booking_fee: Money,
    /// Added to reach the rule's minimum (zero when above it).
    pub minimum_adjustment: Money,
    pub total: Money,
    pub currency: Currency,
    /// The inputs, kept so the breakdown can be recomputed.
    pub distance_m: u64,
    pub duration_s: u64,
    pub multiplier: Multiplier,
}

/// Applies `rule` (see the module doc for the order).
impl FareBreakdown {
    /// The breakdown as the wire carries it.
    pub fn to_wire(&self) -> hail_protocol::FareBreakdown {
        hail_protocol::FareBreakdown {
            currency: self.currency.as_str().to_string(),
            base: self.base.minor(),
            distance: self.distance.minor(),
            time: self.time.minor(),
            surge: self.surge.minor(),
            minimum_adjustment: self.minimum_adjustment.minor(),
            booking_fee: self.booking_fee.minor(),
            total: self.total.minor(),
            distance_m: self.distance_m,
            duration_s: self.duration_s,
            surge_bp: self.multiplier.basis_points(),
        }
    }
}

pub fn fare(
    rule: &FareRule,
    distance_m: u64,
    duration_s: u64,
    multiplier: Multiplier,
) -> FareBreakdown {
    let distance = prorate(rule.per_km, distance_m, 1000);
    let time = prorate(rule.per_minute, duration_s, 60);
    let subtotal = rule.base.plus(distance).plus(time);
    let surge = multiplier.extra(subtotal);
    let ride = subtotal.plus(surge);
    let minimum_adjustment = rule.minimum.minus(ride).max(Money::ZERO);
    let total = ride.plus(minimum_adjustment).plus(rule.booking_fee);
    FareBreakdown {
        base: rule.base,
        distance,
        time,
        surge,
        booking_fee: rule.booking_fee,
        minimum_adjustment,
        total,
        currency: rule.currency,
        distance_m,
        duration_s,
        multiplier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> FareRule {
        FareRule {
            currency: Currency::parse("EUR").expect("valid"),
            base: Money(250),
            per_km: Money(120),
            per_minute: Money(25),
            minimum: Money(700),
            booking_fee: Money(100),
        }
    }

    #[test]
    fn a_plain_ride_adds_base_distance_time_and_fee() {
        let f = fare(&rule(), 10_000, 1_200, Multiplier::ONE);
        assert_eq!((f.distance, f.time), (Money(1_200), Money(500)));
        assert_eq!(f.surge, Money::ZERO);
        assert_eq!(f.minimum_adjustment, Money::ZERO);
        assert_eq!(f.total, Money(250 + 1_200 + 500 + 100));
        assert_eq!((f.distance_m, f.duration_s), (10_000, 1_200));
    }

    #[test]
    fn surge_applies_to_the_subtotal_but_not_the_booking_fee() {
        let f = fare(&rule(), 10_000, 1_200, Multiplier(15_000));
        assert_eq!(f.surge, Money(975)); // 1950 * 0.5
        assert_eq!(f.total, Money(1_950 + 975 + 100));
        assert_eq!(f.multiplier, Multiplier(15_000));
    }

    #[test]
    fn the_minimum_floors_the_surged_ride_price_before_the_fee() {
        // A zero ride: base only, 250; the floor adds 450.
        let f = fare(&rule(), 0, 0, Multiplier::ONE);
        assert_eq!(f.minimum_adjustment, Money(450));
        assert_eq!(f.total, Money(700 + 100));
        // Surged to 2x: 500, so the floor adds only 200 (no double charge).
        let s = fare(&rule(), 0, 0, Multiplier(20_000));
        assert_eq!((s.surge, s.minimum_adjustment), (Money(250), Money(200)));
        assert_eq!(s.total, Money(800));
        // Exactly at the minimum: no adjustment.
        let at = fare(
            &FareRule {
                minimum: Money(250),
                ..rule()
            },
            0,
            0,
            Multiplier::ONE,
        );
        assert_eq!(at.minimum_adjustment, Money::ZERO);
    }

    #[test]
    fn each_line_rounds_once_half_away_from_zero() {
        // 1 m at 120/km = 0.12 -> 0; 1 s at 25/min = 0.4167 -> 0; 30 s -> 12.5 -> 13.
        let f = fare(&rule(), 1, 30, Multiplier::ONE);
        assert_eq!((f.distance, f.time), (Money(0), Money(13)));
        // 1.25x of 263 = 65.75 -> 66.
        let g = fare(
            &FareRule {
                minimum: Money(0),
                ..rule()
            },
            1,
            30,
            Multiplier(12_500),
        );
        assert_eq!(g.surge, Money(66));
        assert_eq!(g.total, Money(263 + 66 + 100));
    }

    #[test]
    fn absurd_inputs_saturate() {
        let f = fare(&rule(), u64::MAX, u64::MAX, Multiplier(u32::MAX));
        assert_eq!(f.total, Money(i64::MAX));
    }
}
