//! Which users only this node listens to, so that a `driver.location` for
//! them skips the bus: on one node a PUBLISH and its push back were about a
//! fifth of a forwarded GPS point's CPU (docs/benchmarks.md, "Local
//! delivery").
//!
//! The node learns it is the only listener from a PUBLISH to the user's
//! topic that reached exactly one subscriber, sent after its own
//! subscription was confirmed: that one is this node. It stops believing
//! it when any node announces a socket joining the topic
//! (`Control::Listening`, published for every join, after its SUBSCRIBE
//! when it needs one), when its own subscription ends, and while its
//! subscription connection is down (until the bus is back). Each
//! announcement moves the route's generation, so the reply to a PUBLISH
//! sent before it (the reply and the announcement arrive on different
//! connections, in either order) no longer counts. A location goes local
//! only when every message this node published to the user has come back
//! from the bus, so it never overtakes them.

use hail_protocol::UserId;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Routes {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_generation: u64,
    /// The subscription connection is down: no PUBLISH counts this node,
    /// so none may prove it alone, until the bus is back ([`Routes::reset`]).
    suspended: bool,
    /// Only users whose topic this node is subscribed to (confirmed).
    users: HashMap<UserId, Route>,
}

impl Inner {
    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// No route is alone any more, and no reply to an earlier PUBLISH
    /// counts.
    fn unprove_all(&mut self) {
        let generation = self.generation();
        for r in self.users.values_mut() {
            r.generation = generation;
            r.alone = false;
        }
    }
}

#[derive(Debug)]
struct Route {
    generation: u64,
    /// The last PUBLISH that counted reached this node only.
    alone: bool,
    /// Messages this node published to the user that the bus has not
    /// delivered back yet.
    in_flight: u32,
}

/// How a message reaches a user's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Straight to this node's sessions: no other node listens, and
    /// nothing this node sent the user is still on the bus.
    Local,
    /// Through the bus. `probe` is the route's generation when this node
    /// listens too: the PUBLISH's receiver count then tells whether it
    /// is alone ([`Routes::published`]).
    Bus { probe: Option<u64> },
}

impl Routes {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The way for a location to `user`. A `Bus` way counts as in flight
    /// until [`delivered`](Self::delivered) (or [`unsent`](Self::unsent)).
    pub fn way(&self, user: UserId) -> Way {
        let mut inner = self.lock();
        if inner.suspended {
            return Way::Bus { probe: None };
        }
        match inner.users.get_mut(&user) {
            Some(r) if r.alone && r.in_flight == 0 => Way::Local,
            Some(r) => {
                r.in_flight += 1;
                Way::Bus {
                    probe: Some(r.generation),
                }
            }
            None => Way::Bus { probe: None },
        }
    }

    /// Another message to `user` went on the bus (a trip update, an offer).
    pub fn sent(&self, user: UserId) {
        if let Some(r) = self.lock().users.get_mut(&user) {
            r.in_flight += 1;
        }
    }

    /// A message counted in flight was not published after all.
    pub fn unsent(&self, user: UserId) {
        if let Some(r) = self.lock().users.get_mut(&user) {
            r.in_flight = r.in_flight.saturating_sub(1);
        }
    }

    /// A message to `user` came from the bus. Another node's message ends
    /// a wait early too; the bus tells them apart from this node's by
    /// nothing, and the only cost is that one location may overtake a
    /// message of this node's still on the bus.
    pub fn delivered(&self, user: UserId) {
        if let Some(r) = self.lock().users.get_mut(&user) {
            r.in_flight = r.in_flight.saturating_sub(1);
        }
    }

    /// The reply to a PUBLISH sent on `Way::Bus { probe }`: how many
    /// subscribers received it, when the bus can tell.
    pub fn published(&self, user: UserId, probe: Option<u64>, receivers: Option<u64>) {
        let (Some(generation), Some(receivers)) = (probe, receivers) else {
            return;
        };
        if let Some(r) = self.lock().users.get_mut(&user) {
            if r.generation == generation {
                r.alone = receivers == 1;
            }
        }
    }

    /// This node's subscriptions to these users' topics are confirmed.
    pub fn subscribed(&self, users: impl IntoIterator<Item = UserId>) {
        let mut inner = self.lock();
        for user in users {
            let generation = inner.generation();
            inner.users.insert(
                user,
                Route {
                    generation,
                    alone: false,
                    in_flight: 0,
                },
            );
        }
    }

    /// This node is about to leave these users' topics.
    pub fn unsubscribing(&self, users: impl IntoIterator<Item = UserId>) {
        let mut inner = self.lock();
        for user in users {
            inner.users.remove(&user);
        }
    }

    /// A node (this one included) announced a new subscription to `user`.
    pub fn announced(&self, user: UserId) {
        let mut inner = self.lock();
        let generation = inner.generation();
        if let Some(r) = inner.users.get_mut(&user) {
            r.generation = generation;
            r.alone = false;
        }
    }

    /// The subscription connection dropped: everything goes by bus until
    /// [`reset`](Self::reset).
    pub fn suspend(&self) {
        let mut inner = self.lock();
        inner.suspended = true;
        inner.unprove_all();
    }

    /// The bus is back after losing its connection (and resubscribed):
    /// announcements may have been lost meanwhile, and so may the messages
    /// in flight, so every route starts unproven.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.suspended = false;
        inner.unprove_all();
        inner.users.values_mut().for_each(|r| r.in_flight = 0);
    }

    /// Users whose locations currently go local.
    #[cfg(test)]
    fn local_count(&self) -> usize {
        self.lock().users.values().filter(|r| r.alone).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserId {
        UserId::new()
    }

    /// One probe round trip: a location on the bus reaching `receivers`.
    fn probe(routes: &Routes, u: UserId, receivers: u64) -> Way {
        let way = routes.way(u);
        if let Way::Bus { probe } = way {
            routes.delivered(u);
            routes.published(u, probe, Some(receivers));
        }
        way
    }

    #[test]
    fn a_user_this_node_does_not_listen_to_goes_by_bus_and_learns_nothing() {
        let routes = Routes::default();
        let u = user();
        assert_eq!(routes.way(u), Way::Bus { probe: None });
        routes.published(u, None, Some(1));
        assert_eq!(routes.way(u), Way::Bus { probe: None });
    }

    #[test]
    fn a_publish_that_reached_this_node_only_makes_the_next_location_local() {
        let routes = Routes::default();
        let u = user();
        routes.subscribed([u]);
        assert!(matches!(probe(&routes, u, 1), Way::Bus { probe: Some(_) }));
        assert_eq!(routes.way(u), Way::Local);
        assert_eq!(routes.local_count(), 1);
    }

    #[test]
    fn two_receivers_keep_the_bus() {
        let routes = Routes::default();
        let u = user();
        routes.subscribed([u]);
        probe(&routes, u, 2);
        assert!(matches!(routes.way(u), Way::Bus { .. }));
    }

    #[test]
    fn an_announcement_ends_local_delivery_and_outdates_a_reply_in_flight() {
        let routes = Routes::default();
        let u = user();
        routes.subscribed([u]);
        probe(&routes, u, 1);
        routes.announced(u);
        // The announcement arrived first, the reply to an earlier PUBLISH
        // (one receiver, before the other node subscribed) after it.
        let Way::Bus { probe: old } = routes.way(u) else {
            panic!("still local after an announcement");
        };
        routes.delivered(u);
        routes.announced(u);
        routes.published(u, old, Some(1));
        assert!(
            matches!(routes.way(u), Way::Bus { .. }),
            "a stale reply counted"
        );
    }

    #[test]
    fn a_location_waits_for_this_nodes_messages_still_on_the_bus() {
        let routes = Routes::default();
        let u = user();
        routes.subscribed([u]);
        probe(&routes, u, 1);
        routes.sent(u); // a trip update, not delivered back yet
        assert!(matches!(routes.way(u), Way::Bus { .. }));
        routes.delivered(u); // the update
        routes.delivered(u); // the location sent meanwhile
        assert_eq!(routes.way(u), Way::Local);
        routes.sent(u);
        routes.unsent(u); // its publish failed
        assert_eq!(routes.way(u), Way::Local);
    }

    #[test]
    fn leaving_the_topic_or_losing_the_bus_ends_local_delivery() {
        let routes = Routes::default();
        let (u, v, w) = (user(), user(), user());
        routes.subscribed([u, v, w]);
        probe(&routes, u, 1);
        probe(&routes, v, 1);
        let Way::Bus { probe: before_loss } = routes.way(w) else {
            unreachable!()
        };
        routes.unsubscribing([u]);
        assert_eq!(routes.way(u), Way::Bus { probe: None });
        routes.reset();
        assert!(matches!(routes.way(v), Way::Bus { probe: Some(_) }));
        assert_eq!(routes.local_count(), 0);
        // The reply to a PUBLISH from before the loss does not count.
        routes.published(w, before_loss, Some(1));
        assert!(matches!(routes.way(w), Way::Bus { .. }));
    }

    #[test]
    fn while_the_subscription_connection_is_down_nothing_proves_this_node_alone() {
        let routes = Routes::default();
        let (u, v) = (user(), user());
        routes.subscribed([u, v]);
        probe(&routes, u, 1);
        routes.suspend();
        // A PUBLISH now counts only the other nodes' listeners.
        assert_eq!(probe(&routes, u, 1), Way::Bus { probe: None });
        assert_eq!(probe(&routes, v, 1), Way::Bus { probe: None });
        assert_eq!(routes.way(u), Way::Bus { probe: None });
        routes.reset();
        probe(&routes, v, 1);
        assert_eq!(routes.way(v), Way::Local);
    }

    #[test]
    fn a_resubscription_starts_unproven() {
        let routes = Routes::default();
        let u = user();
        routes.subscribed([u]);
        let Way::Bus { probe: old } = routes.way(u) else {
            unreachable!()
        };
        routes.unsubscribing([u]);
        routes.subscribed([u]);
        routes.published(u, old, Some(1));
        assert!(matches!(routes.way(u), Way::Bus { .. }));
    }
}
