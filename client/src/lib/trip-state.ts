// The live trip state of one app (rider or driver), folded from server events.
//
// `tripReducer(state, event)` is pure: the WebSocket session feeds it `hello`,
// `trip.updated`, `driver.location`, `trip.offer` and `trip.offer_withdrawn`,
// plus a few local events (a declined offer, the clock, "New trip"). Events
// arrive out of order and twice (the `ok` of a command and the `trip.updated`
// it caused carry the same trip; a reconnect replays the active trip), so the
// reducer keeps only what moves a trip forward and returns the same state
// object when nothing changed.

import type {
  DriverLocationMessage,
  EtaTarget,
  HelloMessage,
  Id,
  OfferWithdrawnMessage,
  Position,
  Timestamp,
  Trip,
  TripOfferMessage,
  TripUpdatedMessage,
} from './protocol.ts';
import { isActive, isEnded, statusRank } from './trip-status.ts';

/** An offer the driver may accept until `expiresAtMs` (server clock). */
export interface Offer {
  trip: Trip;
  /** From the driver to the pickup, when the offer was made. */
  distanceM: number;
  expiresAt: Timestamp;
  expiresAtMs: number;
  /** The server's estimate of the drive to the pickup, seconds (absent when it has none). */
  pickupEtaS?: number;
}

/** The latest `driver.location` of the trip shown. */
export interface DriverFix extends Position {
  heading?: number;
  at: Timestamp;
  /** Seconds to `eta_to` as of `at` (absent while `arrived`). */
  eta_s?: number;
  eta_to?: EtaTarget;
}

export interface TripState {
  /** The active trip, or the one that just ended until the user moves on. */
  trip: Trip | null;
  /** The driver's last position on `trip` (rider side). */
  driverPosition: DriverFix | null;
  /** Every driver position received on `trip`, oldest first (capped). */
  trail: Position[];
  /** Live offers (driver side), oldest first. */
  offers: Offer[];
  /** Server clock minus local clock, measured at the last `hello`. */
  clockOffsetMs: number;
  /**
   * A trip that was active before a reconnect but is not in `hello`: it ended
   * while we were away. The session re-reads it over HTTP to learn how.
   */
  syncTripId: Id | null;
  /** Ended trips the user has put away ("New trip"); late events for them are ignored. */
  dismissed: Id[];
}

export const initialTripState: TripState = {
  trip: null,
  driverPosition: null,
  trail: [],
  offers: [],
  clockOffsetMs: 0,
  syncTripId: null,
  dismissed: [],
};

/** An offer stays this long past its expiry, so the server's withdrawal normally ends it. */
export const OFFER_GRACE_MS = 1_500;
/** Driver positions kept for the trail on the map. */
export const MAX_TRAIL_POINTS = 2_000;
const MAX_DISMISSED = 20;

export type TripEvent =
  | { type: 'hello'; hello: HelloMessage; receivedAtMs: number }
  | TripUpdatedMessage
  /** The trip as re-read over HTTP (`GET /api/trips/{id}`). */
  | { type: 'trip.synced'; trip: Trip }
  /** The re-read trip could not be found: forget it. */
  | { type: 'trip.lost'; tripId: Id }
  | DriverLocationMessage
  | TripOfferMessage
  | OfferWithdrawnMessage
  /** The driver declined the offer, or accepting it failed for good. */
  | { type: 'offer.dismissed'; tripId: Id }
  /** A clock tick: drops offers past their expiry (plus grace). */
  | { type: 'offers.expire'; nowMs: number }
  /** "New trip": put an ended trip away. */
  | { type: 'trip.dismissed' };

export function tripReducer(state: TripState, event: TripEvent): TripState {
  switch (event.type) {
    case 'hello':
      return foldHello(state, event.hello, event.receivedAtMs);
    case 'trip.updated':
    case 'trip.synced':
      return foldTrip(state, event.trip);
    case 'trip.lost':
      if (state.trip?.id !== event.tripId) return state;
      return { ...state, trip: null, driverPosition: null, trail: [], syncTripId: null };
    case 'driver.location':
      return foldLocation(state, event);
    case 'trip.offer':
      return foldOffer(state, event);
    case 'trip.offer_withdrawn':
      return withoutOffer(state, event.trip_id);
    case 'offer.dismissed':
      return withoutOffer(state, event.tripId);
    case 'offers.expire': {
      const serverNow = event.nowMs + state.clockOffsetMs;
      const offers = state.offers.filter((o) => o.expiresAtMs + OFFER_GRACE_MS > serverNow);
      return offers.length === state.offers.length ? state : { ...state, offers };
    }
    case 'trip.dismissed': {
      const trip = state.trip;
      if (trip === null || !isEnded(trip.status)) return state;
      return {
        ...state,
        trip: null,
        driverPosition: null,
        trail: [],
        dismissed: [trip.id, ...state.dismissed].slice(0, MAX_DISMISSED),
      };
    }
  }
}

function foldHello(state: TripState, hello: HelloMessage, receivedAtMs: number): TripState {
  const clockOffsetMs = Date.parse(hello.server_time) - receivedAtMs;
  const current = state.trip;
  if (hello.trip !== null) {
    // `hello` is the server's word on the active trip: take it as it is.
    const same = current?.id === hello.trip.id;
    const id = hello.trip.id;
    return {
      ...state,
      trip: hello.trip,
      driverPosition: same ? state.driverPosition : null,
      trail: same ? state.trail : [],
      offers: state.offers.filter((o) => o.trip.id !== id),
      clockOffsetMs,
      syncTripId: null,
    };
  }
  // No active trip. One we held as active ended while we were away.
  const syncTripId = current !== null && isActive(current.status) ? current.id : null;
  return { ...state, clockOffsetMs, syncTripId };
}

/** Whether `next` (another trip than `current`) should replace it. */
function replaces(current: Trip, next: Trip): boolean {
  const newer = Date.parse(next.requested_at) >= Date.parse(current.requested_at);
  if (isActive(next.status)) return !isActive(current.status) || newer;
  // An end of some other trip: only over an ended trip, and only a newer one.
  return !isActive(current.status) && newer;
}

function foldTrip(state: TripState, trip: Trip): TripState {
  // A trip that left `requested` ends every offer of it.
  const offers =
    trip.status !== 'requested' && state.offers.some((o) => o.trip.id === trip.id)
      ? state.offers.filter((o) => o.trip.id !== trip.id)
      : state.offers;
  const current = state.trip;

  if (current !== null && current.id === trip.id) {
    // The trip's version decides when both carry one; else its status
    // (which only moves forward) does.
    const versioned = trip.seq !== undefined && current.seq !== undefined;
    const stale = versioned
      ? trip.seq! < current.seq!
      : statusRank(trip.status) < statusRank(current.status);
    const duplicate = versioned
      ? trip.seq === current.seq
      : statusRank(trip.status) === statusRank(current.status);
    if (stale || duplicate) {
      const syncTripId = state.syncTripId === trip.id ? null : state.syncTripId;
      if (offers === state.offers && syncTripId === state.syncTripId) return state;
      return { ...state, offers, syncTripId };
    }
    return { ...state, trip, offers, syncTripId: state.syncTripId === trip.id ? null : state.syncTripId };
  }

  if (state.dismissed.includes(trip.id)) {
    return offers === state.offers ? state : { ...state, offers };
  }
  if (current !== null && !replaces(current, trip)) {
    return offers === state.offers ? state : { ...state, offers };
  }
  return { ...state, trip, offers, driverPosition: null, trail: [], syncTripId: null };
}

function foldLocation(state: TripState, m: DriverLocationMessage): TripState {
  const trip = state.trip;
  // Positions of another trip, or of one that already ended, are late.
  if (trip === null || trip.id !== m.trip_id || isEnded(trip.status)) return state;
  const last = state.driverPosition;
  if (last !== null) {
    const age = Date.parse(m.at) - Date.parse(last.at);
    if (age < 0) return state;
    if (age === 0 && last.lat === m.lat && last.lng === m.lng) return state;
  }
  const fix: DriverFix = { lat: m.lat, lng: m.lng, at: m.at };
  if (m.heading !== undefined) fix.heading = m.heading;
  if (m.eta_s !== undefined) fix.eta_s = m.eta_s;
  if (m.eta_to !== undefined) fix.eta_to = m.eta_to;
  const trail = [...state.trail, { lat: m.lat, lng: m.lng }];
  if (trail.length > MAX_TRAIL_POINTS) trail.splice(0, trail.length - MAX_TRAIL_POINTS);
  return { ...state, driverPosition: fix, trail };
}

function foldOffer(state: TripState, m: TripOfferMessage): TripState {
  // An offer of the trip we already drive is noise.
  if (state.trip?.id === m.trip.id) return state;
  const offer: Offer = {
    trip: m.trip,
    distanceM: m.distance_m,
    expiresAt: m.expires_at,
    expiresAtMs: Date.parse(m.expires_at),
  };
  if (m.pickup_eta_s !== undefined) offer.pickupEtaS = m.pickup_eta_s;
  const existing = state.offers.findIndex((o) => o.trip.id === m.trip.id);
  if (existing === -1) return { ...state, offers: [...state.offers, offer] };
  // A renewed offer of the same trip (a later dispatch round) replaces the old one.
  const old = state.offers[existing];
  if (old !== undefined && old.expiresAtMs === offer.expiresAtMs) return state;
  const offers = [...state.offers];
  offers[existing] = offer;
  return { ...state, offers };
}

function withoutOffer(state: TripState, tripId: Id): TripState {
  if (!state.offers.some((o) => o.trip.id === tripId)) return state;
  return { ...state, offers: state.offers.filter((o) => o.trip.id !== tripId) };
}

/** Whole seconds left on an offer at local time `nowMs` (never negative). */
export function offerSecondsLeft(offer: Offer, nowMs: number, clockOffsetMs: number): number {
  return Math.max(0, Math.ceil((offer.expiresAtMs - (nowMs + clockOffsetMs)) / 1000));
}
