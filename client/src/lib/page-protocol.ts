// The monitor's pages (issue 15): one trip in full
// (`GET /api/monitor/trips/{id}`), one user (`/api/monitor/users/{id}`) and one
// node (`/api/monitor/nodes/{id}`), as TypeScript types and runtime parsers.
// Types are generated from `protocol/src/history.rs` into `./generated/wire.ts`
// (`make ts-types`); the parsers return them, so drift is a `tsc` error.
// Apart from `history-protocol.ts`, which `monitor-protocol.ts` imports.

import { array, boolean, field, nullable, object, string, type JsonObject } from './decode.ts';
import type * as Wire from './generated/wire.ts';
import { parseDispatchDetail, parseNode, parseTask, type DispatchDetail } from './monitor-protocol.ts';
import { parseAuditEntry } from './operator-protocol.ts';
import { parseTrip, parseUser } from './protocol.ts';
import { parseRatingSummary } from './ride-fields.ts';
import { parseRating } from './ride-protocol.ts';

/** The dispatch as `monitor-protocol.ts` reads it (a timeline event of a new
 *  kind is kept as `unknown`, which the generated type does not know). */
export type TripDetailResponse = Omit<Wire.TripDetailResponse, 'dispatch'> & { dispatch: DispatchDetail | null };
export type UserPageResponse = Wire.UserPageResponse;
export type NodePageResponse = Wire.NodePageResponse;

function list<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return array(o[key], `${path}.${key}`).map((v, i) => parse(v, `${path}.${key}[${i}]`));
}

/** An additive list: absent reads as empty, as the server's `serde(default)`. */
function additiveList<T>(o: JsonObject, key: string, path: string, parse: (value: unknown, path: string) => T): T[] {
  return o[key] === undefined ? [] : list(o, key, path, parse);
}

export function parseTripDetailResponse(value: unknown, path = '$'): TripDetailResponse {
  const o = object(value, path);
  return {
    trip: field(o, 'trip', path, parseTrip),
    dispatch: nullable(o, 'dispatch', path, parseDispatchDetail),
    ratings: list(o, 'ratings', path, parseRating),
    audit: additiveList(o, 'audit', path, parseAuditEntry),
  };
}

export function parseUserPageResponse(value: unknown, path = '$'): UserPageResponse {
  const o = object(value, path);
  const cursor = o.next_cursor;
  return {
    user: field(o, 'user', path, parseUser),
    rating: nullable(o, 'rating', path, parseRatingSummary),
    trips: list(o, 'trips', path, parseTrip),
    next_cursor: cursor === null || cursor === undefined ? null : string(o, 'next_cursor', path),
    ratings: list(o, 'ratings', path, parseRating),
    suspended: o.suspended === undefined ? false : boolean(o, 'suspended', path),
    audit: additiveList(o, 'audit', path, parseAuditEntry),
  };
}

export function parseNodePageResponse(value: unknown, path = '$'): NodePageResponse {
  const o = object(value, path);
  return {
    node: field(o, 'node', path, parseNode),
    tasks: list(o, 'tasks', path, parseTask),
    trips: list(o, 'trips', path, parseTrip),
  };
}
