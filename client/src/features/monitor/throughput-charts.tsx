// The throughput charts (uPlot, canvas): messages in/out per second,
// connections by role, active trips, over the last ten minutes of the
// stream's overviews. A canvas says nothing to a screen reader, so each
// chart's caption carries the latest values in words.

import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatRate } from './format.ts';
import { seriesOf, type ThroughputSample, type ThroughputSeries } from './throughput-history.ts';

interface Line {
  label: string;
  key: Exclude<keyof ThroughputSeries, 't'>;
  stroke: string;
}

interface ChartSpec {
  title: string;
  lines: Line[];
  /** The latest values in words. */
  summary: (s: ThroughputSample) => string;
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Messages per second',
    lines: [
      { label: 'in', key: 'messagesIn', stroke: '#1f6feb' },
      { label: 'out', key: 'messagesOut', stroke: '#b26a00' },
    ],
    summary: (s) => `in ${formatRate(s.messagesIn)}, out ${formatRate(s.messagesOut)}`,
  },
  {
    title: 'Connections',
    lines: [
      { label: 'riders', key: 'riders', stroke: '#2e7d32' },
      { label: 'drivers', key: 'drivers', stroke: '#1f6feb' },
      { label: 'admins', key: 'admins', stroke: '#6a3fb5' },
    ],
    summary: (s) => `riders ${s.riders}, drivers ${s.drivers}, admins ${s.admins}`,
  },
  {
    // Requested, accepted, arrived or in progress.
    title: 'Active trips',
    lines: [{ label: 'active', key: 'tripsActive', stroke: '#c62828' }],
    summary: (s) => `${s.tripsActive} not yet over`,
  },
];

const HEIGHT = 160;

function Chart({ spec, series }: { spec: ChartSpec; series: ThroughputSeries }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo<uPlot.AlignedData>(() => [series.t, ...spec.lines.map((l) => series[l.key])], [series, spec]);
  const dataRef = useRef(data);
  dataRef.current = data;

  // One plot per chart for the page's life; the data changes, the plot stays.
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{}, ...spec.lines.map((l) => ({ label: l.label, stroke: l.stroke, width: 2, spanGaps: false }))],
        axes: [{}, { size: 50 }],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
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
  }, [spec]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={host} className="chart__plot" aria-hidden="true" />;
}

export function ThroughputCharts({ samples }: { samples: ThroughputSample[] }) {
  const series = useMemo(() => seriesOf(samples), [samples]);
  const latest = samples.at(-1);
  return (
    <section aria-label="Throughput" className="panel monitor__panel">
      <div className="panel__head">
        <h2>Throughput</h2>
        <span className="muted">last 10 minutes, since this page opened</span>
      </div>
      <div className="charts">
        {CHARTS.map((spec) => (
          <figure key={spec.title} className="chart">
            <figcaption>
              <strong>{spec.title}</strong>{' '}
              <span className="muted">{latest === undefined ? 'no data yet' : spec.summary(latest)}</span>
            </figcaption>
            <Chart spec={spec} series={series} />
          </figure>
        ))}
      </div>
    </section>
  );
}
