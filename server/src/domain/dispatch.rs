//! Dispatch policy: the rounds of one trip, as a pure clock-driven plan.
//!
//! Each round offers the trip to the nearest available drivers within the
//! radius who have not declined and hold no live offer. The next round comes
//! when every offer of the round has run out or been declined, or a short
//! pause after a round that found nobody; each new round doubles the radius
//! up to the maximum. The trip expires at `trip_timeout`. The async
//! dispatcher feeds this plan the clock and what happened, and carries out
//! the [`Step`]s it returns.

use hail_protocol::UserId;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::time::Instant;

/// The numbers a plan runs by (`DispatchConfig::plan`, which owns their
/// defaults and their environment variables).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// First search radius.
    pub radius_m: f64,
    /// The radius doubles each round up to this.
    pub max_radius_m: f64,
    /// Drivers offered per round.
    pub offer_limit: usize,
    /// How long one offer lives.
    pub offer_ttl: Duration,
    /// A trip nobody accepts within this expires.
    pub trip_timeout: Duration,
    /// Pause after a round that found nobody before widening.
    pub empty_round_retry: Duration,
}

/// The contract's defaults (docs/protocol.md, 4.5 "Dispatch and offers").
impl Default for Policy {
    fn default() -> Self {
        Self {
            radius_m: 3000.0,
            max_radius_m: 12000.0,
            offer_limit: 10,
            offer_ttl: Duration::from_secs(15),
            trip_timeout: Duration::from_secs(60),
            empty_round_retry: Duration::from_secs(3),
        }
    }
}

/// A driver found near a pickup, with the distance the index measured:
/// what a round offers to and what an offer quotes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub driver_id: UserId,
    pub distance_m: f64,
}

/// Something the dispatcher must do now.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Search and offer: at most `limit` drivers within `radius_m`, none of
    /// `exclude`.
    Round {
        round: u32,
        radius_m: f64,
        limit: usize,
        exclude: Vec<UserId>,
    },
    /// These drivers' offers ran out: withdraw them (`expired`).
    ExpireOffers(Vec<UserId>),
    /// Nobody accepted in time: expire the trip and withdraw `live` offers.
    ExpireTrip { live: Vec<UserId> },
}

#[derive(Debug)]
pub struct DispatchPlan {
    cfg: Policy,
    expires_at: Instant,
    /// Radius of the next round.
    radius_m: f64,
    /// Rounds run so far.
    rounds: u32,
    /// Live offers and when each runs out.
    live: HashMap<UserId, Instant>,
    declined: HashSet<UserId>,
    /// When the next round is due; `None` while live offers are pending.
    next_round_at: Option<Instant>,
    finished: bool,
}

impl DispatchPlan {
    /// A plan for a trip requested at `requested_at`; the first round is due
    /// at once.
    pub fn new(cfg: Policy, requested_at: Instant) -> Self {
        Self {
            expires_at: requested_at + cfg.trip_timeout,
            radius_m: cfg.radius_m,
            rounds: 0,
            live: HashMap::new(),
            declined: HashSet::new(),
            next_round_at: Some(requested_at),
            finished: false,
            cfg,
        }
    }

    /// The plan of a trip another node was dispatching: `rounds_done`
    /// rounds already ran, so numbering and the radius carry on from there;
    /// the trip still expires `trip_timeout` after `requested_at`.
    pub fn resume(cfg: Policy, requested_at: Instant, rounds_done: u32) -> Self {
        let mut plan = Self::new(cfg, requested_at);
        plan.rounds = rounds_done;
        for _ in 0..rounds_done.min(64) {
            plan.radius_m = (plan.radius_m * 2.0).min(plan.cfg.max_radius_m);
        }
        plan
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// When [`poll`](Self::poll) next has something to do.
    pub fn deadline(&self) -> Instant {
        let mut at = self.expires_at;
        if let Some(next) = self.next_round_at {
            at = at.min(next);
        }
        if let Some(first_expiry) = self.live.values().min() {
            at = at.min(*first_expiry);
        }
        at
    }

    /// The steps due at `now`, in order. Empty when nothing is due.
    pub fn poll(&mut self, now: Instant) -> Vec<Step> {
        if self.finished {
            return Vec::new();
        }
        if now >= self.expires_at {
            self.finished = true;
            self.next_round_at = None;
            let live = self.live.drain().map(|(d, _)| d).collect();
            return vec![Step::ExpireTrip { live }];
        }
        let mut steps = Vec::new();
        let expired: Vec<UserId> = self
            .live
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(d, _)| *d)
            .collect();
        if !expired.is_empty() {
            for d in &expired {
                self.live.remove(d);
            }
            steps.push(Step::ExpireOffers(expired));
            if self.live.is_empty() && self.next_round_at.is_none() {
                self.next_round_at = Some(now);
            }
        }
        if self.next_round_at.is_some_and(|at| at <= now) {
            self.next_round_at = None;
            let exclude = self
                .declined
                .iter()
                .chain(self.live.keys())
                .copied()
                .collect();
            self.rounds += 1;
            steps.push(Step::Round {
                round: self.rounds,
                radius_m: self.radius_m,
                limit: self.cfg.offer_limit,
                exclude,
            });
        }
        steps
    }

    /// The round's search offered the trip to `drivers` at `now`.
    pub fn offered(&mut self, drivers: &[UserId], now: Instant) {
        let expiry = now + self.cfg.offer_ttl;
        for d in drivers {
            self.live.insert(*d, expiry);
        }
        if self.live.is_empty() {
            self.next_round_at = Some(now + self.cfg.empty_round_retry);
        }
        self.radius_m = (self.radius_m * 2.0).min(self.cfg.max_radius_m);
    }

    /// A driver declined: never offer again; if that was the last live
    /// offer, the next round is due now.
    pub fn declined(&mut self, driver: UserId, now: Instant) {
        self.declined.insert(driver);
        if self.live.remove(&driver).is_some() && self.live.is_empty() && !self.finished {
            self.next_round_at = Some(now);
        }
    }

    /// An offer ended some other way we were told of (e.g. the driver lost
    /// a race or went offline): stop tracking it.
    pub fn forget(&mut self, driver: UserId, now: Instant) {
        if self.live.remove(&driver).is_some() && self.live.is_empty() && !self.finished {
            self.next_round_at = Some(now);
        }
    }

    /// The trip left `requested` (accepted or cancelled): stop, and return
    /// the offers still live so they can be withdrawn.
    pub fn finish(&mut self) -> Vec<UserId> {
        self.finished = true;
        self.next_round_at = None;
        self.live.drain().map(|(d, _)| d).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Policy {
        Policy::default()
    }

    fn round(steps: &[Step]) -> Option<(u32, f64, Vec<UserId>)> {
        steps.iter().find_map(|s| match s {
            Step::Round {
                round,
                radius_m,
                exclude,
                ..
            } => Some((*round, *radius_m, exclude.clone())),
            _ => None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn first_round_is_immediate_at_the_base_radius() {
        let mut plan = DispatchPlan::new(cfg(), Instant::now());
        let steps = plan.poll(Instant::now());
        assert_eq!(round(&steps), Some((1, 3000.0, vec![])));
        assert!(
            plan.poll(Instant::now()).is_empty(),
            "a round is not repeated"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_resumed_plan_carries_on_numbering_radius_and_deadline() {
        let requested = Instant::now();
        tokio::time::advance(Duration::from_secs(20)).await;
        let mut plan = DispatchPlan::resume(cfg(), requested, 2);
        let steps = plan.poll(Instant::now());
        assert_eq!(
            round(&steps),
            Some((3, 12000.0, vec![])),
            "round 3 at 4x, capped"
        );
        plan.offered(&[], Instant::now());
        // Expiry stays at requested + 60 s, not 60 s from the takeover.
        tokio::time::sleep_until(requested + Duration::from_secs(60)).await;
        let steps = plan.poll(Instant::now());
        assert!(
            steps.iter().any(|s| matches!(s, Step::ExpireTrip { .. })),
            "{steps:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn radius_doubles_after_empty_rounds_and_caps() {
        let mut plan = DispatchPlan::new(cfg(), Instant::now());
        let mut radii = Vec::new();
        for _ in 0..5 {
            tokio::time::sleep_until(plan.deadline()).await;
            let steps = plan.poll(Instant::now());
            let (_, radius, _) = round(&steps).expect("a round is due");
            radii.push(radius);
            plan.offered(&[], Instant::now());
        }
        assert_eq!(radii, vec![3000.0, 6000.0, 12000.0, 12000.0, 12000.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn empty_round_waits_the_retry_pause() {
        let start = Instant::now();
        let mut plan = DispatchPlan::new(cfg(), start);
        plan.poll(start);
        plan.offered(&[], start);
        assert_eq!(plan.deadline(), start + Duration::from_secs(3));
        tokio::time::advance(Duration::from_millis(2_900)).await;
        assert!(plan.poll(Instant::now()).is_empty());
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(round(&plan.poll(Instant::now())).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn offers_expire_then_the_next_round_widens_and_may_reoffer() {
        let start = Instant::now();
        let (a, b) = (UserId::new(), UserId::new());
        let mut plan = DispatchPlan::new(cfg(), start);
        plan.poll(start);
        plan.offered(&[a, b], start);
        assert_eq!(plan.deadline(), start + Duration::from_secs(15));
        tokio::time::advance(Duration::from_secs(15)).await;
        let steps = plan.poll(Instant::now());
        match &steps[0] {
            Step::ExpireOffers(ids) => assert_eq!(ids.len(), 2),
            other => panic!("expected expiry first, got {other:?}"),
        }
        let (n, radius, exclude) = round(&steps).expect("next round");
        assert_eq!((n, radius), (2, 6000.0));
        assert!(
            exclude.is_empty(),
            "drivers whose offer ran out may be offered again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn all_declined_starts_the_next_round_at_once_without_them() {
        let start = Instant::now();
        let (a, b) = (UserId::new(), UserId::new());
        let mut plan = DispatchPlan::new(cfg(), start);
        plan.poll(start);
        plan.offered(&[a, b], start);
        tokio::time::advance(Duration::from_secs(1)).await;
        plan.declined(a, Instant::now());
        assert!(
            plan.poll(Instant::now()).is_empty(),
            "b's offer is still live"
        );
        plan.declined(b, Instant::now());
        let (_, _, mut exclude) = round(&plan.poll(Instant::now())).expect("next round");
        exclude.sort();
        let mut both = vec![a, b];
        both.sort();
        assert_eq!(exclude, both);
    }

    #[tokio::test(start_paused = true)]
    async fn live_offers_are_excluded_from_a_round() {
        let start = Instant::now();
        let (a, b) = (UserId::new(), UserId::new());
        let mut plan = DispatchPlan::new(cfg(), start);
        plan.poll(start);
        plan.offered(&[a, b], start);
        plan.declined(a, start);
        plan.forget(b, start);
        let (_, _, exclude) = round(&plan.poll(start)).expect("next round");
        assert_eq!(exclude, vec![a]);
    }

    #[tokio::test(start_paused = true)]
    async fn trip_expires_at_the_timeout_withdrawing_live_offers() {
        let start = Instant::now();
        let a = UserId::new();
        let mut plan = DispatchPlan::new(cfg(), start);
        loop {
            tokio::time::sleep_until(plan.deadline()).await;
            let steps = plan.poll(Instant::now());
            if let Some(Step::ExpireTrip { live }) = steps.last() {
                assert_eq!(Instant::now() - start, Duration::from_secs(60));
                assert_eq!(live, &vec![a], "the last round's offer is withdrawn");
                break;
            }
            if round(&steps).is_some() {
                plan.offered(&[a], Instant::now());
            }
        }
        assert!(plan.is_finished());
        assert!(plan
            .poll(Instant::now() + Duration::from_secs(100))
            .is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn finish_returns_live_offers_and_stops() {
        let start = Instant::now();
        let (a, b) = (UserId::new(), UserId::new());
        let mut plan = DispatchPlan::new(cfg(), start);
        plan.poll(start);
        plan.offered(&[a, b], start);
        let mut live = plan.finish();
        live.sort();
        let mut both = vec![a, b];
        both.sort();
        assert_eq!(live, both);
        tokio::time::advance(Duration::from_secs(120)).await;
        assert!(plan.poll(Instant::now()).is_empty());
    }
}
