// The dispatch list, like Flower's task list: one row per trip, newest
// first, its outcome and how the search went. Filters: outcome and limit.
// A row (or its "Details" button) opens the trip's timeline. Rows carry the
// full trip id in `data-trip-id`; the cell shows its random tail.

import type { Dispatch } from '../../lib/monitor-protocol.ts';
import { LIMITS, OUTCOME_FILTERS, parseLimit, parseOutcomeFilter, type OutcomeFilter } from './dispatch-filter.ts';
import { clockTime, formatMs, formatRadius, fullTime, shortId } from './format.ts';

export interface DispatchTableProps {
  /** `null` while nothing has arrived yet. */
  rows: Dispatch[] | null;
  filter: OutcomeFilter;
  limit: number;
  onFilter: (filter: OutcomeFilter) => void;
  onLimit: (limit: number) => void;
  selectedId: string | null;
  onSelect: (tripId: string) => void;
  /** The filtered read failed (the rows shown may be older). */
  error: string | null;
}

const FILTER_TEXT: Record<OutcomeFilter, string> = {
  all: 'All',
  searching: 'searching',
  accepted: 'accepted',
  expired: 'expired',
  cancelled: 'cancelled',
};

export function DispatchTable({
  rows,
  filter,
  limit,
  onFilter,
  onLimit,
  selectedId,
  onSelect,
  error,
}: DispatchTableProps) {
  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-dispatches-title">
      <div className="panel__head">
        <h2 id="monitor-dispatches-title">Dispatches</h2>
        <div className="monitor__filters">
          <label>
            Outcome{' '}
            <select value={filter} onChange={(e) => onFilter(parseOutcomeFilter(e.target.value))}>
              {OUTCOME_FILTERS.map((f) => (
                <option key={f} value={f}>
                  {FILTER_TEXT[f]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Limit{' '}
            <select value={limit} onChange={(e) => onLimit(parseLimit(e.target.value))}>
              {LIMITS.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {error !== null && (
        <p role="alert" className="error">
          Could not read the dispatches: {error}
        </p>
      )}
      <div className="table-scroll table-scroll--tall">
        <table aria-label="Dispatches" className="grid-table grid-table--rows">
          <thead>
            <tr>
              <th scope="col">Trip</th>
              <th scope="col">Requested</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Rounds
              </th>
              <th scope="col" className="num">
                Radius
              </th>
              <th scope="col" className="num">
                Offered
              </th>
              <th scope="col" className="num">
                Declined
              </th>
              <th scope="col" className="num">
                To accept
              </th>
              <th scope="col">Node</th>
              <th scope="col">
                <span className="visually-hidden">Timeline</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(rows ?? []).map((d) => (
              <tr
                key={d.trip_id}
                data-trip-id={d.trip_id}
                aria-current={d.trip_id === selectedId ? 'true' : undefined}
                className={d.trip_id === selectedId ? 'row--selected' : undefined}
                onClick={() => onSelect(d.trip_id)}
              >
                <td>
                  <code title={d.trip_id}>{shortId(d.trip_id)}</code>
                </td>
                <td title={fullTime(d.requested_at)}>{clockTime(d.requested_at)}</td>
                <td>
                  <span className={`status status--outcome-${d.outcome}`}>{d.outcome}</span>
                </td>
                <td>{d.status.replace('_', ' ')}</td>
                <td className="num">{d.rounds}</td>
                <td className="num">{formatRadius(d.radius_m)}</td>
                <td className="num">{d.offered}</td>
                <td className="num">{d.declined}</td>
                <td className="num">{formatMs(d.time_to_accept_ms)}</td>
                <td>{d.node}</td>
                <td>
                  <button
                    type="button"
                    className="small"
                    aria-pressed={d.trip_id === selectedId}
                    onClick={(e) => {
                      e.stopPropagation();
                      onSelect(d.trip_id);
                    }}
                  >
                    Details
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows === null && <p className="muted">Waiting for the first dispatches…</p>}
      {rows !== null && rows.length === 0 && (
        <p className="muted">{filter === 'all' ? 'No trip has been requested yet.' : `No dispatch is ${filter}.`}</p>
      )}
    </section>
  );
}
