import { describe, expect, it } from 'vitest';
import { DRIVER, OTHER_ID, RIDER, TRIP_ID, hello, trip } from '../test/trips.ts';
import type { Role, Trip } from './protocol.ts';
import { tripNotices } from './trip-events.ts';
import { initialTripState, tripReducer, type TripEvent, type TripState } from './trip-state.ts';

/** Feeds `events` in order and collects every notice on the way. */
function notices(events: TripEvent[], viewer: Role, from: TripState = initialTripState): string[] {
  const out: string[] = [];
  let state = from;
  for (const event of events) {
    const next = tripReducer(state, event);
    out.push(...tripNotices(state, next, event, viewer).map((n) => `${n.kind}: ${n.text}`));
    state = next;
  }
  return out;
}

const updated = (t: Trip): TripEvent => ({ type: 'trip.updated', trip: t });

describe('rider notices', () => {
  it('tells every step of a trip once', () => {
    const steps = (['requested', 'accepted', 'arrived', 'in_progress', 'completed'] as const).map((s) =>
      updated(trip(s)),
    );
    expect(notices(steps, 'rider')).toEqual([
      'status: Trip requested: searching for a driver',
      'status: Bo accepted your trip and is on the way',
      'status: Your driver has arrived at the pickup',
      'status: Trip started',
      'status: Trip completed',
    ]);
  });

  it('does not repeat a duplicate or stale event', () => {
    expect(
      notices([updated(trip('accepted')), updated(trip('accepted')), updated(trip('requested'))], 'rider'),
    ).toHaveLength(1);
  });

  it('says who cancelled and that nobody was found', () => {
    expect(
      notices([updated(trip('requested')), updated(trip('cancelled', { cancelled_by: 'driver' }))], 'rider'),
    ).toContain('status: The driver cancelled the trip');
    expect(notices([updated(trip('requested')), updated(trip('expired'))], 'rider')).toContain(
      'status: No driver found: your request expired',
    );
  });

  it('stays quiet when a page load restores the trip, but speaks when a reconnect finds it moved on', () => {
    const load: TripEvent = { type: 'hello', hello: hello(RIDER, trip('accepted')), receivedAtMs: 0 };
    expect(notices([load], 'rider')).toEqual([]);
    const moved: TripEvent = { type: 'hello', hello: hello(RIDER, trip('arrived')), receivedAtMs: 0 };
    expect(notices([load, moved], 'rider')).toEqual(['status: Your driver has arrived at the pickup']);
  });

  it('tells how a trip ended while away (the HTTP re-read)', () => {
    const events: TripEvent[] = [
      updated(trip('in_progress')),
      { type: 'hello', hello: hello(RIDER, null), receivedAtMs: 0 },
      { type: 'trip.synced', trip: trip('completed') },
    ];
    expect(notices(events, 'rider').at(-1)).toBe('status: Trip completed');
  });
});

describe('driver notices', () => {
  const offer = (id = TRIP_ID): TripEvent => ({
    type: 'trip.offer',
    trip: trip('requested', { id }),
    distance_m: 1234,
    expires_at: '2026-11-22T10:00:15Z',
  });

  it('announces an offer with the rider and distance, once', () => {
    expect(notices([offer(), offer()], 'driver')).toEqual(['status: New trip offer from Ann, 1.2 km away']);
  });

  it('says why an offer was withdrawn', () => {
    const withdrawn = (reason: 'taken' | 'cancelled' | 'expired', id = TRIP_ID): TripEvent => ({
      type: 'trip.offer_withdrawn',
      trip_id: id,
      reason,
    });
    expect(notices([offer(), withdrawn('taken')], 'driver').at(-1)).toBe(
      'status: Offer withdrawn: another driver took the trip',
    );
    expect(notices([offer(), withdrawn('cancelled')], 'driver').at(-1)).toBe(
      'status: Offer withdrawn: the rider cancelled',
    );
    expect(notices([offer(), withdrawn('expired')], 'driver').at(-1)).toBe('status: Offer withdrawn: it expired');
    // A withdrawal of an offer no longer shown says nothing.
    expect(notices([offer(), withdrawn('taken', OTHER_ID)], 'driver')).toHaveLength(1);
  });

  it('says an offer ran out on the clock when no withdrawal came', () => {
    const expire: TripEvent = { type: 'offers.expire', nowMs: Date.parse('2026-11-22T10:01:00Z') };
    expect(notices([offer(), expire], 'driver').at(-1)).toBe('status: Offer withdrawn: it expired');
  });

  it('tells the driver the steps of its own trip', () => {
    const steps = (['accepted', 'arrived', 'in_progress', 'completed'] as const).map((s) => updated(trip(s)));
    expect(notices(steps, 'driver')).toEqual([
      'status: Trip accepted: drive to Ann at the pickup',
      'status: Arrived at the pickup',
      'status: Trip started',
      'status: Trip completed',
    ]);
    expect(notices([updated(trip('accepted')), updated(trip('cancelled'))], 'driver').at(-1)).toBe(
      'status: The rider cancelled the trip',
    );
  });

  it('is quiet for the hello of a driver already on a trip', () => {
    expect(notices([{ type: 'hello', hello: hello(DRIVER, trip('accepted')), receivedAtMs: 0 }], 'driver')).toEqual([]);
  });
});
