// The Hail wire contract v1 as TypeScript types, plus runtime parsers.
//
// The types are generated from the Rust types in `protocol/src` (ws.rs,
// model.rs, http.rs, error.rs, geo.rs), the one source of every frame and body:
// see `./generated/wire.ts` (`make ts-types` regenerates it, `make ts-check`
// fails when it is stale). A Rust field with `skip_serializing_if` is optional
// there (`field?: T`); an `Option` the server always writes (`Trip.driver`,
// `hello.trip`) is `T | null`. The parsers below return those types, so a Rust
// change they do not follow is a `tsc` error. The fixtures in
// `protocol/fixtures/` are parsed by both sides to keep the values in step.
//
// Parsers keep only the fields they know, so an additive extension of the
// contract never breaks a client, and reject a missing required field, an
// unknown `type` or an unknown enum value with a `ProtocolError`.

import {
  ProtocolError,
  array,
  boolean,
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
import { CANCEL_REASONS, optionalCount, parsePersonRide, parseTripRide } from './ride-fields.ts';

export { ProtocolError } from './decode.ts';

// ---- Scalars and enums -------------------------------------------------------

/** An opaque id (the server mints UUIDv7). */
export type Id = string;
/** An RFC 3339 time; the server writes UTC with `Z`. Kept as the wire string. */
export type Timestamp = string;

export type Role = Wire.Role;
export const ROLES = allOf<Role>()(['rider', 'driver', 'admin']);

export type TripStatus = Wire.TripStatus;
export const TRIP_STATUSES = allOf<TripStatus>()([
  'requested',
  'accepted',
  'arrived',
  'in_progress',
  'completed',
  'cancelled',
  'expired',
]);

export type CancelledBy = Wire.CancelledBy;
export const CANCELLED_BY = allOf<CancelledBy>()(['rider', 'driver', 'system']);

export type ErrorCode = Wire.ErrorCode;
export const ERROR_CODES = allOf<ErrorCode>()([
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid',
  'conflict',
  'trip_taken',
  'rate_limited',
  'too_large',
  'unavailable',
  'internal',
]);

/**
 * What an error code the client does not know decodes to. The contract grows
 * additively (the server already added `internal`), so a new code must not make
 * the client drop the error: it is treated as `internal` and the wire string is
 * kept in `unknown_code`.
 */
export const FALLBACK_ERROR_CODE: ErrorCode = 'internal';

export type EtaTarget = Wire.EtaTarget;
export const ETA_TARGETS = allOf<EtaTarget>()(['pickup', 'dropoff']);

export type WithdrawReason = Wire.WithdrawReason;
export const WITHDRAW_REASONS = allOf<WithdrawReason>()(['taken', 'cancelled', 'expired']);

/** Longest place address, in Unicode characters (geo.rs). */
export const MAX_ADDRESS_CHARS = 200;
/** Longest cancel reason, in Unicode characters (ws.rs). */
export const MAX_REASON_CHARS = 500;

// ---- Models ------------------------------------------------------------------

export type Position = Wire.Position;
export type Place = Wire.Place;
export type User = Wire.User;
/** What the other side of a trip may know of a person. */
export type TripUser = Wire.TripUser;
/** `driver` is `null` until a driver accepts; `seq` is absent from a server that does not number trips. */
export type Trip = Wire.Trip;

// ---- WebSocket: client -> server ---------------------------------------------

export type ClientMessage = Wire.ClientMessage;
export type ClientMessageType = ClientMessage['type'];
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

export type LocationMessage = ClientMessageOf<'location'>;
export type DriverAvailableMessage = ClientMessageOf<'driver.available'>;
export type TripRequestMessage = ClientMessageOf<'trip.request'>;

export const TRIP_ID_COMMANDS = [
  'trip.accept',
  'trip.decline',
  'trip.arrive',
  'trip.start',
  'trip.complete',
] as const satisfies readonly ClientMessageType[];
export type TripIdCommandType = (typeof TRIP_ID_COMMANDS)[number];

/** `trip.accept`, `trip.decline`, `trip.arrive`, `trip.start`, `trip.complete`. */
export type TripIdCommand<T extends TripIdCommandType = TripIdCommandType> = ClientMessageOf<T>;

export type TripCancelMessage = ClientMessageOf<'trip.cancel'>;

/** A client frame as sent: a message plus the optional `ref` the answer echoes. */
export type ClientFrame = ClientMessage & { ref?: string };

// ---- WebSocket: server -> client ---------------------------------------------

type WireServerMessage<T extends Wire.ServerMessage['type']> = Extract<Wire.ServerMessage, { type: T }>;

/** `trip` is the caller's active trip, or `null`. */
export type HelloMessage = WireServerMessage<'hello'>;
/** `trip` only where a trip was touched. */
export type OkMessage = WireServerMessage<'ok'>;

export type ErrorMessage = WireServerMessage<'error'> & {
  /** Client-side only: the wire code when it was not one of `ERROR_CODES` (`code` is then `internal`). */
  unknown_code?: string;
};

export type TripOfferMessage = WireServerMessage<'trip.offer'>;
export type OfferWithdrawnMessage = WireServerMessage<'trip.offer_withdrawn'>;
export type TripUpdatedMessage = WireServerMessage<'trip.updated'>;
export type DriverLocationMessage = WireServerMessage<'driver.location'>;

/** The generated union, with `error` carrying the client-side `unknown_code`. */
export type ServerMessage = Exclude<Wire.ServerMessage, { type: 'error' }> | ErrorMessage;

export type ServerMessageType = ServerMessage['type'];
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

// ---- HTTP bodies -------------------------------------------------------------

/** `admin` is refused by the server; admins come from `hail admin create`. Absent `name`: the username. */
export type SignupRequest = Wire.SignupRequest;
export type LoginRequest = Wire.LoginRequest;
export type RefreshRequest = Wire.RefreshRequest;
/** `token_type` is always `Bearer`. */
export type TokenResponse = Wire.TokenResponse;
export type UserResponse = Wire.UserResponse;
export type TripResponse = Wire.TripResponse;
/** `next_before` is present whenever the page is full; pass it as `before` for the next page. */
export type TripsResponse = Wire.TripsResponse;
export type TrackPoint = Wire.TrackPoint;
export type TrackResponse = Wire.TrackResponse;

export type ErrorDetail = Wire.ErrorDetail & {
  /** Client-side only: the wire code when it was not one of `ERROR_CODES` (`code` is then `internal`). */
  unknown_code?: string;
};

export type ErrorBody = Wire.ErrorBody & { error: ErrorDetail };

// ---- Parsers: models ---------------------------------------------------------

/** Reads an error `code`, mapping one this client does not know to `internal`. */
function parseErrorCode(o: JsonObject, path: string): { code: ErrorCode; unknown_code?: string } {
  const code = string(o, 'code', path);
  if ((ERROR_CODES as readonly string[]).includes(code)) return { code: code as ErrorCode };
  return { code: FALLBACK_ERROR_CODE, unknown_code: code };
}

function parseCoordinates(o: JsonObject, path: string): Position {
  const lat = number(o, 'lat', path);
  const lng = number(o, 'lng', path);
  if (lat < -90 || lat > 90) throw new ProtocolError(`${path}.lat`, 'must be within [-90, 90]');
  if (lng < -180 || lng > 180) throw new ProtocolError(`${path}.lng`, 'must be within [-180, 180]');
  return { lat, lng };
}

export function parsePosition(value: unknown, path = '$'): Position {
  return parseCoordinates(object(value, path), path);
}

export function parsePlace(value: unknown, path = '$'): Place {
  const o = object(value, path);
  const place: Place = parseCoordinates(o, path);
  const address = optionalString(o, 'address', path);
  if (address !== undefined) {
    if ([...address].length > MAX_ADDRESS_CHARS) {
      throw new ProtocolError(`${path}.address`, `at most ${MAX_ADDRESS_CHARS} characters`);
    }
    place.address = address;
  }
  return place;
}

export function parseUser(value: unknown, path = '$'): User {
  const o = object(value, path);
  return {
    id: string(o, 'id', path),
    username: string(o, 'username', path),
    role: oneOf(o, 'role', path, ROLES),
    name: string(o, 'name', path),
  };
}

export function parseTripUser(value: unknown, path = '$'): TripUser {
  const o = object(value, path);
  return { id: string(o, 'id', path), name: string(o, 'name', path), ...parsePersonRide(o, path) };
}

const TRIP_TIMES = [
  'accepted_at',
  'arrived_at',
  'started_at',
  'completed_at',
  'cancelled_at',
] as const;

export function parseTrip(value: unknown, path = '$'): Trip {
  const o = object(value, path);
  const trip: Trip = {
    id: string(o, 'id', path),
    status: oneOf(o, 'status', path, TRIP_STATUSES),
    rider: field(o, 'rider', path, parseTripUser),
    driver: nullable(o, 'driver', path, parseTripUser),
    pickup: field(o, 'pickup', path, parsePlace),
    dropoff: field(o, 'dropoff', path, parsePlace),
    requested_at: time(o, 'requested_at', path),
  };
  for (const key of TRIP_TIMES) {
    const at = optionalTime(o, key, path);
    if (at !== undefined) trip[key] = at;
  }
  const cancelledBy = optionalOneOf(o, 'cancelled_by', path, CANCELLED_BY);
  if (cancelledBy !== undefined) trip.cancelled_by = cancelledBy;
  const expiredAt = optionalTime(o, 'expired_at', path);
  if (expiredAt !== undefined) trip.expired_at = expiredAt;
  const seq = optionalNumber(o, 'seq', path);
  if (seq !== undefined) trip.seq = seq;
  return { ...trip, ...parseTripRide(o, path) };
}

// ---- Parsers: WebSocket frames -----------------------------------------------

/** Parses one server text frame. Throws `ProtocolError` on anything off-contract. */
export function parseServerMessage(text: string): ServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('$', 'not JSON');
  }
  return decodeServerMessage(value);
}

/** Like `parseServerMessage`, for a value already parsed from JSON. */
export function decodeServerMessage(value: unknown, path = '$'): ServerMessage {
  const o = object(value, path);
  const type = string(o, 'type', path);
  switch (type) {
    case 'hello':
      return {
        type,
        user: field(o, 'user', path, parseUser),
        trip: nullable(o, 'trip', path, parseTrip),
        server_time: time(o, 'server_time', path),
      };
    case 'ok': {
      const ok: OkMessage = { type, ref: string(o, 'ref', path) };
      // Clients treat a `null` trip as absent.
      if (o.trip !== undefined && o.trip !== null) ok.trip = parseTrip(o.trip, `${path}.trip`);
      return ok;
    }
    case 'error': {
      const ref = optionalString(o, 'ref', path);
      const error: ErrorMessage = {
        type,
        ...(ref === undefined ? {} : { ref }),
        ...parseErrorCode(o, path),
        message: string(o, 'message', path),
      };
      return error;
    }
    case 'trip.offer': {
      const msg: TripOfferMessage = {
        type,
        trip: field(o, 'trip', path, parseTrip),
        distance_m: number(o, 'distance_m', path),
        expires_at: time(o, 'expires_at', path),
      };
      const eta = optionalCount(o, 'pickup_eta_s', path);
      if (eta !== undefined) msg.pickup_eta_s = eta;
      return msg;
    }
    case 'trip.offer_withdrawn':
      return {
        type,
        trip_id: string(o, 'trip_id', path),
        reason: oneOf(o, 'reason', path, WITHDRAW_REASONS),
      };
    case 'trip.updated':
      return { type, trip: field(o, 'trip', path, parseTrip) };
    case 'driver.location': {
      const msg: DriverLocationMessage = {
        type,
        trip_id: string(o, 'trip_id', path),
        ...parseCoordinates(o, path),
        at: time(o, 'at', path),
      };
      const heading = optionalNumber(o, 'heading', path);
      if (heading !== undefined) msg.heading = heading;
      const eta = optionalCount(o, 'eta_s', path);
      if (eta !== undefined) msg.eta_s = eta;
      const etaTo = optionalOneOf(o, 'eta_to', path, ETA_TARGETS);
      if (etaTo !== undefined) msg.eta_to = etaTo;
      return msg;
    }
    default:
      throw new ProtocolError(`${path}.type`, `unknown server message type ${JSON.stringify(type)}`);
  }
}

/**
 * Parses a client message (without its `ref`). The server is the judge of
 * what it accepts; this is for fixtures, tests and tools that replay frames.
 */
export function parseClientMessage(value: unknown, path = '$'): ClientMessage {
  const o = object(value, path);
  const type = string(o, 'type', path);
  switch (type) {
    case 'location': {
      const msg: LocationMessage = { type, ...parseCoordinates(o, path) };
      const heading = optionalNumber(o, 'heading', path);
      if (heading !== undefined) msg.heading = heading;
      const speed = optionalNumber(o, 'speed', path);
      if (speed !== undefined) {
        if (speed < 0) throw new ProtocolError(`${path}.speed`, 'must be >= 0');
        msg.speed = speed;
      }
      const at = optionalTime(o, 'at', path);
      if (at !== undefined) msg.at = at;
      return msg;
    }
    case 'driver.available':
      return { type, available: boolean(o, 'available', path) };
    case 'trip.request': {
      const msg: TripRequestMessage = {
        type,
        pickup: field(o, 'pickup', path, parsePlace),
        dropoff: field(o, 'dropoff', path, parsePlace),
      };
      const cls = optionalString(o, 'class', path);
      if (cls !== undefined) msg.class = cls;
      const quoteId = optionalString(o, 'quote_id', path);
      if (quoteId !== undefined) msg.quote_id = quoteId;
      return msg;
    }
    case 'trip.accept':
    case 'trip.decline':
    case 'trip.arrive':
    case 'trip.start':
    case 'trip.complete':
      return { type, trip_id: string(o, 'trip_id', path) };
    case 'trip.cancel': {
      const msg: TripCancelMessage = { type, trip_id: string(o, 'trip_id', path) };
      const reason = optionalString(o, 'reason', path);
      if (reason !== undefined) {
        if ([...reason].length > MAX_REASON_CHARS) {
          throw new ProtocolError(`${path}.reason`, `at most ${MAX_REASON_CHARS} characters`);
        }
        msg.reason = reason;
      }
      const code = optionalOneOf(o, 'code', path, CANCEL_REASONS);
      if (code !== undefined) msg.code = code;
      return msg;
    }
    default:
      throw new ProtocolError(`${path}.type`, `unknown client message type ${JSON.stringify(type)}`);
  }
}

// ---- Parsers: HTTP bodies ----------------------------------------------------

export function parseSignupRequest(value: unknown, path = '$'): SignupRequest {
  const o = object(value, path);
  const body: SignupRequest = {
    username: string(o, 'username', path),
    password: string(o, 'password', path),
    role: oneOf(o, 'role', path, ROLES),
  };
  const name = optionalString(o, 'name', path);
  if (name !== undefined) body.name = name;
  return body;
}

export function parseLoginRequest(value: unknown, path = '$'): LoginRequest {
  const o = object(value, path);
  return { username: string(o, 'username', path), password: string(o, 'password', path) };
}

export function parseRefreshRequest(value: unknown, path = '$'): RefreshRequest {
  const o = object(value, path);
  return { refresh_token: string(o, 'refresh_token', path) };
}

export function parseTokenResponse(value: unknown, path = '$'): TokenResponse {
  const o = object(value, path);
  const expiresIn = number(o, 'expires_in', path);
  if (!Number.isInteger(expiresIn) || expiresIn < 0) {
    throw new ProtocolError(`${path}.expires_in`, 'expected a non-negative integer');
  }
  return {
    access_token: string(o, 'access_token', path),
    refresh_token: string(o, 'refresh_token', path),
    token_type: string(o, 'token_type', path),
    expires_in: expiresIn,
    user: field(o, 'user', path, parseUser),
  };
}

export function parseUserResponse(value: unknown, path = '$'): UserResponse {
  const o = object(value, path);
  return { user: field(o, 'user', path, parseUser), ...parsePersonRide(o, path) };
}

export function parseTripResponse(value: unknown, path = '$'): TripResponse {
  return { trip: field(object(value, path), 'trip', path, parseTrip) };
}

export function parseTripsResponse(value: unknown, path = '$'): TripsResponse {
  const o = object(value, path);
  const trips = array(o.trips, `${path}.trips`).map((t, i) => parseTrip(t, `${path}.trips[${i}]`));
  const body: TripsResponse = { trips };
  const nextBefore = optionalString(o, 'next_before', path);
  if (nextBefore !== undefined) body.next_before = nextBefore;
  return body;
}

function parseTrackPoint(value: unknown, path: string): TrackPoint {
  const o = object(value, path);
  return { ...parseCoordinates(o, path), at: time(o, 'at', path) };
}

export function parseTrackResponse(value: unknown, path = '$'): TrackResponse {
  const o = object(value, path);
  return {
    points: array(o.points, `${path}.points`).map((p, i) => parseTrackPoint(p, `${path}.points[${i}]`)),
  };
}

export function parseErrorBody(value: unknown, path = '$'): ErrorBody {
  const o = object(value, path);
  const detail = field(o, 'error', path, (v, p) => {
    const d = object(v, p);
    const detail: ErrorDetail = { ...parseErrorCode(d, p), message: string(d, 'message', p) };
    return detail;
  });
  return { error: detail };
}
