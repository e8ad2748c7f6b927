//! The trip state machine.
//!
//! `requested -> accepted -> arrived -> in_progress -> completed`, with
//! `cancelled` from requested/accepted/arrived and `expired` from requested
//! (the dispatcher's decision, not a client's). Errors follow the contract's
//! precedence: `not_found` (caller takes no part and was not offered) before
//! `forbidden` (a part, but not this one) before `conflict` (wrong status);
//! accepting a trip never offered to you is `forbidden`, as the contract says.

use hail_protocol::{CancelledBy, TripStatus};

/// A command a participant can send about an existing trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripCommand {
    Accept,
    Decline,
    Arrive,
    Start,
    Complete,
    Cancel,
}

/// Where this driver's offer for the trip stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferState {
    /// Offered and not yet answered, withdrawn or expired.
    Live,
    /// The driver declined it.
    Declined,
    /// It ran out, was withdrawn, or the driver lost the race.
    Ended,
}

/// How the caller relates to the trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Rider,
    AssignedDriver,
    OfferedDriver(OfferState),
    /// No part in the trip and never offered it: the trip does not exist
    /// for them.
    Stranger,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no such trip")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("the trip was taken by another driver")]
    TripTaken,
}

/// What a command does when allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The trip moves to this status.
    Move(TripStatus),
    /// The driver's offer is declined; the trip does not change.
    Decline,
}

/// Decides a command. Pure: the caller applies the outcome atomically
/// (conditional on `status` still being current) and re-decides on a race.
pub fn decide(status: TripStatus, party: Party, cmd: TripCommand) -> Result<Outcome, Refusal> {
    use Refusal::*;
    use TripStatus::*;
    let offered = match party {
        // The contract names this case for accept: "accepting one never
        // offered to you ... is forbidden". Every other command: not_found.
        Party::Stranger if cmd == TripCommand::Accept => {
            return Err(Forbidden("this trip was not offered to you"))
        }
        Party::Stranger => return Err(NotFound),
        Party::OfferedDriver(state) => Some(state),
        _ => None,
    };
    match cmd {
        TripCommand::Accept => match (party, offered, status) {
            (Party::Rider, ..) => Err(NotFound),
            (_, Some(OfferState::Declined), _) => Err(Forbidden("you declined this trip")),
            (Party::AssignedDriver, ..) => Err(Conflict("you already accepted this trip")),
            (_, _, Accepted | Arrived | InProgress | Completed) => Err(TripTaken),
            (_, _, Cancelled) => Err(Conflict("the trip was cancelled")),
            (_, _, Expired) => Err(Conflict("the trip expired")),
            (_, Some(OfferState::Ended), Requested) => Err(Conflict("your offer has ended")),
            (_, _, Requested) => Ok(Outcome::Move(Accepted)),
        },
        TripCommand::Decline => match (offered, status) {
            (None, _) => Err(Conflict("only an offered driver can decline")),
            (Some(OfferState::Declined), _) => Err(Conflict("you already declined this trip")),
            (Some(OfferState::Ended), Requested) => Err(Conflict("your offer has ended")),
            (Some(_), Requested) => Ok(Outcome::Decline),
            (Some(_), _) => Err(Conflict("the trip is no longer open")),
        },
        TripCommand::Arrive | TripCommand::Start | TripCommand::Complete => {
            if party != Party::AssignedDriver {
                return Err(if party == Party::Rider {
                    Forbidden("only the assigned driver can do this")
                } else {
                    Forbidden("only the assigned driver can do this; this trip is not yours")
                });
            }
            let (from, to, why) = match cmd {
                TripCommand::Arrive => (Accepted, Arrived, "arrive needs status accepted"),
                TripCommand::Start => (Arrived, InProgress, "start needs status arrived"),
                _ => (InProgress, Completed, "complete needs status in_progress"),
            };
            if status == from {
                Ok(Outcome::Move(to))
            } else {
                Err(Conflict(why))
            }
        }
        TripCommand::Cancel => {
            if !matches!(party, Party::Rider | Party::AssignedDriver) {
                return Err(Forbidden(
                    "only the rider or the assigned driver can cancel",
                ));
            }
            if matches!(status, Requested | Accepted | Arrived) {
                Ok(Outcome::Move(Cancelled))
            } else {
                Err(Conflict(
                    "cancel needs status requested, accepted or arrived",
                ))
            }
        }
    }
}

/// Who a cancellation is attributed to.
pub fn cancelled_by(party: Party) -> CancelledBy {
    match party {
        Party::Rider => CancelledBy::Rider,
        _ => CancelledBy::Driver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferState::*;
    use Party::*;
    use TripCommand::*;
    use TripStatus::*;

    #[test]
    fn the_happy_path() {
        assert_eq!(
            decide(Requested, OfferedDriver(Live), Accept),
            Ok(Outcome::Move(Accepted))
        );
        assert_eq!(
            decide(Accepted, AssignedDriver, Arrive),
            Ok(Outcome::Move(Arrived))
        );
        assert_eq!(
            decide(Arrived, AssignedDriver, Start),
            Ok(Outcome::Move(InProgress))
        );
        assert_eq!(
            decide(InProgress, AssignedDriver, Complete),
            Ok(Outcome::Move(Completed))
        );
    }

    #[test]
    fn strangers_see_nothing_but_may_not_accept() {
        for status in TripStatus::ALL {
            assert!(matches!(
                decide(status, Stranger, Accept),
                Err(Refusal::Forbidden(_))
            ));
        }
        for cmd in [Decline, Arrive, Start, Complete, Cancel] {
            for status in TripStatus::ALL {
                assert_eq!(decide(status, Stranger, cmd), Err(Refusal::NotFound));
            }
        }
    }

    #[test]
    fn accept_races_and_offers() {
        assert_eq!(
            decide(Accepted, OfferedDriver(Live), Accept),
            Err(Refusal::TripTaken)
        );
        assert_eq!(
            decide(InProgress, OfferedDriver(Ended), Accept),
            Err(Refusal::TripTaken)
        );
        assert!(matches!(
            decide(Requested, OfferedDriver(Declined), Accept),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            decide(Requested, OfferedDriver(Ended), Accept),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Cancelled, OfferedDriver(Live), Accept),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Expired, OfferedDriver(Live), Accept),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn decline_only_while_open() {
        assert_eq!(
            decide(Requested, OfferedDriver(Live), Decline),
            Ok(Outcome::Decline)
        );
        assert!(matches!(
            decide(Requested, OfferedDriver(Ended), Decline),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Requested, OfferedDriver(Declined), Decline),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Accepted, OfferedDriver(Live), Decline),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn illegal_transitions_conflict() {
        assert!(matches!(
            decide(Accepted, AssignedDriver, Start),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Accepted, AssignedDriver, Complete),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Completed, AssignedDriver, Arrive),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(InProgress, Rider, Cancel),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            decide(Completed, Rider, Cancel),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn other_drivers_cannot_touch_an_assigned_trip() {
        for cmd in [Arrive, Start, Complete, Cancel] {
            assert!(matches!(
                decide(Accepted, OfferedDriver(Ended), cmd),
                Err(Refusal::Forbidden(_))
            ));
        }
    }

    #[test]
    fn cancel_from_open_statuses() {
        for status in [Requested, Accepted, Arrived] {
            assert_eq!(decide(status, Rider, Cancel), Ok(Outcome::Move(Cancelled)));
        }
        assert_eq!(
            decide(Arrived, AssignedDriver, Cancel),
            Ok(Outcome::Move(Cancelled))
        );
        assert_eq!(cancelled_by(Rider), CancelledBy::Rider);
        assert_eq!(cancelled_by(AssignedDriver), CancelledBy::Driver);
    }
}
