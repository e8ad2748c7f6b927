import { describe, expect, it } from 'vitest';
import { DRIVER, OTHER_ID, RIDER, TRIP_ID, hello, trip } from '../test/trips.ts';
import type { DriverLocationMessage, Trip, TripOfferMessage } from './protocol.ts';
import {
  MAX_TRAIL_POINTS,
  OFFER_GRACE_MS,
  initialTripState,
  offerSecondsLeft,
  tripReducer,
  type TripEvent,
  type TripState,
} from './trip-state.ts';

const fold = (events: TripEvent[], from: TripState = initialTripState) => events.reduce(tripReducer, from);
const updated = (t: Trip): TripEvent => ({ type: 'trip.updated', trip: t });
const at = (s: number) => `2026-11-22T10:01:${String(s).padStart(2, '0')}Z`;
const location = (s: number, lat = 52.5 + s / 1000, lng = 13.4, tripId = TRIP_ID): DriverLocationMessage => ({
  type: 'driver.location',
  trip_id: tripId,
  lat,
  lng,
  at: at(s),
});
const offer = (t: Trip, expiresAt = '2026-11-22T10:00:15Z', distance = 350): TripOfferMessage => ({
  type: 'trip.offer',
  trip: t,
  distance_m: distance,
  expires_at: expiresAt,
});
const helloAt = (active: Trip | null, receivedAtMs = Date.parse('2026-11-22T10:00:00Z')): TripEvent => ({
  type: 'hello',
  hello: hello(RIDER, active),
  receivedAtMs,
});

describe('hello', () => {
  it('restores the active trip and measures the clock offset', () => {
    const state = tripReducer(initialTripState, helloAt(trip('accepted'), Date.parse('2026-11-22T09:59:58Z')));
    expect(state.trip).toEqual(trip('accepted'));
    expect(state.clockOffsetMs).toBe(2_000);
  });

  it('keeps the driver position on a reconnect to the same trip, and drops it for another trip', () => {
    const s1 = fold([helloAt(trip('accepted')), location(1)]);
    expect(tripReducer(s1, helloAt(trip('arrived'))).driverPosition).toEqual(s1.driverPosition);
    const other = tripReducer(s1, helloAt(trip('accepted', { id: OTHER_ID })));
    expect(other.driverPosition).toBeNull();
    expect(other.trail).toEqual([]);
  });

  it('takes hello as the truth even over a later status we held', () => {
    const s = fold([updated(trip('arrived')), helloAt(trip('accepted'))]);
    expect(s.trip?.status).toBe('accepted');
  });

  it('without a trip: marks an active trip we held for a re-read', () => {
    const s = fold([updated(trip('in_progress')), helloAt(null)]);
    expect(s.trip?.status).toBe('in_progress');
    expect(s.syncTripId).toBe(TRIP_ID);
  });

  it('without a trip: keeps an ended trip on screen, needs no re-read', () => {
    const s = fold([updated(trip('completed')), helloAt(null)]);
    expect(s.trip?.status).toBe('completed');
    expect(s.syncTripId).toBeNull();
  });

  it('drops the offer of the trip the driver now drives', () => {
    const s = fold([
      offer(trip('requested')),
      { type: 'hello', hello: hello(DRIVER, trip('accepted')), receivedAtMs: 0 },
    ]);
    expect(s.offers).toEqual([]);
  });
});

describe('trip.updated', () => {
  it('follows a trip through its statuses', () => {
    let s = initialTripState;
    for (const status of ['requested', 'accepted', 'arrived', 'in_progress', 'completed'] as const) {
      s = tripReducer(s, updated(trip(status)));
      expect(s.trip?.status).toBe(status);
    }
  });

  it('ignores a stale status (an older event arriving late)', () => {
    const s = fold([updated(trip('arrived'))]);
    expect(tripReducer(s, updated(trip('accepted')))).toBe(s);
    const done = fold([updated(trip('completed'))]);
    expect(tripReducer(done, updated(trip('in_progress')))).toBe(done);
  });

  it("orders by the trip's seq when both carry one, and drops a replay", () => {
    const s = fold([updated(trip('arrived', { seq: 3 }))]);
    expect(tripReducer(s, updated(trip('accepted', { seq: 2 })))).toBe(s);
    expect(tripReducer(s, updated(trip('arrived', { seq: 3 })))).toBe(s);
    const next = tripReducer(s, updated(trip('in_progress', { seq: 4 })));
    expect(next.trip?.status).toBe('in_progress');
    expect(next.trip?.seq).toBe(4);
  });

  it('ignores a duplicate (the ok of a command and its trip.updated), returning the same state', () => {
    const s = fold([updated(trip('accepted'))]);
    expect(tripReducer(s, updated(trip('accepted')))).toBe(s);
  });

  it('keeps the first end of a trip', () => {
    const s = fold([updated(trip('cancelled'))]);
    expect(tripReducer(s, updated(trip('expired')))).toBe(s);
  });

  it('ignores the end of another trip while one is active', () => {
    const s = fold([updated(trip('accepted'))]);
    expect(tripReducer(s, updated(trip('cancelled', { id: OTHER_ID })))).toBe(s);
  });

  it('ignores an older active trip while a newer one is active', () => {
    const s = fold([updated(trip('requested', { id: OTHER_ID, requested_at: '2026-11-22T11:00:00Z' }))]);
    expect(tripReducer(s, updated(trip('accepted')))).toBe(s);
  });

  it('lets a new active trip replace an ended one', () => {
    const s = fold([updated(trip('completed')), location(1), updated(trip('requested', { id: OTHER_ID }))]);
    expect(s.trip?.id).toBe(OTHER_ID);
    expect(s.driverPosition).toBeNull();
  });

  it('lets a newer ended trip replace an older ended one, not the reverse', () => {
    const newer = trip('expired', { id: OTHER_ID, requested_at: '2026-11-22T11:00:00Z' });
    expect(fold([updated(trip('completed')), updated(newer)]).trip?.id).toBe(OTHER_ID);
    expect(fold([updated(newer), updated(trip('completed'))]).trip?.id).toBe(OTHER_ID);
  });

  it('ends the offer of a trip that left requested', () => {
    const s = fold([offer(trip('requested')), offer(trip('requested', { id: OTHER_ID })), updated(trip('accepted'))]);
    expect(s.offers.map((o) => o.trip.id)).toEqual([OTHER_ID]);
  });

  it('clears the re-read once the trip is known again', () => {
    const s = fold([updated(trip('in_progress')), helloAt(null), { type: 'trip.synced', trip: trip('completed') }]);
    expect(s.trip?.status).toBe('completed');
    expect(s.syncTripId).toBeNull();
  });

  it('forgets a trip the re-read could not find', () => {
    const s = fold([updated(trip('in_progress')), helloAt(null), { type: 'trip.lost', tripId: TRIP_ID }]);
    expect(s.trip).toBeNull();
    expect(s.syncTripId).toBeNull();
    expect(tripReducer(s, { type: 'trip.lost', tripId: OTHER_ID })).toBe(s);
  });
});

describe('driver.location', () => {
  it('keeps the latest position of the trip and its trail', () => {
    const s = fold([updated(trip('accepted')), location(1), location(2)]);
    expect(s.driverPosition).toEqual({ lat: 52.502, lng: 13.4, at: at(2) });
    expect(s.trail).toEqual([
      { lat: 52.501, lng: 13.4 },
      { lat: 52.502, lng: 13.4 },
    ]);
  });

  it('keeps the heading when sent', () => {
    const s = fold([updated(trip('accepted')), { ...location(1), heading: 90 }]);
    expect(s.driverPosition?.heading).toBe(90);
  });

  it('ignores positions of another trip, with no trip, or after the end', () => {
    const s = fold([updated(trip('accepted'))]);
    expect(tripReducer(s, location(1, 52.5, 13.4, OTHER_ID))).toBe(s);
    expect(tripReducer(initialTripState, location(1))).toBe(initialTripState);
    const done = fold([updated(trip('completed'))]);
    expect(tripReducer(done, location(1))).toBe(done);
  });

  it('ignores an older position and an exact duplicate', () => {
    const s = fold([updated(trip('accepted')), location(5)]);
    expect(tripReducer(s, location(4))).toBe(s);
    expect(tripReducer(s, location(5))).toBe(s);
    expect(tripReducer(s, location(5, 52.6)).driverPosition?.lat).toBe(52.6);
  });

  it('caps the trail', () => {
    let s = fold([updated(trip('in_progress'))]);
    for (let i = 0; i < MAX_TRAIL_POINTS + 10; i++) {
      s = tripReducer(s, {
        ...location(0),
        at: new Date(Date.parse(at(0)) + i * 1000).toISOString(),
        lat: 52 + i / 1e6,
      });
    }
    expect(s.trail).toHaveLength(MAX_TRAIL_POINTS);
    expect(s.trail.at(-1)?.lat).toBeCloseTo(52 + (MAX_TRAIL_POINTS + 9) / 1e6, 9);
  });
});

describe('offers', () => {
  it('adds offers in arrival order, with their expiry on the server clock', () => {
    const s = fold([
      offer(trip('requested')),
      offer(trip('requested', { id: OTHER_ID }), '2026-11-22T10:00:20Z', 1200),
    ]);
    expect(s.offers.map((o) => [o.trip.id, o.distanceM, o.expiresAtMs])).toEqual([
      [TRIP_ID, 350, Date.parse('2026-11-22T10:00:15Z')],
      [OTHER_ID, 1200, Date.parse('2026-11-22T10:00:20Z')],
    ]);
  });

  it('replaces a renewed offer of the same trip, ignores a duplicate', () => {
    const s = fold([offer(trip('requested'))]);
    expect(tripReducer(s, offer(trip('requested')))).toBe(s);
    const renewed = tripReducer(s, offer(trip('requested'), '2026-11-22T10:00:40Z'));
    expect(renewed.offers).toHaveLength(1);
    expect(renewed.offers[0]?.expiresAt).toBe('2026-11-22T10:00:40Z');
  });

  it('ignores an offer of the trip already being driven', () => {
    const s = fold([updated(trip('accepted'))]);
    expect(tripReducer(s, offer(trip('requested')))).toBe(s);
  });

  it('removes an offer when withdrawn or declined, and ignores unknown ids', () => {
    const s = fold([offer(trip('requested')), offer(trip('requested', { id: OTHER_ID }))]);
    const w = tripReducer(s, { type: 'trip.offer_withdrawn', trip_id: TRIP_ID, reason: 'taken' });
    expect(w.offers.map((o) => o.trip.id)).toEqual([OTHER_ID]);
    expect(tripReducer(w, { type: 'trip.offer_withdrawn', trip_id: TRIP_ID, reason: 'taken' })).toBe(w);
    expect(tripReducer(w, { type: 'offer.dismissed', tripId: OTHER_ID }).offers).toEqual([]);
  });

  it('expires offers on the server clock, after a grace period', () => {
    // Server clock 2 s ahead of ours.
    const s = fold([helloAt(null, Date.parse('2026-11-22T09:59:58Z')), offer(trip('requested'))]);
    const expiryLocal = Date.parse('2026-11-22T10:00:13Z');
    expect(tripReducer(s, { type: 'offers.expire', nowMs: expiryLocal })).toBe(s);
    expect(tripReducer(s, { type: 'offers.expire', nowMs: expiryLocal + OFFER_GRACE_MS }).offers).toEqual([]);
  });

  it('counts down whole seconds on the server clock', () => {
    const [o] = fold([offer(trip('requested'))]).offers;
    const expires = Date.parse('2026-11-22T10:00:15Z');
    expect(offerSecondsLeft(o!, expires - 15_000, 0)).toBe(15);
    expect(offerSecondsLeft(o!, expires - 14_001, 0)).toBe(15);
    expect(offerSecondsLeft(o!, expires - 14_000, 0)).toBe(14);
    expect(offerSecondsLeft(o!, expires - 12_000, 2_000)).toBe(10);
    expect(offerSecondsLeft(o!, expires + 5_000, 0)).toBe(0);
  });
});

describe('trip.dismissed ("New trip")', () => {
  it('puts an ended trip away and ignores its late events', () => {
    const s = fold([updated(trip('completed')), { type: 'trip.dismissed' }]);
    expect(s.trip).toBeNull();
    expect(s.dismissed).toEqual([TRIP_ID]);
    expect(tripReducer(s, updated(trip('completed')))).toBe(s);
  });

  it('does nothing to an active trip', () => {
    const s = fold([updated(trip('accepted'))]);
    expect(tripReducer(s, { type: 'trip.dismissed' })).toBe(s);
  });
});

describe('driver.location with an ETA', () => {
  it('keeps eta_s and eta_to with the fix, and drops them when a fix has none', () => {
    const accepted = fold([updated(trip('accepted'))]);
    const withEta = tripReducer(accepted, { ...location(1), eta_s: 240, eta_to: 'pickup' });
    expect(withEta.driverPosition).toMatchObject({ eta_s: 240, eta_to: 'pickup' });
    const without = tripReducer(withEta, location(2));
    expect(without.driverPosition?.eta_s).toBeUndefined();
    expect(without.driverPosition?.eta_to).toBeUndefined();
  });
});

