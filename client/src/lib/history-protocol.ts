// The monitor's history (`GET /api/monitor/history`) and the Flower-style
// task fields (`interval_ms`, `state`, `next_run_at`, `recent`) as
// TypeScript types and runtime parsers. Types are generated from
// `protocol/src/history.rs` and `protocol/src/monitor.rs` into
// `./generated/wire.ts`; checked against `protocol/fixtures/http-history-*.json`
// and `http-monitor-tasks-*.json` by `protocol.test.ts`.

import {
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
import { parseTrip } from './protocol.ts';

export type HistoryRange = Wire.HistoryRange;
export const HISTORY_RANGES = allOf<HistoryRange>()(['1h', '24h', '7d']);
export type Latency = Wire.Latency;
export type NodeConnections = Wire.NodeConnections;
export type HistoryPoint = Wire.HistoryPoint;
export type HistoryResponse = Wire.HistoryResponse;
export type TaskState = Wire.TaskState;
export const TASK_STATES = allOf<TaskState>()(['ok', 'failed']);
export type TaskRun = Wire.TaskRun;

function list<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return array(o[key], `${path}.${key}`).map((v, i) => parse(v, `${path}.${key}[${i}]`));
}

function parseTrips(value: unknown, path: string): Wire.TripCounts {
  const o = object(value, path);
  return {
    requested: count(o, 'requested', path),
    accepted: count(o, 'accepted', path),
    arrived: count(o, 'arrived', path),
    in_progress: count(o, 'in_progress', path),
    completed: count(o, 'completed', path),
    cancelled: count(o, 'cancelled', path),
    expired: count(o, 'expired', path),
  };
}

function parseLatency(value: unknown, path: string): Latency {
  const o = object(value, path);
  return {
    p50_ms: number(o, 'p50_ms', path),
    p90_ms: number(o, 'p90_ms', path),
    p99_ms: number(o, 'p99_ms', path),
    samples: count(o, 'samples', path),
  };
}

function parseNodeConnections(value: unknown, path: string): NodeConnections {
  const o = object(value, path);
  return { node: string(o, 'node', path), connections: count(o, 'connections', path) };
}

function parsePoint(value: unknown, path: string): HistoryPoint {
  const o = object(value, path);
  return {
    at: time(o, 'at', path),
    trips: field(o, 'trips', path, parseTrips),
    dispatch_latency: nullable(o, 'dispatch_latency', path, parseLatency),
    gps_points: count(o, 'gps_points', path),
    connections: list(o, 'connections', path, parseNodeConnections),
  };
}

/** `GET /api/monitor/history?range=`. */
export function parseHistoryResponse(value: unknown, path = '$'): HistoryResponse {
  const o = object(value, path);
  return {
    range: oneOf(o, 'range', path, HISTORY_RANGES),
    bucket_secs: count(o, 'bucket_secs', path),
    from: time(o, 'from', path),
    to: time(o, 'to', path),
    points: list(o, 'points', path, parsePoint),
  };
}

function parseTaskRun(value: unknown, path: string): TaskRun {
  const o = object(value, path);
  const error = optionalString(o, 'error', path);
  return {
    at: time(o, 'at', path),
    state: oneOf(o, 'state', path, TASK_STATES),
    duration_ms: number(o, 'duration_ms', path),
    ...(error === undefined ? {} : { error }),
  };
}

/** The optional schedule fields of a `TaskStats` (absent ones stay absent). */
export function parseTaskSchedule(
  o: JsonObject,
  path: string,
): Pick<Wire.TaskStats, 'interval_ms' | 'state' | 'next_run_at' | 'recent'> {
  const out: Pick<Wire.TaskStats, 'interval_ms' | 'state' | 'next_run_at' | 'recent'> = {};
  const interval = optionalNumber(o, 'interval_ms', path);
  if (interval !== undefined) out.interval_ms = interval;
  const state = optionalOneOf(o, 'state', path, TASK_STATES);
  if (state !== undefined) out.state = state;
  const next = optionalTime(o, 'next_run_at', path);
  if (next !== undefined) out.next_run_at = next;
  if (o.recent !== undefined) out.recent = list(o, 'recent', path, parseTaskRun);
  return out;
}

/** `GET /api/monitor/trips?q=&sort=&cursor=&limit=`. */
export type TripSearchResponse = Wire.TripSearchResponse;

export function parseTripSearchResponse(value: unknown, path = '$'): TripSearchResponse {
  const o = object(value, path);
  const cursor = o.next_cursor;
  return {
    trips: list(o, 'trips', path, parseTrip),
    next_cursor: cursor === null || cursor === undefined ? null : string(o, 'next_cursor', path),
  };
}
