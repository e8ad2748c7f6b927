// The history charts' series (issue 15): the stored per-minute rollups of
// `/api/monitor/history`, with the live stream's samples on top for the
// time after the newest stored bucket. Pure: no React, no uPlot.

import type { HistoryResponse } from '../../lib/history-protocol.ts';
import type { ThroughputSample } from './throughput-history.ts';

export interface HistorySeries {
  /** Seconds since the epoch (uPlot's time axis). */
  t: number[];
  requested: (number | null)[];
  completed: (number | null)[];
  /** Dispatch p99 in ms; `null` where nothing was accepted. */
  p99: (number | null)[];
  gps: (number | null)[];
  /** Connections on all nodes: stored (per bucket, the most each node had) then live. */
  connections: (number | null)[];
}

export function historySeries(history: HistoryResponse | null, live: ThroughputSample[]): HistorySeries {
  const s: HistorySeries = { t: [], requested: [], completed: [], p99: [], gps: [], connections: [] };
  let storedUntil = -Infinity;
  for (const p of history?.points ?? []) {
    const at = Date.parse(p.at);
    s.t.push(at / 1000);
    s.requested.push(p.trips.requested);
    s.completed.push(p.trips.completed);
    s.p99.push(p.dispatch_latency?.p99_ms ?? null);
    s.gps.push(p.gps_points);
    s.connections.push(p.connections.reduce((sum, c) => sum + c.connections, 0));
    storedUntil = at + (history?.bucket_secs ?? 60) * 1000;
  }
  const from = history === null ? -Infinity : Date.parse(history.from);
  for (const sample of live) {
    if (sample.at < storedUntil || sample.at < from) continue;
    s.t.push(sample.at / 1000);
    s.requested.push(null);
    s.completed.push(null);
    s.p99.push(null);
    s.gps.push(null);
    s.connections.push(sample.riders + sample.drivers + sample.admins);
  }
  return s;
}
