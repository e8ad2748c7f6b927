//! Two `hail serve` nodes sharing one Postgres and Redis form one service:
//! the rider on one node, drivers on the other. Each test runs on one
//! Redis and again on a Redis Cluster of its own.

use crate::helpers::*;
use hail_protocol::http::TrackResponse;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripStatus, WithdrawReason};

on_both_redis! {
    async fn the_trip_flow_across_two_nodes(redis) {
        let nodes = spawn_nodes(redis, 2, Settings::default()).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        let (driver, mut dws) = driver_online(b, near(300.0)).await;
        let (_other, mut other) = driver_online(a, near(600.0)).await;
        let (rider, mut rws) = a.connect(Role::Rider).await;
        if let Some(cluster) = &a.env.cluster {
            // The nodes really run on the cluster: the drivers sit in the
            // geo index's cell keys there.
            let cells = cluster
                .lock()
                .await
                .keys(&format!("{}drivers:geo:{{*", a.env.prefix))
                .await;
            assert!(!cells.is_empty(), "no cell keys on the cluster");
        }

        let trip = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(trip.id).await;
        other.offer_for(trip.id).await;
        dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
        assert_eq!(other.withdrawn(trip.id).await, WithdrawReason::Taken);
        let accepted = rws.update_to(trip.id, TripStatus::Accepted).await;
        assert_eq!(accepted.driver.map(|d| d.id), Some(driver.user.id));

        let points: Vec<(f64, f64)> = (0..10).map(|i| near(300.0 - i as f64 * 30.0)).collect();
        for p in &points {
            dws.send(location(*p)).await;
        }
        for p in &points {
            let got = rws
                .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
                .await;
            let ServerMessage::DriverLocation { lat, lng, .. } = got else {
                unreachable!()
            };
            assert_eq!((lat, lng), *p);
        }
        drive_to_completion(&mut dws, &mut rws, trip.id).await;
        // Either node answers for the track.
        let track: TrackResponse = b
            .get(&format!("/api/trips/{}/track", trip.id), rider.token())
            .await
            .json()
            .await
            .expect("track");
        assert_eq!(track.points.len(), points.len());

        // A rider cancelling on node A withdraws an offer held on node B.
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(trip.id).await;
        rws.ok(ClientMessage::cancel(trip.id, None)).await;
        assert_eq!(dws.withdrawn(trip.id).await, WithdrawReason::Cancelled);
    }
}

on_both_redis! {
    async fn the_accept_race_across_two_nodes_has_one_winner(redis) {
        let nodes = spawn_nodes(redis, 2, Settings::default()).await;
        let mut drivers = Vec::new();
        for i in 0..8 {
            drivers.push(driver_online(&nodes[i % 2], near(100.0 + i as f64 * 40.0)).await);
        }
        let (_rider, mut rws) = nodes[1].connect(Role::Rider).await;
        for round in 0..3 {
            let trip = rws.ok(request_at_centre()).await.expect("trip");
            for (_, ws) in drivers.iter_mut() {
                ws.offer_for(trip.id).await;
            }
            let (results, winners) = accept_race(&mut drivers, trip.id).await;
            assert_eq!(winners.len(), 1, "round {round}: {results:?}");
            assert!(results
                .iter()
                .filter(|r| !matches!(r, ServerMessage::Ok { .. }))
                .all(|r| matches!(
                    r,
                    ServerMessage::Error {
                        code: ErrorCode::TripTaken,
                        ..
                    }
                )));
            rws.update_to(trip.id, TripStatus::Accepted).await;
            // The winner cancels so the next round has all eight again.
            let w = winners[0];
            drivers[w].1.ok(ClientMessage::cancel(trip.id, None)).await;
            rws.update_to(trip.id, TripStatus::Cancelled).await;
            drivers[w]
                .1
                .ok(location(near(100.0 + w as f64 * 40.0)))
                .await;
        }
    }
}

on_both_redis! {
    async fn a_decline_on_another_node_starts_the_next_round_at_once(redis) {
        // Offers outlive the test: only the decline's signal, sent to the
        // dispatching node's topic, can start the next round in time.
        let settings = Settings::default()
            .set("HAIL_OFFER_TTL_SECS", 120)
            .set("HAIL_EMPTY_ROUND_RETRY_SECS", 1);
        let nodes = spawn_nodes(redis, 2, settings).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        let (_d1, mut d1) = driver_online(b, near(100.0)).await;
        let (_r, mut rws) = a.connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        d1.offer_for(trip.id).await;
        let (_d2, mut d2) = driver_online(b, near(200.0)).await;
        assert_eq!(d1.ok(ClientMessage::TripDecline { trip_id: trip.id }).await, None);
        let offered = d2
            .recv_within(std::time::Duration::from_secs(10), |m| {
                matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip.id)
            })
            .await;
        assert!(offered.is_some(), "the next round ran on node A after a decline on node B");
    }
}

on_both_redis! {
    async fn a_trip_whose_dispatching_node_died_still_expires(redis) {
        let settings = Settings::default().set("HAIL_TRIP_TIMEOUT_SECS", 1);
        let mut nodes = spawn_nodes(redis, 2, settings).await;
        let (rider, mut rws) = nodes[0].connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        nodes[0].kill().await; // kill -9: its dispatcher dies with it
        drop(rws);
        let mut rws = Ws::connect(&nodes[1], rider.token()).await;
        assert_eq!(rws.hello_trip().map(|t| t.id), Some(trip.id));
        let expired = rws
            .recv_within(std::time::Duration::from_secs(20), |m| {
                matches!(m, ServerMessage::TripUpdated { trip: t } if t.id == trip.id && t.status == TripStatus::Expired)
            })
            .await;
        assert!(
            expired.is_some(),
            "the surviving node's sweeper expires the stranded trip"
        );
        rws.ok(request_at_centre())
            .await
            .expect("the rider can ask again");
    }
}

on_both_redis! {
    /// Rider and driver on one node: the driver's points skip the bus (on
    /// one Redis; a cluster cannot count a channel's listeners), reach a
    /// second socket of the rider's that opens on another node, and skip
    /// the bus again once that socket is gone.
    async fn locations_past_the_bus_reach_a_socket_opened_on_another_node(redis) {
        let nodes = spawn_nodes(redis, 2, Settings::default()).await;
        let (a, b) = (&nodes[0], &nodes[1]);
        let counted = a.env.cluster.is_none();
        let local = r#"hail_locations_forwarded_total{way="local"}"#;
        let (_driver, mut dws) = driver_online(a, near(300.0)).await;
        let (rider, mut rws) = a.connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(trip.id).await;
        dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
        rws.update_to(trip.id, TripStatus::Accepted).await;

        // One point at a time: the first goes by bus and finds the rider's
        // node alone on the topic; the rest go past it.
        let mut north = 0.0;
        for _ in 0..5 {
            let p = next_point(&mut dws, &mut north).await;
            rws.recv_until(is_point(p)).await;
        }
        let went_local = a.metric(local).await.unwrap_or(0.0);
        if counted {
            assert!(went_local >= 3.0, "{went_local} of 5 points went past the bus");
        } else {
            assert_eq!(went_local, 0.0, "a cluster bus cannot count listeners");
        }

        // A second socket of the rider's, on the other node: its node
        // announces the subscription, and the points take the bus again.
        let mut second = Ws::connect(b, rider.token()).await;
        let other = "the socket on the other node";
        points_reach(&mut dws, &mut north, &mut rws, &mut second, 5, other).await;

        if counted {
            // Once that socket is gone, its node leaves the topic, and the
            // points go past the bus again.
            drop(second);
            until_past_the_bus(a, &mut dws, &mut north, &mut rws).await;
        }
    }
}
