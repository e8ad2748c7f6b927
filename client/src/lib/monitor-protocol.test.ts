import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './decode.ts';
import {
  parseDispatch,
  parseDispatchDetail,
  parseDispatchesResponse,
  parseEventData,
  parseMonitorMap,
  parseOverview,
  parseTasksResponse,
  parseTimelineEvent,
  type Dispatch,
} from './monitor-protocol.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../protocol/fixtures');
const fixture = (name: string): unknown => (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as unknown[])[0];

const overview = fixture('http-monitor-overview') as Record<string, unknown>;
const dispatches = fixture('http-monitor-dispatches') as { dispatches: Record<string, unknown>[] };
const dispatch = dispatches.dispatches[0]!;

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('monitor parsers read the fixtures into typed values', () => {
  it('overview: nodes, totals, the 7 trip statuses, drivers', () => {
    const o = parseOverview(overview);
    expect(o.nodes.map((n) => [n.id, n.status])).toEqual([
      ['node-a', 'up'],
      ['node-b', 'down'],
    ]);
    expect(o.totals.connections).toEqual({ rider: 120, driver: 80, admin: 1 });
    expect(Object.keys(o.trips)).toHaveLength(7);
    expect(o.trips.in_progress).toBe(7);
    expect(o.drivers).toEqual({ online: 80, available: 61 });
  });

  it('dispatches: nulls stay null (no radius before the first round, no accept yet)', () => {
    const d = parseDispatchesResponse(dispatches).dispatches;
    expect(d[0]).toMatchObject({ outcome: 'searching', time_to_accept_ms: null, radius_m: 6000 });
    expect(parseDispatch({ ...dispatch, radius_m: null }).radius_m).toBeNull();
  });

  it('a detail: the timeline oldest first, each kind with its fields', () => {
    const detail = parseDispatchDetail(fixture('http-monitor-dispatch-detail'));
    expect(detail.timeline.map((e) => e.kind)).toEqual(['status', 'round', 'offered', 'offer_ended', 'status']);
    expect(detail.timeline[0]).not.toHaveProperty('from');
    expect(detail.timeline[4]).toMatchObject({ from: 'requested', to: 'accepted', node: 'node-a' });
  });

  it('tasks and the map', () => {
    const tasks = parseTasksResponse(fixture('http-monitor-tasks')).tasks;
    expect(tasks[1]).toMatchObject({ last_run_at: null, last_error: null, mean_duration_ms: null });
    const map = parseMonitorMap(fixture('http-monitor-map'));
    expect(map.trips[0]!.driver).toBeNull();
    expect(map.trips[1]!.driver).toEqual({ lat: 52.507, lng: 13.386, at: '2026-11-29T01:29:58Z' });
  });
});

describe('monitor parsers reject what is off-contract', () => {
  it('an unknown node status or outcome', () => {
    const nodes = overview.nodes as Record<string, unknown>[];
    const bad = { ...overview, nodes: [{ ...nodes[0], status: 'sleepy' }] };
    expect(protocolError(() => parseOverview(bad)).path).toBe('$.nodes[0].status');
    expect(protocolError(() => parseDispatch({ ...dispatch, outcome: 'maybe' })).path).toBe('$.outcome');
  });

  it('counts that are negative or fractional', () => {
    expect(protocolError(() => parseDispatch({ ...dispatch, rounds: -1 })).message).toContain('non-negative integer');
    expect(protocolError(() => parseDispatch({ ...dispatch, offered: 1.5 })).path).toBe('$.offered');
    expect(() => parseDispatch({ ...dispatch, time_to_accept_ms: 2.5 })).toThrow(ProtocolError);
  });

  it('a missing trip count, a missing field, a bad time, a position out of range', () => {
    const { expired: _, ...six } = overview.trips as Record<string, number>;
    expect(protocolError(() => parseOverview({ ...overview, trips: six })).path).toBe('$.trips.expired');
    const { node: __, ...noNode } = dispatch;
    expect(protocolError(() => parseDispatch(noNode)).path).toBe('$.node');
    expect(() => parseDispatch({ ...dispatch, requested_at: 'noon' })).toThrow(/RFC 3339/);
    expect(() => parseMonitorMap({ drivers: [{ driver_id: 'd', lat: 95, lng: 0 }], trips: [] })).toThrow(
      /\$\.drivers\[0\]\.lat/,
    );
  });

  it('a list that is not a list', () => {
    expect(protocolError(() => parseTasksResponse({ tasks: {} })).path).toBe('$.tasks');
  });
});

describe('monitor parse leniency', () => {
  it('ignores unknown fields', () => {
    const d: Dispatch = parseDispatch({ ...dispatch, surge: 2 });
    expect(d).not.toHaveProperty('surge');
  });

  it('reads an absent Option as null, like serde', () => {
    const { radius_m: _, time_to_accept_ms: __, ...without } = dispatch;
    expect(parseDispatch(without)).toMatchObject({ radius_m: null, time_to_accept_ms: null });
  });

  it('keeps a timeline event of a kind it does not know, so the rest still shows', () => {
    expect(parseTimelineEvent({ kind: 'surge_priced', at: '2026-11-29T01:10:00Z', factor: 2 })).toEqual({
      kind: 'unknown',
      at: '2026-11-29T01:10:00Z',
      unknown_kind: 'surge_priced',
    });
    expect(() => parseTimelineEvent({ kind: 'round', at: '2026-11-29T01:10:00Z' })).toThrow(ProtocolError);
  });

  it('parses stream data text, and says when it is not JSON', () => {
    expect(parseEventData('{"tasks":[]}', parseTasksResponse)).toEqual({ tasks: [] });
    expect(protocolError(() => parseEventData('{', parseTasksResponse)).message).toContain('not JSON');
  });
});
