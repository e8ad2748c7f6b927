import { describe, expect, it } from 'vitest';
import type { HistoryResponse } from '../../lib/history-protocol.ts';
import { nextPages, previousPages, searchPath } from './history-api.ts';
import { historySeries } from './history-series.ts';
import type { ThroughputSample } from './throughput-history.ts';

const zero = { requested: 0, accepted: 0, arrived: 0, in_progress: 0, completed: 0, cancelled: 0, expired: 0 };
const history: HistoryResponse = {
  range: '1h',
  bucket_secs: 60,
  from: '2026-12-02T17:00:00Z',
  to: '2026-12-02T18:00:30Z',
  points: [
    {
      at: '2026-12-02T17:58:00Z',
      trips: { ...zero, requested: 2, completed: 1 },
      dispatch_latency: { p50_ms: 100, p90_ms: 200, p99_ms: 300, samples: 2 },
      gps_points: 40,
      connections: [
        { node: 'a', connections: 3 },
        { node: 'b', connections: 4 },
      ],
    },
    { at: '2026-12-02T17:59:00Z', trips: zero, dispatch_latency: null, gps_points: 0, connections: [] },
  ],
};

function sample(iso: string, riders: number): ThroughputSample {
  return { at: Date.parse(iso), messagesIn: 0, messagesOut: 0, riders, drivers: 1, admins: 1, tripsActive: 0 };
}

describe('historySeries', () => {
  it('draws stored buckets, then live samples after the newest bucket', () => {
    const live = [sample('2026-12-02T17:59:30Z', 9), sample('2026-12-02T18:00:10Z', 5)];
    const s = historySeries(history, live);
    expect(s.t).toEqual([
      Date.parse('2026-12-02T17:58:00Z') / 1000,
      Date.parse('2026-12-02T17:59:00Z') / 1000,
      Date.parse('2026-12-02T18:00:10Z') / 1000,
    ]);
    expect(s.requested).toEqual([2, 0, null]);
    expect(s.p99).toEqual([300, null, null]);
    expect(s.connections).toEqual([7, 0, 7]);
  });

  it('is the live stream alone before the history arrives', () => {
    const s = historySeries(null, [sample('2026-12-02T18:00:10Z', 2)]);
    expect(s.connections).toEqual([4]);
    expect(s.gps).toEqual([null]);
  });
});

describe('trip search paths and pages', () => {
  it('leaves defaults out', () => {
    expect(searchPath('  ', 'newest', null, 50)).toBe('/api/monitor/trips?limit=50');
    expect(searchPath('status:completed rider:"Ada L"', 'oldest', 'abc', 20)).toBe(
      '/api/monitor/trips?q=status%3Acompleted+rider%3A%22Ada+L%22&sort=oldest&cursor=abc&limit=20',
    );
  });

  it('keeps a stack of cursors', () => {
    const pages = nextPages([null], 'c1');
    expect(pages).toEqual([null, 'c1']);
    expect(nextPages(pages, null)).toEqual(pages);
    expect(previousPages(pages)).toEqual([null]);
    expect(previousPages([null])).toEqual([null]);
  });
});
