//! Why a trip was cancelled, from a fixed list per role (so the monitor can
//! count them), plus free text when none fits; and the one fee rule: a
//! rider who cancels after a driver has been assigned for longer than the
//! grace period pays the fee (the driver drove towards them for nothing).
//!
//! Rider reasons: `changed_plans`, `driver_too_far`, `wait_too_long`,
//! `wrong_pickup`, `other`. Driver reasons: `rider_no_show`, `rider_asked`,
//! `unsafe_pickup`, `vehicle_issue`, `other`. An admin, who acts for either
//! side, may use any reason.

use hail_protocol::Role;
use serde::{Deserialize, Serialize};

use super::money::Money;

/// Longest free text, in characters.
pub const MAX_TEXT_CHARS: usize = hail_protocol::ws::MAX_REASON_CHARS;

/// The wire enum is the one list (`hail_protocol::CancelReason`); which
/// role may give which is decided here.
pub use hail_protocol::CancelReason;
use CancelReason::*;

const RIDER: &[CancelReason] = &[ChangedPlans, DriverTooFar, WaitTooLong, WrongPickup, Other];
const DRIVER: &[CancelReason] = &[RiderNoShow, RiderAsked, UnsafePickup, VehicleIssue, Other];

/// The reasons `role` may give, in the order a client lists them (an
/// admin, acting for either side, any).
pub fn reasons_for(role: Role) -> &'static [CancelReason] {
    match role {
        Role::Rider => RIDER,
        Role::Driver => DRIVER,
        Role::Admin => &CancelReason::ALL,
    }
}

fn allowed(reason: CancelReason, role: Role) -> bool {
    reasons_for(role).contains(&reason)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("code: {reason} is not a reason a {role} can give")]
    NotForRole {
        reason: &'static str,
        role: &'static str,
    },
    #[error("reason: a text is required when the code is other")]
    TextRequired,
    #[error("reason: must be at most {MAX_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("reason: must not contain control characters")]
    TextControl,
}

/// A checked reason with its optional (for `other`, required) text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub reason: CancelReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Cancellation {
    /// Checks `reason` against `role` and trims `text` (blank is none).
    pub fn parse(
        role: Role,
        reason: CancelReason,
        text: Option<&str>,
    ) -> Result<Self, CancelError> {
        if !allowed(reason, role) {
            return Err(CancelError::NotForRole {
                reason: reason.as_str(),
                role: role.as_str(),
            });
        }
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text {
            if t.chars().any(char::is_control) {
                return Err(CancelError::TextControl);
            }
            if t.chars().count() > MAX_TEXT_CHARS {
                return Err(CancelError::TextTooLong);
            }
        } else if reason == Other {
            return Err(CancelError::TextRequired);
        }
        Ok(Self {
            reason,
            text: text.map(str::to_owned),
        })
    }
}

/// When a cancel costs the rider, and how much (in the fare table's currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelFeeRule {
    /// Free to cancel for this long after a driver is assigned.
    pub grace_secs: u64,
    /// May be zero: no fee at all.
    pub fee: Money,
}

/// The fee for a cancel by `by_role` at `now_ms`: `rule.fee` only when a
/// rider cancels more than `grace_secs` after a driver was assigned; zero
/// before assignment, within the grace period (inclusive), and for drivers
/// and admins.
pub fn cancel_fee(
    rule: &CancelFeeRule,
    assigned_at_ms: Option<i64>,
    now_ms: i64,
    by_role: Role,
) -> Money {
    let Some(assigned) = assigned_at_ms else {
        return Money::ZERO;
    };
    let grace_ms = i64::try_from(rule.grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    if by_role == Role::Rider && now_ms.saturating_sub(assigned) > grace_ms {
        rule.fee
    } else {
        Money::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_its_own_list_and_other() {
        assert!(allowed(ChangedPlans, Role::Rider));
        assert!(!allowed(ChangedPlans, Role::Driver));
        assert!(allowed(RiderNoShow, Role::Driver));
        assert!(!allowed(RiderNoShow, Role::Rider));
        assert!(allowed(Other, Role::Rider) && allowed(Other, Role::Driver));
        assert!(CancelReason::ALL.iter().all(|r| allowed(*r, Role::Admin)));
        for r in &CancelReason::ALL {
            assert_eq!(CancelReason::parse(r.as_str()), Some(*r));
            let json = serde_json::to_string(r).expect("json");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(CancelReason::parse("bored"), None);
    }

    #[test]
    fn text_is_required_for_other_and_bounded() {
        let ok = Cancellation::parse(Role::Rider, WaitTooLong, None).expect("valid");
        assert_eq!(ok.text, None);
        assert_eq!(
            Cancellation::parse(Role::Rider, Other, Some("  ")),
            Err(CancelError::TextRequired)
        );
        let other = Cancellation::parse(Role::Driver, Other, Some(" flat tyre ")).expect("valid");
        assert_eq!(other.text.as_deref(), Some("flat tyre"));
        assert!(Cancellation::parse(Role::Rider, Other, Some(&"x".repeat(MAX_TEXT_CHARS))).is_ok());
        assert_eq!(
            Cancellation::parse(Role::Rider, Other, Some(&"x".repeat(MAX_TEXT_CHARS + 1))),
            Err(CancelError::TextTooLong)
        );
        assert_eq!(
            Cancellation::parse(Role::Rider, Other, Some("a\tb")),
            Err(CancelError::TextControl)
        );
        let err = Cancellation::parse(Role::Rider, RiderNoShow, None).expect_err("driver's reason");
        assert_eq!(
            err.to_string(),
            "code: rider_no_show is not a reason a rider can give"
        );
    }

    #[test]
    fn only_a_rider_past_the_grace_period_pays() {
        let rule = CancelFeeRule {
            grace_secs: 120,
            fee: Money(300),
        };
        let t = 1_000_000;
        assert_eq!(
            cancel_fee(&rule, None, t + 999_999, Role::Rider),
            Money::ZERO
        );
        assert_eq!(
            cancel_fee(&rule, Some(t), t + 120_000, Role::Rider),
            Money::ZERO
        );
        assert_eq!(
            cancel_fee(&rule, Some(t), t + 120_001, Role::Rider),
            Money(300)
        );
        assert_eq!(
            cancel_fee(&rule, Some(t), t + 999_999, Role::Driver),
            Money::ZERO
        );
        assert_eq!(
            cancel_fee(&rule, Some(t), t + 999_999, Role::Admin),
            Money::ZERO
        );
        assert_eq!(
            cancel_fee(&rule, Some(t), t - 5_000, Role::Rider),
            Money::ZERO
        );
        let free = CancelFeeRule {
            grace_secs: 0,
            fee: Money::ZERO,
        };
        assert_eq!(cancel_fee(&free, Some(t), t + 1, Role::Rider), Money::ZERO);
        let forever = CancelFeeRule {
            grace_secs: u64::MAX,
            fee: Money(300),
        };
        assert_eq!(
            cancel_fee(&forever, Some(i64::MIN), i64::MAX, Role::Rider),
            Money::ZERO
        );
    }
}
