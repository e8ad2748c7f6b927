//! The quotes this node issued, kept until they expire: a request naming
//! one of them is priced without a store read first (one round trip less
//! before its first offers). Quotes never change once stored, so a copy is
//! as good as the row; a quote issued on another node, or pushed out by
//! the cap, is read from the store as before.

use crate::store::QuoteRecord;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// At most `cap` quotes (`HAIL_QUOTE_CACHE`, ~0.5 KiB each); past it the
/// oldest go first.
#[derive(Debug)]
pub struct QuoteCache {
    cap: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_id: HashMap<uuid::Uuid, QuoteRecord>,
    /// Ids in the order they came, with when each expires.
    order: VecDeque<(DateTime<Utc>, uuid::Uuid)>,
}

impl QuoteCache {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Keeps a quote just stored; drops the expired and, past the cap, the
    /// oldest.
    pub fn insert(&self, quote: &QuoteRecord, now: DateTime<Utc>) {
        if self.cap == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.prune(now);
        while inner.by_id.len() >= self.cap {
            match inner.order.pop_front() {
                Some((_, id)) => {
                    inner.by_id.remove(&id);
                }
                None => break,
            }
        }
        inner.order.push_back((quote.expires_at, quote.id));
        inner.by_id.insert(quote.id, quote.clone());
    }

    /// The quote, if this node issued it and it has not expired by `now`
    /// (an expired one is for the store, whose answer says so).
    pub fn get(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Option<QuoteRecord> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.by_id.get(&id).filter(|q| q.expires_at > now).cloned()
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    /// Drops quotes expired by `now`. Their order is their expiry's only
    /// while the TTL stays the same, so this stops at the first live one
    /// and the cap catches what a TTL change leaves behind.
    fn prune(&mut self, now: DateTime<Utc>) {
        while let Some(&(expires_at, id)) = self.order.front() {
            if expires_at > now {
                break;
            }
            self.order.pop_front();
            self.by_id.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RideConfig;
    use crate::domain::{fare, money::Multiplier};
    use chrono::Duration;
    use hail_protocol::{Place, Position, UserId};

    fn quote(now: DateTime<Utc>, ttl_s: i64) -> QuoteRecord {
        let at = Position::new(52.52, 13.405).expect("a test position");
        let place = Place::new(at, None).expect("no address");
        let fares = RideConfig::default().fares;
        let (_, rule) = fares.priced("standard").expect("a default class");
        QuoteRecord {
            id: uuid::Uuid::now_v7(),
            rider_id: UserId::new(),
            class: "standard".into(),
            pickup: place.clone(),
            dropoff: place,
            fare: fare::fare(rule, 4_000, 600, Multiplier::ONE).to_wire(),
            created_at: now,
            expires_at: now + Duration::seconds(ttl_s),
        }
    }

    #[test]
    fn a_quote_is_found_until_it_expires() {
        let cache = QuoteCache::new(10);
        let now = Utc::now();
        let q = quote(now, 60);
        cache.insert(&q, now);
        assert_eq!(cache.get(q.id, now), Some(q.clone()));
        assert_eq!(
            cache.get(uuid::Uuid::now_v7(), now),
            None,
            "not issued here"
        );
        assert_eq!(
            cache.get(q.id, now + Duration::seconds(60)),
            None,
            "expired"
        );
    }

    #[test]
    fn expired_quotes_leave_and_the_cap_drops_the_oldest() {
        let cache = QuoteCache::new(3);
        let now = Utc::now();
        let old = quote(now, 10);
        cache.insert(&old, now);
        // Eleven seconds on, the first has expired and goes on the next insert.
        let later = now + Duration::seconds(11);
        let qs: Vec<_> = (0..3).map(|_| quote(later, 60)).collect();
        for q in &qs {
            cache.insert(q, later);
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(old.id, now), None, "pruned, not just hidden");
        let newest = quote(later, 60);
        cache.insert(&newest, later);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(qs[0].id, later), None, "the oldest made room");
        assert!(cache.get(qs[1].id, later).is_some());
        assert!(cache.get(newest.id, later).is_some());
        let none = QuoteCache::new(0);
        none.insert(&newest, later);
        assert!(none.is_empty(), "a cap of 0 keeps nothing");
    }
}
