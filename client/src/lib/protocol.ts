// The Hail wire contract v1 as TypeScript types, plus runtime parsers.
//
// Mirrors the Rust types in `protocol/src` (ws.rs, model.rs, http.rs,
// error.rs, geo.rs), the one source of every frame and body. A Rust field with
// `skip_serializing_if` is optional here (`field?: T`); an `Option` the server
// always writes (`Trip.driver`, `hello.trip`) is `T | null`. The fixtures in
// `protocol/fixtures/` are parsed by both sides to keep the two in step.
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
} from './decode.ts';

export { ProtocolError } from './decode.ts';

// ---- Scalars and enums -------------------------------------------------------

/** An opaque id (the server mints UUIDv7). */
export type Id = string;
/** An RFC 3339 time; the server writes UTC with `Z`. Kept as the wire string. */
export type Timestamp = string;

export const ROLES = ['rider', 'driver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TRIP_STATUSES = [
  'requested',
  'accepted',
  'arrived',
  'in_progress',
  'completed',
  'cancelled',
  'expired',
] as const;
export type TripStatus = (typeof TRIP_STATUSES)[number];

export const CANCELLED_BY = ['rider', 'driver', 'system'] as const;
export type CancelledBy = (typeof CANCELLED_BY)[number];

export const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What an error code the client does not know decodes to. The contract grows
 * additively (the server already added `internal`), so a new code must not make
 * the client drop the error: it is treated as `internal` and the wire string is
 * kept in `unknown_code`.
 */
export const FALLBACK_ERROR_CODE: ErrorCode = 'internal';

export const WITHDRAW_REASONS = ['taken', 'cancelled', 'expired'] as const;
export type WithdrawReason = (typeof WITHDRAW_REASONS)[number];

/** Longest place address, in Unicode characters (geo.rs). */
export const MAX_ADDRESS_CHARS = 200;
/** Longest cancel reason, in Unicode characters (ws.rs). */
export const MAX_REASON_CHARS = 500;

// ---- Models ------------------------------------------------------------------

export interface Position {
  lat: number;
  lng: number;
}

export interface Place extends Position {
  address?: string;
}

export interface User {
  id: Id;
  username: string;
  role: Role;
  name: string;
}

/** What the other side of a trip may know of a person. */
export interface TripUser {
  id: Id;
  name: string;
}

export interface Trip {
  id: Id;
  status: TripStatus;
  rider: TripUser;
  /** `null` until a driver accepts. */
  driver: TripUser | null;
  pickup: Place;
  dropoff: Place;
  requested_at: Timestamp;
  accepted_at?: Timestamp;
  arrived_at?: Timestamp;
  started_at?: Timestamp;
  completed_at?: Timestamp;
  cancelled_at?: Timestamp;
  cancelled_by?: CancelledBy;
  /** Extension: when the trip became `expired`. */
  expired_at?: Timestamp;
  /** Extension: the trip's version (1 when requested, +1 per status change). */
  seq?: number;
}

// ---- WebSocket: client -> server ---------------------------------------------

export interface LocationMessage {
  type: 'location';
  lat: number;
  lng: number;
  heading?: number;
  speed?: number;
  at?: Timestamp;
}

export interface DriverAvailableMessage {
  type: 'driver.available';
  available: boolean;
}

export interface TripRequestMessage {
  type: 'trip.request';
  pickup: Place;
  dropoff: Place;
}

export const TRIP_ID_COMMANDS = [
  'trip.accept',
  'trip.decline',
  'trip.arrive',
  'trip.start',
  'trip.complete',
] as const;
export type TripIdCommandType = (typeof TRIP_ID_COMMANDS)[number];

/** `trip.accept`, `trip.decline`, `trip.arrive`, `trip.start`, `trip.complete`. */
export interface TripIdCommand<T extends TripIdCommandType = TripIdCommandType> {
  type: T;
  trip_id: Id;
}

export interface TripCancelMessage {
  type: 'trip.cancel';
  trip_id: Id;
  reason?: string;
}

export type ClientMessage =
  | LocationMessage
  | DriverAvailableMessage
  | TripRequestMessage
  | TripIdCommand<'trip.accept'>
  | TripIdCommand<'trip.decline'>
  | TripIdCommand<'trip.arrive'>
  | TripIdCommand<'trip.start'>
  | TripIdCommand<'trip.complete'>
  | TripCancelMessage;

export type ClientMessageType = ClientMessage['type'];

/** A client frame as sent: a message plus the optional `ref` the answer echoes. */
export type ClientFrame = ClientMessage & { ref?: string };

// ---- WebSocket: server -> client ---------------------------------------------

export interface HelloMessage {
  type: 'hello';
  user: User;
  /** The caller's active trip, or `null`. */
  trip: Trip | null;
  server_time: Timestamp;
}

export interface OkMessage {
  type: 'ok';
  ref: string;
  /** Only where a trip was touched. */
  trip?: Trip;
}

export interface ErrorMessage {
  type: 'error';
  ref?: string;
  /** A code this client does not know is `internal` (see `FALLBACK_ERROR_CODE`). */
  code: ErrorCode;
  message: string;
  /** Client-side only: the wire code when it was not one of `ERROR_CODES`. */
  unknown_code?: string;
}

export interface TripOfferMessage {
  type: 'trip.offer';
  trip: Trip;
  distance_m: number;
  expires_at: Timestamp;
}

export interface OfferWithdrawnMessage {
  type: 'trip.offer_withdrawn';
  trip_id: Id;
  reason: WithdrawReason;
}

export interface TripUpdatedMessage {
  type: 'trip.updated';
  trip: Trip;
}

export interface DriverLocationMessage {
  type: 'driver.location';
  trip_id: Id;
  lat: number;
  lng: number;
  heading?: number;
  at: Timestamp;
}

export type ServerMessage =
  | HelloMessage
  | OkMessage
  | ErrorMessage
  | TripOfferMessage
  | OfferWithdrawnMessage
  | TripUpdatedMessage
  | DriverLocationMessage;

export type ServerMessageType = ServerMessage['type'];
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

// ---- HTTP bodies -------------------------------------------------------------

export interface SignupRequest {
  username: string;
  password: string;
  /** `admin` is refused by the server; admins come from `hail admin create`. */
  role: Role;
  /** Absent: the username. */
  name?: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface RefreshRequest {
  refresh_token: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  /** Always `Bearer`. */
  token_type: string;
  /** Seconds the access token lives. */
  expires_in: number;
  user: User;
}

export interface UserResponse {
  user: User;
}

export interface TripResponse {
  trip: Trip;
}

export interface TripsResponse {
  trips: Trip[];
  /** Present whenever the page is full; pass it as `before` for the next page. */
  next_before?: string;
}

export interface TrackPoint {
  lat: number;
  lng: number;
  at: Timestamp;
}

export interface TrackResponse {
  points: TrackPoint[];
}

export interface ErrorDetail {
  /** A code this client does not know is `internal` (see `FALLBACK_ERROR_CODE`). */
  code: ErrorCode;
  message: string;
  /** Client-side only: the wire code when it was not one of `ERROR_CODES`. */
  unknown_code?: string;
}

export interface ErrorBody {
  error: ErrorDetail;
}

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

function parseTripUser(value: unknown, path: string): TripUser {
  const o = object(value, path);
  return { id: string(o, 'id', path), name: string(o, 'name', path) };
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
  return trip;
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
    case 'trip.offer':
      return {
        type,
        trip: field(o, 'trip', path, parseTrip),
        distance_m: number(o, 'distance_m', path),
        expires_at: time(o, 'expires_at', path),
      };
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
    case 'trip.request':
      return {
        type,
        pickup: field(o, 'pickup', path, parsePlace),
        dropoff: field(o, 'dropoff', path, parsePlace),
      };
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
  return { user: field(object(value, path), 'user', path, parseUser) };
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
