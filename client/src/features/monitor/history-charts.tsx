// The stored history (issue 15): trips requested and completed, dispatch
// p99, GPS points and connections over 1 h / 24 h / 7 d from
// `/api/monitor/history`, re-read every stream tick, with the live stream's
// connections drawn on top after the newest stored bucket. Survives a page
// reload and a restart of every node.

import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { errorText, type Api } from '../../lib/api.ts';
import { HISTORY_RANGES, type HistoryRange } from '../../lib/history-protocol.ts';
import { historyApi } from './history-api.ts';
import { historySeries, type HistorySeries } from './history-series.ts';
import type { ThroughputSample } from './throughput-history.ts';
import { useLiveFetch } from './use-live-fetch.ts';

type Key = Exclude<keyof HistorySeries, 't'>;

const CHARTS: { title: string; lines: { label: string; key: Key; stroke: string }[] }[] = [
  {
    title: 'Trips',
    lines: [
      { label: 'requested', key: 'requested', stroke: '#1f6feb' },
      { label: 'completed', key: 'completed', stroke: '#2e7d32' },
    ],
  },
  { title: 'Dispatch p99 (ms)', lines: [{ label: 'p99', key: 'p99', stroke: '#c62828' }] },
  { title: 'GPS points', lines: [{ label: 'points', key: 'gps', stroke: '#b26a00' }] },
  { title: 'Connections', lines: [{ label: 'all nodes', key: 'connections', stroke: '#6a3fb5' }] },
];

const HEIGHT = 140;

function HistoryChart({ lines, series }: { lines: (typeof CHARTS)[number]['lines']; series: HistorySeries }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo<uPlot.AlignedData>(() => [series.t, ...lines.map((l) => series[l.key])], [series, lines]);
  const dataRef = useRef(data);
  dataRef.current = data;
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.stroke, width: 2, spanGaps: true }))],
        axes: [{}, { size: 50 }],
        legend: { show: true },
      },
      dataRef.current,
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [lines]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return <div ref={host} className="chart__plot" aria-hidden="true" />;
}

export interface HistoryChartsProps {
  api: Api;
  /** The stream's tick: the history is read again on each. */
  tick: number;
  samples: ThroughputSample[];
}

export function HistoryCharts({ api, tick, samples }: HistoryChartsProps) {
  const [range, setRange] = useState<HistoryRange>('1h');
  const reads = useMemo(() => historyApi(api), [api]);
  // Rollups are rewritten every 10 s by default: re-read every tenth tick.
  const read = useLiveFetch(range, (r) => reads.history(r as HistoryRange), Math.floor(tick / 10));
  const series = useMemo(() => historySeries(read.data, samples), [read.data, samples]);
  const buckets = read.data?.points.length ?? 0;
  return (
    <section aria-labelledby="monitor-history-title" className="panel monitor__panel">
      <div className="panel__head">
        <h2 id="monitor-history-title">History</h2>
        <div className="monitor__filters" role="group" aria-label="History range">
          {HISTORY_RANGES.map((r) => (
            <button key={r} type="button" className="small" aria-pressed={r === range} onClick={() => setRange(r)}>
              {r}
            </button>
          ))}
        </div>
      </div>
      {read.error !== null && (
        <p role="alert" className="error">
          History not read: {errorText(read.error)}
        </p>
      )}
      <p className="muted">
        {read.data === null
          ? 'Reading the stored history…'
          : `${buckets} stored ${read.data.bucket_secs >= 3600 ? `${read.data.bucket_secs / 3600} h` : `${read.data.bucket_secs / 60} min`} buckets, live on top`}
      </p>
      <div className="charts">
        {CHARTS.map((c) => (
          <figure key={c.title} className="chart">
            <figcaption>
              <strong>{c.title}</strong>
            </figcaption>
            <HistoryChart lines={c.lines} series={series} />
          </figure>
        ))}
      </div>
    </section>
  );
}
