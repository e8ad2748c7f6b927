// One dispatch in detail: its figures and its timeline, oldest first, each
// event with its time, its offset from the request and the node that did it.
// The app re-reads it on every stream tick while it is open.

import { useEffect, useRef } from 'react';
import type { DispatchDetail } from '../../lib/monitor-protocol.ts';
import { formatMs, formatRadius, fullTime, shortId } from './format.ts';
import { timelineLines } from './timeline-format.ts';

export interface DispatchTimelineProps {
  tripId: string;
  /** `null` until the first read answers. */
  detail: DispatchDetail | null;
  error: string | null;
  onClose: () => void;
}

export function DispatchTimeline({ tripId, detail, error, onClose }: DispatchTimelineProps) {
  const d = detail?.dispatch;
  // Opened from a row far up the list (or from the map): bring it into view,
  // once per trip, not on every re-read.
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = section.current;
    if (el !== null && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [tripId]);
  return (
    <section ref={section} aria-label="Dispatch timeline" className="panel monitor__panel timeline-panel">
      <div className="panel__head">
        <h2>
          Trip <code title={tripId}>{shortId(tripId)}</code>
        </h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted timeline-panel__id">{tripId}</p>
      {error !== null && (
        <p role="alert" className="error">
          Could not read the timeline: {error}
        </p>
      )}
      {d !== undefined && (
        <dl className="facts">
          <dt>Outcome</dt>
          <dd>
            <span className={`status status--outcome-${d.outcome}`}>{d.outcome}</span> (trip{' '}
            {d.status.replace('_', ' ')})
          </dd>
          <dt>Requested</dt>
          <dd>
            {fullTime(d.requested_at)} on {d.node}
          </dd>
          <dt>Search</dt>
          <dd>
            {d.rounds} {d.rounds === 1 ? 'round' : 'rounds'}, up to {formatRadius(d.radius_m)}
          </dd>
          <dt>Offers</dt>
          <dd>
            {d.offered} offered, {d.declined} declined
          </dd>
          <dt>To accept</dt>
          <dd>{formatMs(d.time_to_accept_ms)}</dd>
        </dl>
      )}
      {detail === null && error === null && <p className="muted">Loading…</p>}
      {detail !== null && (
        <ol className="timeline">
          {timelineLines(detail.timeline).map((line) => (
            <li key={line.key} className={`timeline__item timeline__item--${line.tone}`}>
              <time dateTime={line.at} className="timeline__time">
                {line.time}
              </time>
              <span className="timeline__offset muted">{line.offset}</span>
              <span className="timeline__text">{line.text}</span>
              {line.node !== undefined && <span className="timeline__node muted">{line.node}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
