// Which dispatches the list shows, and where they come from. With no filter
// and the stream's limit the stream's list (the newest 50, every heartbeat)
// is the list. With an outcome or a longer limit the list is fetched from
// `GET /api/monitor/dispatches` on each stream tick; between two fetches the
// fresher of the two lists wins, so a status change shows at once either way.

import { DISPATCH_OUTCOMES, type Dispatch, type DispatchOutcome } from '../../lib/monitor-protocol.ts';

export const OUTCOME_FILTERS = ['all', ...DISPATCH_OUTCOMES] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

/** How many dispatches the stream sends with each heartbeat. */
export const STREAM_LIMIT = 50;
/** The limits offered (the server takes 1..500). */
export const LIMITS = [50, 100, 200, 500] as const;

/** A `<select>` value as a filter; anything unknown is "all". */
export function parseOutcomeFilter(value: string): OutcomeFilter {
  return (OUTCOME_FILTERS as readonly string[]).includes(value) ? (value as OutcomeFilter) : 'all';
}

export function parseLimit(value: string): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 500 ? n : STREAM_LIMIT;
}

/** The query to fetch, or `null` when the stream's list is the list. */
export function dispatchesPath(filter: OutcomeFilter, limit: number): string | null {
  if (filter === 'all' && limit <= STREAM_LIMIT) return null;
  const params = new URLSearchParams();
  if (filter !== 'all') params.set('status', filter);
  params.set('limit', String(limit));
  return `/api/monitor/dispatches?${params.toString()}`;
}

export function matchesFilter(dispatch: Dispatch, filter: OutcomeFilter): boolean {
  return filter === 'all' || dispatch.outcome === (filter satisfies DispatchOutcome);
}

/** Newest first, as the server orders them: by request time, then by id (UUIDv7). */
export function newestFirst(a: Dispatch, b: Dispatch): number {
  const byTime = Date.parse(b.requested_at) - Date.parse(a.requested_at);
  if (byTime !== 0) return byTime;
  return a.trip_id < b.trip_id ? 1 : a.trip_id > b.trip_id ? -1 : 0;
}

/** A list and when it arrived (local ms). */
export interface Received {
  at: number;
  dispatches: Dispatch[];
}

/**
 * The rows to show. `stream`: the stream's latest list (the newest 50, no
 * filter); `fetched`: the latest answer for this filter and limit, if any.
 * `null` when there is nothing to show yet.
 */
export function visibleDispatches(
  filter: OutcomeFilter,
  limit: number,
  stream: Received | null,
  fetched: Received | null,
): Dispatch[] | null {
  const fromStream = (r: Received) => r.dispatches.filter((d) => matchesFilter(d, filter)).slice(0, limit);
  if (dispatchesPath(filter, limit) === null) return stream === null ? null : fromStream(stream);
  // Not fetched yet (the filter just changed): what the stream has, at once.
  if (fetched === null) return stream === null ? null : fromStream(stream);
  if (stream === null || fetched.at >= stream.at) return fetched.dispatches.slice(0, limit);
  // The stream is fresher: its copies replace older ones, and a trip whose
  // outcome no longer matches leaves the list.
  const latest = new Map(stream.dispatches.map((d) => [d.trip_id, d]));
  const rows = fetched.dispatches.map((d) => latest.get(d.trip_id) ?? d);
  const known = new Set(fetched.dispatches.map((d) => d.trip_id));
  // New trips the stream saw first, if they belong in this page (a full page
  // ends at its oldest row; anything older is on no page we hold).
  const oldest = fetched.dispatches.at(-1);
  const full = fetched.dispatches.length >= limit;
  for (const d of stream.dispatches) {
    if (known.has(d.trip_id)) continue;
    if (full && oldest !== undefined && newestFirst(d, oldest) > 0) continue;
    rows.push(d);
  }
  return rows
    .filter((d) => matchesFilter(d, filter))
    .sort(newestFirst)
    .slice(0, limit);
}
