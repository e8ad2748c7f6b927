//! The monitor's trip search and pages, on both backends: qualifiers,
//! free text, sort and cursor paging over real trips; the trip, user and
//! node pages.

use crate::helpers::*;
use hail_protocol::history::{
    NodePageResponse, TripDetailResponse, TripSearchResponse, UserPageResponse,
};
use hail_protocol::monitor::{Overview, TimelineEvent};
use hail_protocol::{ClientMessage, Role, TripId, TripStatus};

async fn search(app: &TestApp, token: &str, params: &str) -> TripSearchResponse {
    let res = app
        .get(&format!("/api/monitor/trips?{params}"), token)
        .await;
    assert_eq!(res.status(), 200, "{params}");
    res.json().await.expect("search json")
}

fn ids(r: &TripSearchResponse) -> Vec<TripId> {
    r.trips.iter().map(|t| t.id).collect()
}

/// Every page of `params` in order, following `next_cursor` to the end.
async fn paged(app: &TestApp, token: &str, params: &str) -> Vec<TripId> {
    let mut out = Vec::new();
    let mut cursor: Option<TripId> = None;
    for _ in 0..20 {
        let page = match cursor {
            None => search(app, token, params).await,
            Some(c) => search(app, token, &format!("{params}&cursor={c}")).await,
        };
        out.extend(ids(&page));
        match page.next_cursor {
            None => return out,
            next => cursor = next,
        }
    }
    panic!("{params}: no last page after 20 ({out:?})");
}

fn q(query: &str) -> String {
    format!("q={}", urlencode(query))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

on_both_backends! {
    async fn trips_are_searched_sorted_and_paged(backend) {
        let app = spawn_with(backend, Settings::default()).await;
        let admin = app.admin().await;
        let (driver, mut dws) = driver_online(&app, near(200.0)).await;
        let (r1, mut r1ws) = app.connect(Role::Rider).await;
        let (r2, mut r2ws) = app.connect(Role::Rider).await;

        // t1: r1, completed; t2: r2, completed; t3: r1, cancelled while requested.
        let mut done = Vec::new();
        for (rws, _) in [(&mut r1ws, 1), (&mut r2ws, 2)] {
            let trip = rws.ok(request_at_centre()).await.expect("trip");
            dws.offer_for(trip.id).await;
            dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
            drive_to_completion(&mut dws, rws, trip.id).await;
            dws.ok(location(near(200.0))).await;
            done.push(trip.id);
        }
        let t3 = r1ws.ok(request_at_centre()).await.expect("trip").id;
        r1ws.ok(ClientMessage::TripCancel { trip_id: t3, reason: None, code: None }).await;
        let (t1, t2) = (done[0], done[1]);
        let token = admin.token();

        assert_eq!(ids(&search(&app, token, "").await), [t3, t2, t1], "newest first");
        assert_eq!(ids(&search(&app, token, "sort=oldest").await), [t1, t2, t3]);
        assert_eq!(ids(&search(&app, token, &q("status:completed")).await), [t2, t1]);
        assert_eq!(ids(&search(&app, token, &q("status:cancelled,expired")).await), [t3]);
        assert_eq!(ids(&search(&app, token, &q(&format!("rider:{}", r1.user.id))).await), [t3, t1]);
        assert_eq!(ids(&search(&app, token, &q(&format!("rider:{}", r2.user.username))).await), [t2]);
        assert_eq!(ids(&search(&app, token, &q(&format!("driver:{} status:completed", driver.user.username.to_uppercase()))).await), [t2, t1]);
        assert_eq!(ids(&search(&app, token, &q(&t2.to_string()[..23])).await), [t2], "free text: an id prefix");
        assert_eq!(ids(&search(&app, token, &q(&r2.user.username)).await), [t2], "free text: a name");
        assert_eq!(ids(&search(&app, token, &q("after:1h")).await).len(), 3);
        assert!(ids(&search(&app, token, &q("before:1h")).await).is_empty());
        assert!(ids(&search(&app, token, &q("after:2999-01-01")).await).is_empty());

        // Paging: two pages of 2 and 1, no overlap, in order.
        let first = search(&app, token, "limit=2").await;
        assert_eq!(ids(&first), [t3, t2]);
        let cursor = first.next_cursor.expect("more");
        let second = search(&app, token, &format!("limit=2&cursor={cursor}")).await;
        assert_eq!((ids(&second), second.next_cursor), (vec![t1], None));

        // By fare: the highest first, ties newest first, no fare (t3) last;
        // paged one trip at a time, the cursor keeps the order.
        let all = search(&app, token, "sort=fare").await;
        let fare = |id: TripId| all.trips.iter().find(|t| t.id == id).and_then(|t| t.fare.as_ref()).map(|f| f.total);
        let (f1, f2) = (fare(t1).expect("t1 fare"), fare(t2).expect("t2 fare"));
        assert_eq!(fare(t3), None);
        let by_fare = if (f1, t1) > (f2, t2) { [t1, t2, t3] } else { [t2, t1, t3] };
        assert_eq!(ids(&all), by_fare, "fares {f1} and {f2}");
        assert_eq!(paged(&app, token, "sort=fare&limit=1").await, by_fare);
        assert_eq!(paged(&app, token, &format!("sort=fare&limit=2&{}", q("status:completed,cancelled"))).await, by_fare);
        // With a filter too: the completed ones only, one per page.
        assert_eq!(paged(&app, token, &format!("sort=fare&limit=1&{}", q("status:completed"))).await, by_fare[..2]);
        // By last change: t3 was cancelled after t2 completed, after t1.
        assert_eq!(ids(&search(&app, token, "sort=updated").await), [t3, t2, t1]);
        assert_eq!(paged(&app, token, "sort=updated&limit=1").await, [t3, t2, t1]);

        for bad in ["q=status%3Aflying", "q=colour%3Ared", "sort=price", "sort=FARE", "cursor=nope", "q=after%3Asoon"] {
            let res = app.get(&format!("/api/monitor/trips?{bad}"), token).await;
            assert_eq!(res.status(), 400, "{bad}");
        }
        let rider = app.get("/api/monitor/trips", r1.token()).await;
        assert_eq!(rider.status(), 403);

        let rated = app
            .http()
            .post(app.url(&format!("/api/trips/{t1}/rating")))
            .bearer_auth(r1.token())
            .json(&serde_json::json!({"stars": 5, "comment": "fine"}))
            .send()
            .await
            .expect("rate");
        assert!(rated.status().is_success(), "{}", rated.status());

        // The trip page: timeline, offers, fare, ratings.
        let res = app.get(&format!("/api/monitor/trips/{t1}"), token).await;
        assert_eq!(res.status(), 200);
        let detail: TripDetailResponse = res.json().await.expect("detail");
        assert_eq!(detail.trip.status, TripStatus::Completed);
        assert!(detail.trip.fare.is_some(), "the final fare");
        assert_eq!(detail.ratings.iter().map(|r| r.stars).collect::<Vec<_>>(), [5]);
        let timeline = detail.dispatch.expect("dispatch").timeline;
        assert!(timeline.iter().any(|e| matches!(e, TimelineEvent::Offered { .. })));
        assert!(timeline.iter().any(|e| matches!(e, TimelineEvent::Status { to, .. } if *to == TripStatus::Completed)));
        let missing = app.get(&format!("/api/monitor/trips/{}", TripId(uuid::Uuid::now_v7())), token).await;
        assert_eq!(missing.status(), 404);

        // The user page.
        let res = app.get(&format!("/api/monitor/users/{}", r1.user.id), token).await;
        assert_eq!(res.status(), 200);
        let page: UserPageResponse = res.json().await.expect("user page");
        assert_eq!(page.user.id, r1.user.id);
        assert_eq!(page.trips.iter().map(|t| t.id).collect::<Vec<_>>(), [t3, t1]);
        assert_eq!(page.ratings.iter().map(|r| (r.trip_id, r.stars)).collect::<Vec<_>>(), [(t1, 5)]);

        // The node page.
        let overview: Overview = app.get("/api/monitor/overview", token).await.json().await.expect("overview");
        let node_id = overview.nodes[0].id.clone();
        let res = app.get(&format!("/api/monitor/nodes/{node_id}"), token).await;
        assert_eq!(res.status(), 200);
        let page: NodePageResponse = res.json().await.expect("node page");
        assert_eq!(page.node.id, node_id);
        assert!(page.tasks.iter().any(|t| t.name == "rollup"));
        assert_eq!(page.trips.len(), 3);
        let nowhere = app.get("/api/monitor/nodes/no-such-node", token).await;
        assert_eq!(nowhere.status(), 404);
        assert_eq!(ids(&search(&app, token, &q(&format!("node:{node_id}"))).await).len(), 3);
        assert!(ids(&search(&app, token, &q("node:no-such-node")).await).is_empty());
    }
}
