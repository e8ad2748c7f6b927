//! Money as integer minor units (cents), never floats: a fare computed on
//! two nodes, in the harness and on a receipt must be the same number to
//! the cent. Every product of a rate and a quantity goes through one
//! rounding rule here (half away from zero, in `i128`), and every sum
//! saturates at the `i64` bounds instead of wrapping or panicking: no real
//! fare comes near 9.2e16 cents, so a saturated value only ever marks a
//! nonsensical input, and it stays visibly absurd rather than negative.

use serde::{Deserialize, Serialize};

/// An amount in minor units of some currency (the currency travels beside
/// it, as in [`super::fare::FareBreakdown`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Sum, saturating at the `i64` bounds.
    pub fn plus(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Difference, saturating at the `i64` bounds.
    pub fn minus(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
}

/// Divides with rounding half away from zero (`2.5 -> 3`, `-2.5 -> -3`), so
/// the rule does not depend on the sign. `den` must be positive.
fn div_round(num: i128, den: i128) -> i128 {
    let half = den / 2;
    if num >= 0 {
        (num + half) / den
    } else {
        -((-num + half) / den)
    }
}

fn saturate(v: i128) -> Money {
    Money(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// `rate` per unit times `quantity / per` units, rounded half away from
/// zero: `prorate(per_km, metres, 1000)`, `prorate(per_minute, secs, 60)`.
/// A `per` of zero gives zero (there is no such unit). Saturates.
pub fn prorate(rate: Money, quantity: u64, per: u64) -> Money {
    if per == 0 {
        return Money::ZERO;
    }
    saturate(div_round(rate.0 as i128 * quantity as i128, per as i128))
}

/// `rate` per unit times a quantity in thousandths of a unit (metres for
/// a per-km rate), rounded half away from zero.
pub fn rate_times(rate: Money, quantity_milli: u64) -> Money {
    prorate(rate, quantity_milli, 1000)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    #[error("currency must be three uppercase letters (ISO 4217), e.g. EUR")]
    Invalid,
}

/// An ISO 4217 code: three uppercase ASCII letters. Only the shape is
/// checked; which codes exist is the operator's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(CurrencyError::Invalid),
        }
    }

    pub fn as_str(&self) -> &str {
        // Built only from three ASCII uppercase bytes in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// Basis points per 1.0x.
pub const ONE_X_BP: u32 = 10_000;

/// A price multiplier in basis points (`10_000` = 1.0x, `15_000` = 1.5x):
/// integer, so a surge applies the same way on every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Multiplier(pub u32);

impl Multiplier {
    pub const ONE: Multiplier = Multiplier(ONE_X_BP);

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// `amount * self`, rounded half away from zero. Saturates.
    pub fn apply(self, amount: Money) -> Money {
        saturate(div_round(
            amount.0 as i128 * self.0 as i128,
            ONE_X_BP as i128,
        ))
    }

    /// What the multiplier adds on top of `amount`: `amount * (m - 1)`,
    /// rounded once (so `amount + extra` can differ from `apply` by no more
    /// than the one rounding). Negative for a multiplier below 1.0x.
    pub fn extra(self, amount: Money) -> Money {
        let delta = self.0 as i128 - ONE_X_BP as i128;
        saturate(div_round(amount.0 as i128 * delta, ONE_X_BP as i128))
    }
}

impl Default for Multiplier {
    fn default() -> Self {
        Self::ONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_at_the_boundary() {
        // 1 cent per km over 500 m is exactly half a cent.
        assert_eq!(rate_times(Money(1), 500), Money(1));
        assert_eq!(rate_times(Money(1), 499), Money(0));
        assert_eq!(rate_times(Money(-1), 500), Money(-1));
        assert_eq!(rate_times(Money(-1), 499), Money(0));
        assert_eq!(rate_times(Money(120), 1_000), Money(120));
        assert_eq!(rate_times(Money(120), 2_345), Money(281)); // 281.4
                                                               // 25 per minute for 90 s = 37.5 -> 38.
        assert_eq!(prorate(Money(25), 90, 60), Money(38));
        assert_eq!(prorate(Money(25), 0, 60), Money(0));
        assert_eq!(prorate(Money(25), 60, 0), Money(0));
    }

    #[test]
    fn overflow_saturates_instead_of_wrapping() {
        assert_eq!(rate_times(Money(i64::MAX), u64::MAX), Money(i64::MAX));
        assert_eq!(rate_times(Money(i64::MIN), u64::MAX), Money(i64::MIN));
        assert_eq!(Money(i64::MAX).plus(Money(1)), Money(i64::MAX));
        assert_eq!(Money(i64::MIN).minus(Money(1)), Money(i64::MIN));
        assert_eq!(Multiplier(u32::MAX).apply(Money(i64::MAX)), Money(i64::MAX));
        assert_eq!(Multiplier(u32::MAX).extra(Money(i64::MAX)), Money(i64::MAX));
    }

    #[test]
    fn multipliers_apply_in_basis_points_with_one_rounding() {
        assert_eq!(Multiplier::ONE.apply(Money(999)), Money(999));
        assert_eq!(Multiplier::ONE.extra(Money(999)), Money(0));
        assert_eq!(Multiplier(15_000).apply(Money(1_000)), Money(1_500));
        assert_eq!(Multiplier(15_000).extra(Money(1_000)), Money(500));
        // 1.25x of 2 cents is 2.5 -> 3; the extra alone is 0.5 -> 1.
        assert_eq!(Multiplier(12_500).apply(Money(2)), Money(3));
        assert_eq!(Multiplier(12_500).extra(Money(2)), Money(1));
        assert_eq!(Multiplier(12_500).extra(Money(1)), Money(0)); // 0.25
        assert_eq!(Multiplier(5_000).extra(Money(3)), Money(-2)); // -1.5
    }

    #[test]
    fn currency_is_three_uppercase_letters() {
        assert_eq!(
            Currency::parse("EUR").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        for bad in ["eur", "EU", "EURO", "", "E1R", "ÉUR"] {
            assert_eq!(Currency::parse(bad), Err(CurrencyError::Invalid), "{bad}");
        }
        let json = serde_json::to_string(&Currency::parse("USD").expect("valid")).expect("json");
        assert_eq!(json, "\"USD\"");
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_err());
    }
}
