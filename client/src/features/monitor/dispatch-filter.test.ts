import { describe, expect, it } from 'vitest';
import type { Dispatch } from '../../lib/monitor-protocol.ts';
import {
  dispatchesPath,
  matchesFilter,
  newestFirst,
  parseLimit,
  parseOutcomeFilter,
  visibleDispatches,
  type Received,
} from './dispatch-filter.ts';

function dispatch(n: number, outcome: Dispatch['outcome'] = 'searching', overrides: Partial<Dispatch> = {}): Dispatch {
  return {
    trip_id: `0193a4c2-7d2e-7f00-8a10-00000000000${n}`,
    status: outcome === 'searching' ? 'requested' : outcome === 'accepted' ? 'accepted' : outcome,
    outcome,
    requested_at: `2026-11-29T01:10:0${n}Z`,
    rounds: 1,
    radius_m: 3000,
    offered: 0,
    declined: 0,
    time_to_accept_ms: null,
    node: 'node-a',
    ...overrides,
  };
}

const got = (at: number, ...dispatches: Dispatch[]): Received => ({ at, dispatches });
const ids = (list: Dispatch[] | null) => list?.map((d) => d.trip_id.slice(-1));

describe('parsing the controls', () => {
  it('reads the outcome select, unknown values meaning all', () => {
    expect(parseOutcomeFilter('expired')).toBe('expired');
    expect(parseOutcomeFilter('all')).toBe('all');
    expect(parseOutcomeFilter('teleported')).toBe('all');
  });

  it('reads the limit, out of range meaning the stream limit', () => {
    expect(parseLimit('200')).toBe(200);
    expect(parseLimit('0')).toBe(50);
    expect(parseLimit('501')).toBe(50);
    expect(parseLimit('x')).toBe(50);
  });
});

describe('dispatchesPath', () => {
  it('uses the stream for all outcomes at the stream limit', () => {
    expect(dispatchesPath('all', 50)).toBeNull();
  });

  it('fetches a filter or a longer list', () => {
    expect(dispatchesPath('accepted', 50)).toBe('/api/monitor/dispatches?status=accepted&limit=50');
    expect(dispatchesPath('all', 200)).toBe('/api/monitor/dispatches?limit=200');
  });
});

describe('matchesFilter and order', () => {
  it('matches on the outcome', () => {
    expect(matchesFilter(dispatch(1, 'expired'), 'expired')).toBe(true);
    expect(matchesFilter(dispatch(1, 'expired'), 'accepted')).toBe(false);
    expect(matchesFilter(dispatch(1, 'expired'), 'all')).toBe(true);
  });

  it('sorts newest first, by id on a tie', () => {
    const same = { requested_at: '2026-11-29T01:10:00Z' };
    const list = [dispatch(1), dispatch(3), dispatch(2, 'searching', same), dispatch(4, 'searching', same)];
    expect(ids(list.sort(newestFirst))).toEqual(['3', '1', '4', '2']);
  });
});

describe('visibleDispatches', () => {
  const stream = got(100, dispatch(3, 'accepted'), dispatch(2, 'searching'), dispatch(1, 'expired'));

  it('is the stream list without a filter', () => {
    expect(ids(visibleDispatches('all', 50, stream, null))).toEqual(['3', '2', '1']);
    expect(visibleDispatches('all', 50, null, null)).toBeNull();
  });

  it("filters the stream's list until the first fetch answers", () => {
    expect(ids(visibleDispatches('accepted', 50, stream, null))).toEqual(['3']);
    expect(visibleDispatches('accepted', 50, null, null)).toBeNull();
  });

  it('shows the fetched list when it is the fresher one', () => {
    const fetched = got(200, dispatch(3, 'accepted'), dispatch(0, 'accepted'));
    expect(ids(visibleDispatches('accepted', 50, stream, fetched))).toEqual(['3', '0']);
  });

  it('lets a fresher stream update rows, drop ones that left the filter and add new ones', () => {
    const fetched = got(50, dispatch(2, 'searching'), dispatch(0, 'searching'));
    // Since the fetch, trip 2 was accepted and trip 4 came in.
    const later = got(100, dispatch(4, 'searching'), dispatch(2, 'accepted'));
    expect(ids(visibleDispatches('searching', 50, later, fetched))).toEqual(['4', '0']);
    expect(ids(visibleDispatches('accepted', 50, later, got(50)))).toEqual(['2']);
  });

  it('adds no stream row older than the end of a full page', () => {
    const fetched = got(50, dispatch(5, 'expired'), dispatch(4, 'expired'));
    const later = got(100, dispatch(6, 'expired'), dispatch(1, 'expired'));
    expect(ids(visibleDispatches('expired', 2, later, fetched))).toEqual(['6', '5']);
    expect(ids(visibleDispatches('expired', 3, later, fetched))).toEqual(['6', '5', '4']);
    expect(ids(visibleDispatches('expired', 10, later, fetched))).toEqual(['6', '5', '4', '1']);
  });
});
