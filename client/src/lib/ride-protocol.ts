// The ride product (`protocol/src/ride.rs`: fares, quotes, vehicles, ratings,
// receipts) as TypeScript types and runtime parsers: an additive extension of
// the wire contract. The types are generated into `./generated/wire.ts`
// (`make ts-types`), as for `protocol.ts`; the parsers return them, so drift is
// a `tsc` error. Checked against `protocol/fixtures/http-*.json` by
// `protocol.test.ts`.
//
// Like the other parsers these keep only the fields they know and reject a
// missing required field or an unknown enum value with a `ProtocolError`.
// Money is in minor units: Rust `i64` amounts must be integers, and `u*`
// counts non-negative integers.
//
// The fields trips and users carry live in `ride-fields.ts` (which
// `protocol.ts` builds on); this file adds the HTTP bodies on top of both.

import {
  count,
  field,
  nullable,
  number,
  object,
  oneOf,
  optionalString,
  optionalTime,
  string,
  time,
} from './decode.ts';
import type * as Wire from './generated/wire.ts';
import { ROLES, TRIP_STATUSES, parsePlace, parseTripUser } from './protocol.ts';
import {
  integer,
  list,
  optionalCount,
  optionalField,
  parseFareBreakdown,
  parseMoney,
  parseVehicle,
} from './ride-fields.ts';

export * from './ride-fields.ts';

// ---- Types ---------------------------------------------------------------------

export type FareClass = Wire.FareClass;
/** `GET /api/fares`. */
export type FaresResponse = Wire.FaresResponse;
/** How a final fare's distance is measured from the track. */
export type TrackRules = Wire.TrackRules;
/** `GET`/`PUT /api/me/vehicle`. */
export type VehicleResponse = Wire.VehicleResponse;
/** `POST /api/trips/{id}/rating`. */
export type RatingRequest = Wire.RatingRequest;
export type Rating = Wire.Rating;
export type RatingResponse = Wire.RatingResponse;
/** `POST /api/quotes`; without `class`, one quote per class comes back. */
export type QuoteRequest = Wire.QuoteRequest;
export type Quote = Wire.Quote;
export type QuotesResponse = Wire.QuotesResponse;
/** `GET /api/trips/{id}/receipt`. */
export type Receipt = Wire.Receipt;

// ---- Parsers -------------------------------------------------------------------

export function parseFareClass(value: unknown, path = '$'): FareClass {
  const o = object(value, path);
  return {
    class: string(o, 'class', path),
    currency: string(o, 'currency', path),
    base: integer(o, 'base', path),
    per_km: integer(o, 'per_km', path),
    per_minute: integer(o, 'per_minute', path),
    minimum: integer(o, 'minimum', path),
    booking_fee: integer(o, 'booking_fee', path),
  };
}

export function parseFaresResponse(value: unknown, path = '$'): FaresResponse {
  const o = object(value, path);
  const fares: FaresResponse = {
    classes: list(o, 'classes', path, parseFareClass),
    cancel_grace_s: count(o, 'cancel_grace_s', path),
    cancel_fee: field(o, 'cancel_fee', path, parseMoney),
  };
  const track = optionalField(o, 'track', path, parseTrackRules);
  if (track !== undefined) fares.track = track;
  return fares;
}

export function parseTrackRules(value: unknown, path = '$'): TrackRules {
  const o = object(value, path);
  return {
    jitter_m: number(o, 'jitter_m', path),
    max_speed_kmh: number(o, 'max_speed_kmh', path),
    gap_s: count(o, 'gap_s', path),
    road_factor: number(o, 'road_factor', path),
    max_rejected: count(o, 'max_rejected', path),
  };
}

export function parseVehicleResponse(value: unknown, path = '$'): VehicleResponse {
  return { vehicle: field(object(value, path), 'vehicle', path, parseVehicle) };
}

export function parseRatingRequest(value: unknown, path = '$'): RatingRequest {
  const o = object(value, path);
  const body: RatingRequest = { stars: count(o, 'stars', path) };
  const comment = optionalString(o, 'comment', path);
  if (comment !== undefined) body.comment = comment;
  return body;
}

export function parseRating(value: unknown, path = '$'): Rating {
  const o = object(value, path);
  const rating: Rating = {
    trip_id: string(o, 'trip_id', path),
    by: oneOf(o, 'by', path, ROLES),
    stars: count(o, 'stars', path),
    at: time(o, 'at', path),
  };
  const comment = optionalString(o, 'comment', path);
  if (comment !== undefined) rating.comment = comment;
  return rating;
}

export function parseRatingResponse(value: unknown, path = '$'): RatingResponse {
  return { rating: field(object(value, path), 'rating', path, parseRating) };
}

export function parseQuoteRequest(value: unknown, path = '$'): QuoteRequest {
  const o = object(value, path);
  const body: QuoteRequest = {
    pickup: field(o, 'pickup', path, parsePlace),
    dropoff: field(o, 'dropoff', path, parsePlace),
  };
  const cls = optionalString(o, 'class', path);
  if (cls !== undefined) body.class = cls;
  return body;
}

export function parseQuote(value: unknown, path = '$'): Quote {
  const o = object(value, path);
  const quote: Quote = {
    quote_id: string(o, 'quote_id', path),
    class: string(o, 'class', path),
    pickup: field(o, 'pickup', path, parsePlace),
    dropoff: field(o, 'dropoff', path, parsePlace),
    fare: field(o, 'fare', path, parseFareBreakdown),
    drivers_nearby: count(o, 'drivers_nearby', path),
    expires_at: time(o, 'expires_at', path),
  };
  const eta = optionalCount(o, 'pickup_eta_s', path);
  if (eta !== undefined) quote.pickup_eta_s = eta;
  return quote;
}

export function parseQuotesResponse(value: unknown, path = '$'): QuotesResponse {
  return { quotes: list(object(value, path), 'quotes', path, parseQuote) };
}

export function parseReceipt(value: unknown, path = '$'): Receipt {
  const o = object(value, path);
  const receipt: Receipt = {
    trip_id: string(o, 'trip_id', path),
    status: oneOf(o, 'status', path, TRIP_STATUSES),
    class: string(o, 'class', path),
    rider: field(o, 'rider', path, parseTripUser),
    driver: nullable(o, 'driver', path, parseTripUser),
    pickup: field(o, 'pickup', path, parsePlace),
    dropoff: field(o, 'dropoff', path, parsePlace),
    requested_at: time(o, 'requested_at', path),
    ratings: list(o, 'ratings', path, parseRating),
  };
  const startedAt = optionalTime(o, 'started_at', path);
  if (startedAt !== undefined) receipt.started_at = startedAt;
  const completedAt = optionalTime(o, 'completed_at', path);
  if (completedAt !== undefined) receipt.completed_at = completedAt;
  const estimate = optionalField(o, 'estimate', path, parseFareBreakdown);
  if (estimate !== undefined) receipt.estimate = estimate;
  const fare = optionalField(o, 'fare', path, parseFareBreakdown);
  if (fare !== undefined) receipt.fare = fare;
  const cancelFee = optionalField(o, 'cancel_fee', path, parseMoney);
  if (cancelFee !== undefined) receipt.cancel_fee = cancelFee;
  return receipt;
}
