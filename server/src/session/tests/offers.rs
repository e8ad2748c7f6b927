//! Dispatch seen from the sessions: an offer nobody answers, and a trip
//! nobody takes (docs/protocol.md 4.5), on the paused clock.

use super::{far_future, node, open, user, Peer};
use hail_protocol::{
    ClientMessage, Location, Place, Position, Role, ServerMessage, TripId, TripStatus,
    WithdrawReason,
};
use std::time::Duration;
use tokio::time::Instant;

const PICKUP: (f64, f64) = (52.520, 13.405);

fn pos(lat: f64, lng: f64) -> Position {
    Position::new(lat, lng).expect("a test position")
}

fn place(lat: f64, lng: f64) -> Place {
    Place::new(pos(lat, lng), None).expect("no address")
}

/// What the driver saw of the trip, and when.
#[derive(Debug)]
enum Seen {
    Offer(Duration),
    Expired(Duration),
}

/// The driver's next message, which must be about `trip`, timed from
/// `began`.
async fn driver_sees(driver: &mut Peer, trip: TripId, began: Instant) -> Seen {
    let msg = driver.next_message().await;
    let at = began.elapsed();
    match msg {
        ServerMessage::TripOffer { trip: t, .. } if t.id == trip => Seen::Offer(at),
        ServerMessage::OfferWithdrawn {
            trip_id,
            reason: WithdrawReason::Expired,
        } if trip_id == trip => Seen::Expired(at),
        other => panic!("the driver got {other:?}"),
    }
}

#[tokio::test]
async fn an_unanswered_offer_expires_and_then_the_trip_does() {
    let f = node(|c| {
        c.dispatch.plan.offer_ttl = Duration::from_secs(15);
        c.dispatch.plan.trip_timeout = Duration::from_secs(60);
        // Nobody answers pings here; the heartbeat is not under test.
        c.ws.ping_interval = Duration::from_secs(3600);
    })
    .await;
    let (driver_id, rider_id) = (
        user(&f.node, Role::Driver).await,
        user(&f.node, Role::Rider).await,
    );
    let (mut driver, _d) = open(&f.node, driver_id, far_future());
    let (mut rider, _r) = open(&f.node, rider_id, far_future());
    driver.next_message().await;
    rider.next_message().await;
    tokio::time::pause();
    // On duty, 100 m north of the pickup.
    driver
        .ok(ClientMessage::Location(Location::at(pos(
            PICKUP.0 + 100.0 / 111_320.0,
            PICKUP.1,
        ))))
        .await;
    driver
        .ok(ClientMessage::DriverAvailable { available: true })
        .await;
    let began = Instant::now();
    let trip = rider
        .ok(ClientMessage::request(
            place(PICKUP.0, PICKUP.1),
            place(PICKUP.0 + 0.02, PICKUP.1 + 0.02),
        ))
        .await
        .expect("the request's ok has the trip");
    assert_eq!(trip.status, TripStatus::Requested);

    // The offer comes at once; unanswered, it is withdrawn `expired` when
    // its 15 s run out.
    let first = [
        driver_sees(&mut driver, trip.id, began).await,
        driver_sees(&mut driver, trip.id, began).await,
    ];
    let [Seen::Offer(offered), Seen::Expired(ended)] = first else {
        panic!("expected an offer and its expiry, got {first:?}");
    };
    assert!(
        offered < Duration::from_secs(1),
        "offered after {offered:?}"
    );
    let lived = ended - offered;
    assert!(
        lived >= Duration::from_secs(15) && lived < Duration::from_secs(16),
        "the offer lived {lived:?}"
    );

    // From then on both, as it happens: the driver, whose offer ran out, is
    // offered the trip again each round (its position ages on the wall
    // clock, which hardly moves here, so it stays fresh), and the rider
    // sees the trip expire 60 s after the request.
    let mut rest = Vec::new();
    let (expired, at) = loop {
        tokio::select! {
            seen = driver_sees(&mut driver, trip.id, began) => rest.push(seen),
            msg = rider.next_message() => match msg {
                ServerMessage::TripUpdated { trip: t } if t.status == TripStatus::Requested => {}
                ServerMessage::TripUpdated { trip: t } => break (t, began.elapsed()),
                other => panic!("the rider got {other:?}"),
            },
        }
    };
    assert_eq!((expired.id, expired.status), (trip.id, TripStatus::Expired));
    // The dispatcher dates the deadline from the trip's wall-clock
    // `requested_at` (a trip resumed on another node keeps it), so the real
    // milliseconds the request took come off the virtual 60 s.
    assert!(
        at >= Duration::from_millis(59_900) && at < Duration::from_secs(61),
        "the trip expired after {at:?}"
    );
    // The trip's end also ends the live offer, if not already read; then
    // nothing more comes, not in a minute.
    while let Ok(seen) = tokio::time::timeout(
        Duration::from_secs(1),
        driver_sees(&mut driver, trip.id, began),
    )
    .await
    {
        rest.push(seen);
    }
    let quiet = tokio::time::timeout(Duration::from_secs(60), driver.next()).await;
    assert!(quiet.is_err(), "after the trip expired: {quiet:?}");
    // Every offer ended `expired`: after its 15 s, or with the trip.
    assert!(!rest.is_empty(), "re-offered after the first expiry");
    for pair in rest.chunks(2) {
        let [Seen::Offer(offered), Seen::Expired(ended)] = *pair else {
            panic!("every offer ends expired: {rest:?}");
        };
        let lived = ended - offered;
        assert!(
            lived < Duration::from_secs(16) && (lived >= Duration::from_secs(15) || ended >= at),
            "an offer lived {lived:?}: {rest:?}"
        );
        assert!(
            ended < at + Duration::from_secs(1),
            "no offer outlives the trip"
        );
    }
}
