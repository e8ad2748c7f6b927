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
// `protocol.ts` uses `parseTripRide` and `parsePersonRide` here for the
// additive `Trip`, `TripUser` and `UserResponse` fields, and this file uses its `Place` and
// `TripUser` parsers for quotes and receipts. The import cycle is safe: neither
// module reads the other's bindings while it is being evaluated, only inside
// parser calls.

import {
  ProtocolError,
  array,
  count,
  field,
  nullable,
  number,
  object,
  oneOf,
  optionalNumber,
  optionalOneOf,
  optionalString,
  optionalTime,
  string,
  time,
  type JsonObject,
  allOf,
} from './decode.ts';
import type * as Wire from './generated/wire.ts';
import { ROLES, TRIP_STATUSES, parsePlace, parseTripUser, type Trip, type TripUser } from './protocol.ts';

// ---- Types ---------------------------------------------------------------------

/** `amount` minor units of `currency` (ISO 4217). */
export type Money = Wire.Money;
/** `total = base + distance + time + surge + minimum_adjustment + booking_fee`, all minor units. */
export type FareBreakdown = Wire.FareBreakdown;
export type FareClass = Wire.FareClass;
/** `GET /api/fares`. */
export type FaresResponse = Wire.FaresResponse;
export type Vehicle = Wire.Vehicle;
/** `GET`/`PUT /api/me/vehicle`. */
export type VehicleResponse = Wire.VehicleResponse;
export type RatingSummary = Wire.RatingSummary;
/** `POST /api/trips/{id}/rating`. */
export type RatingRequest = Wire.RatingRequest;
export type Rating = Wire.Rating;
export type RatingResponse = Wire.RatingResponse;
export type CancelReason = Wire.CancelReason;
/** `POST /api/quotes`; without `class`, one quote per class comes back. */
export type QuoteRequest = Wire.QuoteRequest;
export type Quote = Wire.Quote;
export type QuotesResponse = Wire.QuotesResponse;
/** `GET /api/trips/{id}/receipt`. */
export type Receipt = Wire.Receipt;

export const CANCEL_REASONS = allOf<CancelReason>()([
  'changed_plans',
  'driver_too_far',
  'wait_too_long',
  'wrong_pickup',
  'rider_no_show',
  'rider_asked',
  'unsafe_pickup',
  'vehicle_issue',
  'other',
]);

// ---- Helpers -------------------------------------------------------------------

/** A Rust `i64`: an integer, possibly negative. */
function integer(o: JsonObject, key: string, path: string): number {
  const value = number(o, key, path);
  if (!Number.isInteger(value)) throw new ProtocolError(`${path}.${key}`, 'expected an integer');
  return value;
}

/** An optional `u32` (`skip_serializing_if`): absent, or a non-negative integer. */
export function optionalCount(o: JsonObject, key: string, path: string): number | undefined {
  return optionalNumber(o, key, path) === undefined ? undefined : count(o, key, path);
}

/** An optional nested value (`skip_serializing_if`): absent, or parsed with `parse`. */
export function optionalField<T>(
  o: JsonObject,
  key: string,
  path: string,
  parse: (value: unknown, path: string) => T,
): T | undefined {
  return o[key] === undefined ? undefined : field(o, key, path, parse);
}

function list<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return array(o[key], `${path}.${key}`).map((v, i) => parse(v, `${path}.${key}[${i}]`));
}

// ---- Parsers -------------------------------------------------------------------

export function parseMoney(value: unknown, path = '$'): Money {
  const o = object(value, path);
  return { amount: integer(o, 'amount', path), currency: string(o, 'currency', path) };
}

export function parseFareBreakdown(value: unknown, path = '$'): FareBreakdown {
  const o = object(value, path);
  return {
    currency: string(o, 'currency', path),
    base: integer(o, 'base', path),
    distance: integer(o, 'distance', path),
    time: integer(o, 'time', path),
    surge: integer(o, 'surge', path),
    minimum_adjustment: integer(o, 'minimum_adjustment', path),
    booking_fee: integer(o, 'booking_fee', path),
    total: integer(o, 'total', path),
    distance_m: count(o, 'distance_m', path),
    duration_s: count(o, 'duration_s', path),
    surge_bp: count(o, 'surge_bp', path),
  };
}

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
  return {
    classes: list(o, 'classes', path, parseFareClass),
    cancel_grace_s: count(o, 'cancel_grace_s', path),
    cancel_fee: field(o, 'cancel_fee', path, parseMoney),
  };
}

export function parseVehicle(value: unknown, path = '$'): Vehicle {
  const o = object(value, path);
  return {
    make: string(o, 'make', path),
    model: string(o, 'model', path),
    colour: string(o, 'colour', path),
    plate: string(o, 'plate', path),
    class: string(o, 'class', path),
    seats: count(o, 'seats', path),
  };
}

export function parseVehicleResponse(value: unknown, path = '$'): VehicleResponse {
  return { vehicle: field(object(value, path), 'vehicle', path, parseVehicle) };
}

export function parseRatingSummary(value: unknown, path = '$'): RatingSummary {
  const o = object(value, path);
  return { average: number(o, 'average', path), count: count(o, 'count', path) };
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

/** The additive ride fields of a `TripUser` or `UserResponse`: absent ones stay absent. */
export function parsePersonRide(o: JsonObject, path: string): Pick<TripUser, 'rating' | 'vehicle'> {
  const ride: Pick<TripUser, 'rating' | 'vehicle'> = {};
  const rating = optionalField(o, 'rating', path, parseRatingSummary);
  if (rating !== undefined) ride.rating = rating;
  const vehicle = optionalField(o, 'vehicle', path, parseVehicle);
  if (vehicle !== undefined) ride.vehicle = vehicle;
  return ride;
}

type TripRide = Pick<Trip, 'class' | 'quote_id' | 'estimate' | 'fare' | 'cancel_reason' | 'cancel_fee'>;

/** The additive ride fields of a `Trip`: absent ones stay absent. */
export function parseTripRide(o: JsonObject, path: string): TripRide {
  const ride: TripRide = {};
  const cls = optionalString(o, 'class', path);
  if (cls !== undefined) ride.class = cls;
  const quoteId = optionalString(o, 'quote_id', path);
  if (quoteId !== undefined) ride.quote_id = quoteId;
  const estimate = optionalField(o, 'estimate', path, parseFareBreakdown);
  if (estimate !== undefined) ride.estimate = estimate;
  const fare = optionalField(o, 'fare', path, parseFareBreakdown);
  if (fare !== undefined) ride.fare = fare;
  const cancelReason = optionalOneOf(o, 'cancel_reason', path, CANCEL_REASONS);
  if (cancelReason !== undefined) ride.cancel_reason = cancelReason;
  const cancelFee = optionalField(o, 'cancel_fee', path, parseMoney);
  if (cancelFee !== undefined) ride.cancel_fee = cancelFee;
  return ride;
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
