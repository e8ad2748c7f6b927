// The operator API (`/api/monitor/me`, `/api/monitor/actions/...`,
// `/api/monitor/audit`) as TypeScript types and runtime parsers. The types are
// generated from `protocol/src/operator.rs` into `./generated/wire.ts`
// (`make ts-types`); the parsers return them, so drift is a `tsc` error.
// Checked against `protocol/fixtures/http-operator-*.json` by `protocol.test.ts`.

import {
  ProtocolError,
  allOf,
  array,
  count,
  field,
  number,
  object,
  oneOf,
  optionalString,
  string,
  time,
} from './decode.ts';
import type * as Wire from './generated/wire.ts';

/** `viewer` reads; `operator` also acts. */
export type MonitorRole = Wire.MonitorRole;
export const MONITOR_ROLES = allOf<MonitorRole>()(['viewer', 'operator']);

export type ActionKind = Wire.ActionKind;
export const ACTION_KINDS = allOf<ActionKind>()([
  'cancel_trip',
  'redispatch',
  'disconnect',
  'suspend',
  'unsuspend',
  'drain_node',
]);

export type ActionResult = Wire.ActionResult;
export const ACTION_RESULTS = allOf<ActionResult>()(['done', 'unchanged', 'refused']);

export type MonitorMe = Wire.MonitorMe;
export type AuditEntry = Wire.AuditEntry;
export type ActionResponse = Wire.ActionResponse;
export type AuditResponse = Wire.AuditResponse;

/** An `i64` id: an integer (the server numbers entries from 1). */
function integer(o: Record<string, unknown>, key: string, path: string): number {
  const n = number(o, key, path);
  if (!Number.isInteger(n)) throw new ProtocolError(`${path}.${key}`, 'expected an integer');
  return n;
}

export function parseMonitorMe(value: unknown, path = '$'): MonitorMe {
  const o = object(value, path);
  return {
    id: string(o, 'id', path),
    username: string(o, 'username', path),
    role: oneOf(o, 'role', path, MONITOR_ROLES),
  };
}

export function parseAuditEntry(value: unknown, path = '$'): AuditEntry {
  const o = object(value, path);
  const entry: AuditEntry = {
    id: integer(o, 'id', path),
    at: time(o, 'at', path),
    actor_id: string(o, 'actor_id', path),
    actor_username: string(o, 'actor_username', path),
    action: oneOf(o, 'action', path, ACTION_KINDS),
    target: string(o, 'target', path),
    result: oneOf(o, 'result', path, ACTION_RESULTS),
  };
  const detail = optionalString(o, 'detail', path);
  if (detail !== undefined) entry.detail = detail;
  return entry;
}

export function parseActionResponse(value: unknown, path = '$'): ActionResponse {
  return { entry: field(object(value, path), 'entry', path, parseAuditEntry) };
}

export function parseAuditResponse(value: unknown, path = '$'): AuditResponse {
  const o = object(value, path);
  const entries = array(o.entries, `${path}.entries`).map((v, i) => parseAuditEntry(v, `${path}.entries[${i}]`));
  const out: AuditResponse = { entries };
  if (o.next_before !== undefined && o.next_before !== null) out.next_before = count(o, 'next_before', path);
  return out;
}
