// The ride product's fields that trips and users carry (money, fare
// breakdowns, vehicles, rating summaries, cancel reasons) and their
// parsers. A leaf module: `protocol.ts` (trips, users) and
// `ride-protocol.ts` (the ride HTTP bodies) both build on it, and it
// imports neither.

import {
  ProtocolError,
  array,
  count,
  field,
  number,
  object,
  optionalNumber,
  optionalOneOf,
  optionalString,
  string,
  type JsonObject,
  allOf,
} from './decode.ts';
import type * as Wire from './generated/wire.ts';

type Trip = Wire.Trip;
type TripUser = Wire.TripUser;

/** `amount` minor units of `currency` (ISO 4217). */
export type Money = Wire.Money;

/** `total = base + distance + time + surge + minimum_adjustment + booking_fee`, all minor units. */
export type FareBreakdown = Wire.FareBreakdown;

export type Vehicle = Wire.Vehicle;

export type RatingSummary = Wire.RatingSummary;

export type CancelReason = Wire.CancelReason;

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

/** A Rust `i64`: an integer, possibly negative. */
export function integer(o: JsonObject, key: string, path: string): number {
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

export function list<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return array(o[key], `${path}.${key}`).map((v, i) => parse(v, `${path}.${key}[${i}]`));
}

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

export function parseRatingSummary(value: unknown, path = '$'): RatingSummary {
  const o = object(value, path);
  return { average: number(o, 'average', path), count: count(o, 'count', path) };
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
