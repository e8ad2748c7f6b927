// The admin monitor API (`/api/monitor/...`) as TypeScript types and runtime
// parsers: an additive extension of the wire contract. The types are generated
// from `protocol/src/monitor.rs` into `./generated/wire.ts` (`make ts-types`),
// as for `protocol.ts`; the parsers return them, so drift is a `tsc` error.
// Checked against `protocol/fixtures/http-monitor-*.json` by `protocol.test.ts`.
//
// Rust `Option`s without `skip_serializing_if` are always written, `null`
// when empty, and stay `T | null` here so a parsed body serializes back to
// what the server sent. Counts (`u32`/`u64`) must be non-negative integers.

import {
  ProtocolError,
  array,
  count,
  field,
  nullable,
  nullableCount,
  nullableNumber,
  nullableString,
  nullableTime,
  number,
  object,
  oneOf,
  optionalOneOf,
  optionalString,
  optionalTime,
  string,
  time,
  type JsonObject,
  allOf,
} from './decode.ts';
import type * as Wire from './generated/wire.ts';
import { parseTaskSchedule } from './history-protocol.ts';
import { CANCELLED_BY, TRIP_STATUSES, parsePosition, type Timestamp } from './protocol.ts';
import { CANCEL_REASONS, optionalField, parseMoney } from './ride-fields.ts';

// ---- Overview ------------------------------------------------------------------

/** Open connections, by the role of who holds them. */
export type RoleCounts = Wire.RoleCounts;

/** `down`: no heartbeat within `heartbeat_window_secs`. */
export type NodeStatus = Wire.NodeStatus;
export const NODE_STATUSES = allOf<NodeStatus>()(['up', 'down']);

/** One node as its last heartbeat described it; `connections` all 0 for a node that is down. */
export type NodeOverview = Wire.NodeOverview;

/** Sums over the nodes that are up. */
export type Totals = Wire.Totals;

/** Trips in each of the 7 statuses, all time: one field per `TripStatus`. */
export type TripCounts = Wire.TripCounts;

export type DriverCounts = Wire.DriverCounts;

/**
 * `GET /api/monitor/overview` (and the stream's `overview` event). `at` is the
 * answering node's clock: the monitor's "now" for relative times;
 * `heartbeat_ms` is 0 when not sent.
 */
export type Overview = Wire.Overview;

// ---- Dispatches ----------------------------------------------------------------

/** How a dispatch ended, like a task's state in Flower. */
export type DispatchOutcome = Wire.DispatchOutcome;
export const DISPATCH_OUTCOMES = allOf<DispatchOutcome>()(['searching', 'accepted', 'expired', 'cancelled']);

/** One trip's dispatch. */
export type Dispatch = Wire.Dispatch;

/** `GET /api/monitor/dispatches` (and the stream's `dispatches` event: the newest 50). */
export type DispatchesResponse = Wire.DispatchesResponse;

/** How an offer ended, as the server documents it (the wire field is a free string). */
export const OFFER_ENDS = ['accepted', 'declined', 'lost', 'expired', 'withdrawn'] as const;

/**
 * One entry of a dispatch's timeline, oldest first: the generated kinds, plus
 * (client-side only) a kind this client does not know, since the contract
 * grows additively.
 */
export type TimelineEvent = Wire.TimelineEvent | { kind: 'unknown'; at: Timestamp; unknown_kind: string };

export type TimelineKind = TimelineEvent['kind'];

/** `GET /api/monitor/dispatches/{trip_id}`. */
export type DispatchDetail = Omit<Wire.DispatchDetail, 'timeline'> & { timeline: TimelineEvent[] };

// ---- Background tasks ----------------------------------------------------------

/** One background task on one node; `last_error` is kept after later runs succeed. */
export type TaskStats = Wire.TaskStats;

export type TasksResponse = Wire.TasksResponse;

// ---- Map -----------------------------------------------------------------------

/** An available driver where the geo index has it. */
export type MapDriver = Wire.MapDriver;

/** The latest persisted GPS point of a trip's driver. */
export type MapPoint = Wire.MapPoint;

/** A trip that is not over, where it goes and where its driver is (`null` until its first point). */
export type MapTrip = Wire.MapTrip;

/** `GET /api/monitor/map`: available drivers and active trips, freshest first. */
export type MonitorMap = Wire.MonitorMap;

// ---- Surge board ---------------------------------------------------------------

/** One H3 cell of the surge board; `surge_bp` 10000 = 1.0x. */
export type SurgeCell = Wire.SurgeCell;

/** `GET /api/monitor/surge`: the board every node prices from (`computed_*` absent: not yet computed). */
export type SurgeResponse = Wire.SurgeResponse;

// ---- Parsers -------------------------------------------------------------------

function list<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return array(o[key], `${path}.${key}`).map((v, i) => parse(v, `${path}.${key}[${i}]`));
}

function parseRoleCounts(value: unknown, path: string): RoleCounts {
  const o = object(value, path);
  return { rider: count(o, 'rider', path), driver: count(o, 'driver', path), admin: count(o, 'admin', path) };
}

export function parseNode(value: unknown, path = '$'): NodeOverview {
  const o = object(value, path);
  return {
    id: string(o, 'id', path),
    address: string(o, 'address', path),
    status: oneOf(o, 'status', path, NODE_STATUSES),
    started_at: time(o, 'started_at', path),
    last_seen: time(o, 'last_seen', path),
    uptime_secs: count(o, 'uptime_secs', path),
    connections: field(o, 'connections', path, parseRoleCounts),
    messages_in_per_sec: number(o, 'messages_in_per_sec', path),
    messages_out_per_sec: number(o, 'messages_out_per_sec', path),
    outbox_drops: count(o, 'outbox_drops', path),
  };
}

function parseTotals(value: unknown, path: string): Totals {
  const o = object(value, path);
  return {
    nodes_up: count(o, 'nodes_up', path),
    nodes_down: count(o, 'nodes_down', path),
    connections: field(o, 'connections', path, parseRoleCounts),
    messages_in_per_sec: number(o, 'messages_in_per_sec', path),
    messages_out_per_sec: number(o, 'messages_out_per_sec', path),
    outbox_drops: count(o, 'outbox_drops', path),
  };
}

function parseTripCounts(value: unknown, path: string): TripCounts {
  const o = object(value, path);
  const counts = {} as TripCounts;
  for (const status of TRIP_STATUSES) counts[status] = count(o, status, path);
  return counts;
}

function parseDriverCounts(value: unknown, path: string): DriverCounts {
  const o = object(value, path);
  return { online: count(o, 'online', path), available: count(o, 'available', path) };
}

export function parseOverview(value: unknown, path = '$'): Overview {
  const o = object(value, path);
  return {
    at: time(o, 'at', path),
    heartbeat_window_secs: count(o, 'heartbeat_window_secs', path),
    heartbeat_ms: o['heartbeat_ms'] === undefined ? 0 : count(o, 'heartbeat_ms', path),
    nodes: list(o, 'nodes', path, parseNode),
    totals: field(o, 'totals', path, parseTotals),
    trips: field(o, 'trips', path, parseTripCounts),
    drivers: field(o, 'drivers', path, parseDriverCounts),
  };
}

export function parseDispatch(value: unknown, path = '$'): Dispatch {
  const o = object(value, path);
  const dispatch: Dispatch = {
    trip_id: string(o, 'trip_id', path),
    status: oneOf(o, 'status', path, TRIP_STATUSES),
    outcome: oneOf(o, 'outcome', path, DISPATCH_OUTCOMES),
    requested_at: time(o, 'requested_at', path),
    rounds: count(o, 'rounds', path),
    radius_m: nullableNumber(o, 'radius_m', path),
    offered: count(o, 'offered', path),
    declined: count(o, 'declined', path),
    time_to_accept_ms: nullableCount(o, 'time_to_accept_ms', path),
    node: string(o, 'node', path),
  };
  const cls = optionalString(o, 'class', path);
  if (cls !== undefined) dispatch.class = cls;
  const cancelledBy = optionalOneOf(o, 'cancelled_by', path, CANCELLED_BY);
  if (cancelledBy !== undefined) dispatch.cancelled_by = cancelledBy;
  const cancelReason = optionalOneOf(o, 'cancel_reason', path, CANCEL_REASONS);
  if (cancelReason !== undefined) dispatch.cancel_reason = cancelReason;
  const charged = optionalField(o, 'charged', path, parseMoney);
  if (charged !== undefined) dispatch.charged = charged;
  return dispatch;
}

export function parseDispatchesResponse(value: unknown, path = '$'): DispatchesResponse {
  return { dispatches: list(object(value, path), 'dispatches', path, parseDispatch) };
}

export function parseTimelineEvent(value: unknown, path = '$'): TimelineEvent {
  const o = object(value, path);
  const kind = string(o, 'kind', path);
  const at = time(o, 'at', path);
  switch (kind) {
    case 'status': {
      const from = optionalOneOf(o, 'from', path, TRIP_STATUSES);
      return {
        kind,
        at,
        ...(from === undefined ? {} : { from }),
        to: oneOf(o, 'to', path, TRIP_STATUSES),
        node: string(o, 'node', path),
      };
    }
    case 'round':
      return {
        kind,
        at,
        round: count(o, 'round', path),
        radius_m: number(o, 'radius_m', path),
        found: count(o, 'found', path),
        node: string(o, 'node', path),
      };
    case 'offered':
      return {
        kind,
        at,
        driver_id: string(o, 'driver_id', path),
        driver_name: string(o, 'driver_name', path),
        round: count(o, 'round', path),
        distance_m: number(o, 'distance_m', path),
      };
    case 'offer_ended':
      return {
        kind,
        at,
        driver_id: string(o, 'driver_id', path),
        driver_name: string(o, 'driver_name', path),
        outcome: string(o, 'outcome', path),
      };
    default:
      // A new kind must not hide the rest of the timeline.
      return { kind: 'unknown', at, unknown_kind: kind };
  }
}

export function parseDispatchDetail(value: unknown, path = '$'): DispatchDetail {
  const o = object(value, path);
  return {
    dispatch: field(o, 'dispatch', path, parseDispatch),
    timeline: list(o, 'timeline', path, parseTimelineEvent),
  };
}

export function parseTask(value: unknown, path = '$'): TaskStats {
  const o = object(value, path);
  return {
    node: string(o, 'node', path),
    name: string(o, 'name', path),
    runs: count(o, 'runs', path),
    failures: count(o, 'failures', path),
    last_run_at: nullableTime(o, 'last_run_at', path),
    last_duration_ms: nullableNumber(o, 'last_duration_ms', path),
    mean_duration_ms: nullableNumber(o, 'mean_duration_ms', path),
    backlog: count(o, 'backlog', path),
    last_error: nullableString(o, 'last_error', path),
    ...parseTaskSchedule(o, path),
  };
}

export function parseTasksResponse(value: unknown, path = '$'): TasksResponse {
  return { tasks: list(object(value, path), 'tasks', path, parseTask) };
}

function parseMapDriver(value: unknown, path: string): MapDriver {
  const o = object(value, path);
  return { driver_id: string(o, 'driver_id', path), ...parsePosition(o, path) };
}

function parseMapPoint(value: unknown, path: string): MapPoint {
  return { ...parsePosition(value, path), at: time(object(value, path), 'at', path) };
}

function parseMapTrip(value: unknown, path: string): MapTrip {
  const o = object(value, path);
  return {
    trip_id: string(o, 'trip_id', path),
    status: oneOf(o, 'status', path, TRIP_STATUSES),
    pickup: field(o, 'pickup', path, parsePosition),
    dropoff: field(o, 'dropoff', path, parsePosition),
    driver: nullable(o, 'driver', path, parseMapPoint),
  };
}

export function parseMonitorMap(value: unknown, path = '$'): MonitorMap {
  const o = object(value, path);
  return { drivers: list(o, 'drivers', path, parseMapDriver), trips: list(o, 'trips', path, parseMapTrip) };
}

function parseSurgeCell(value: unknown, path: string): SurgeCell {
  const o = object(value, path);
  return {
    cell: string(o, 'cell', path),
    ...parsePosition(o, path),
    supply: count(o, 'supply', path),
    demand: count(o, 'demand', path),
    surge_bp: count(o, 'surge_bp', path),
  };
}

export function parseSurgeResponse(value: unknown, path = '$'): SurgeResponse {
  const o = object(value, path);
  const board: SurgeResponse = {
    resolution: count(o, 'resolution', path),
    demand_window_s: count(o, 'demand_window_s', path),
    cells: list(o, 'cells', path, parseSurgeCell),
  };
  const computedAt = optionalTime(o, 'computed_at', path);
  if (computedAt !== undefined) board.computed_at = computedAt;
  const computedBy = optionalString(o, 'computed_by', path);
  if (computedBy !== undefined) board.computed_by = computedBy;
  return board;
}

/** Parses one `data:` line of the stream (JSON text) with `parse`. */
export function parseEventData<T>(text: string, parse: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('$', 'not JSON');
  }
  return parse(value);
}
