// The monitor's history and trip search reads (issue 15), on the app's
// authenticated `Api`, apart from `monitor-api.ts` so the two grow apart.

import type { Api } from '../../lib/api.ts';
import {
  parseHistoryResponse,
  parseTripSearchResponse,
  type HistoryRange,
  type HistoryResponse,
  type TripSearchResponse,
} from '../../lib/history-protocol.ts';

export type TripSort = 'newest' | 'oldest';

export interface HistoryApi {
  history(range: HistoryRange): Promise<HistoryResponse>;
  /** `path` from `searchPath`. */
  searchTrips(path: string): Promise<TripSearchResponse>;
}

export function historyApi(api: Api): HistoryApi {
  return {
    history: (range) => api.get(`/api/monitor/history?range=${encodeURIComponent(range)}`, parseHistoryResponse),
    searchTrips: (path) => api.get(path, parseTripSearchResponse),
  };
}

/** The search URL: empty parts are left out, so the server's defaults apply. */
export function searchPath(q: string, sort: TripSort, cursor: string | null, limit: number): string {
  const params = new URLSearchParams();
  if (q.trim() !== '') params.set('q', q.trim());
  if (sort !== 'newest') params.set('sort', sort);
  if (cursor !== null) params.set('cursor', cursor);
  params.set('limit', String(limit));
  return `/api/monitor/trips?${params.toString()}`;
}

/**
 * The pages seen so far as a stack of cursors: `[null]` is the first page;
 * `next` pushes the answer's `next_cursor`, `back` pops. A new query or sort
 * starts over.
 */
export function nextPages(pages: (string | null)[], nextCursor: string | null): (string | null)[] {
  return nextCursor === null ? pages : [...pages, nextCursor];
}

export function previousPages(pages: (string | null)[]): (string | null)[] {
  return pages.length > 1 ? pages.slice(0, -1) : pages;
}
