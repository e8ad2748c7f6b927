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
pub const MAX_TEXT_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    ChangedPlans,
    DriverTooFar,
    WaitTooLong,
    WrongPickup,
    RiderNoShow,
    RiderAsked,
    UnsafePickup,
    VehicleIssue,
    /// Needs free text.
    Other,
}

use CancelReason::*;

const RIDER: &[CancelReason] = &[ChangedPlans, DriverTooFar, WaitTooLong, WrongPickup, Other];
const DRIVER: &[CancelReason] = &[RiderNoShow, RiderAsked, UnsafePickup, VehicleIssue, Other];
const ALL: &[CancelReason] = &[
    ChangedPlans,
    DriverTooFar,
    WaitTooLong,
    WrongPickup,
    RiderNoShow,
    RiderAsked,
    UnsafePickup,
    VehicleIssue,
    Other,
];

impl CancelReason {
    /// The reasons `role` may give, in the order a client lists them.
    pub fn for_role(role: Role) -> &'static [CancelReason] {
        match role {
            Role::Rider => RIDER,
            Role::Driver => DRIVER,
            Role::Admin => ALL,
        }
    }

    pub fn allowed_for(self, role: Role) -> bool {
        Self::for_role(role).contains(&self)
    }

    /// The wire name (`changed_plans`), for storage and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangedPlans => "changed_plans",
            DriverTooFar => "driver_too_far",
            WaitTooLong => "wait_too_long",
            WrongPickup => "wrong_pickup",
            RiderNoShow => "rider_no_show",
            RiderAsked => "rider_asked",
            UnsafePickup => "unsafe_pickup",
            VehicleIssue => "vehicle_issue",
            Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("reason: {reason} is not a reason a {role} can give")]
    NotForRole {
        reason: &'static str,
        role: &'static str,
    },
    #[error("text: required when the reason is other")]
    TextRequired,
    #[error("text: must be at most 200 characters")]
    TextTooLong,
    #[error("text: must not contain control characters")]
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
        if !reason.allowed_for(role) {
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
        assert!(ChangedPlans.allowed_for(Role::Rider));
        assert!(!ChangedPlans.allowed_for(Role::Driver));
        assert!(RiderNoShow.allowed_for(Role::Driver));
        assert!(!RiderNoShow.allowed_for(Role::Rider));
        assert!(Other.allowed_for(Role::Rider) && Other.allowed_for(Role::Driver));
        assert!(ALL.iter().all(|r| r.allowed_for(Role::Admin)));
        for r in ALL {
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
        assert!(Cancellation::parse(Role::Rider, Other, Some(&"x".repeat(200))).is_ok());
        assert_eq!(
            Cancellation::parse(Role::Rider, Other, Some(&"x".repeat(201))),
            Err(CancelError::TextTooLong)
        );
        assert_eq!(
            Cancellation::parse(Role::Rider, Other, Some("a\tb")),
            Err(CancelError::TextControl)
        );
        let err = Cancellation::parse(Role::Rider, RiderNoShow, None).expect_err("driver's reason");
        assert_eq!(
            err.to_string(),
            "reason: rider_no_show is not a reason a rider can give"
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
