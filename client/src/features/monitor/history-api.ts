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
import {
  parseNodePageResponse,
  parseTripDetailResponse,
  parseUserPageResponse,
  type NodePageResponse,
  type TripDetailResponse,
  type UserPageResponse,
} from '../../lib/page-protocol.ts';

export type TripSort = 'newest' | 'oldest' | 'fare' | 'updated';

/** The sorts the search offers, as the server names them, with their labels. */
export const TRIP_SORTS: readonly { sort: TripSort; label: string }[] = [
  { sort: 'newest', label: 'newest first' },
  { sort: 'oldest', label: 'oldest first' },
  { sort: 'fare', label: 'highest fare first' },
  { sort: 'updated', label: 'latest change first' },
];

export function parseSort(value: string): TripSort {
  return TRIP_SORTS.find((s) => s.sort === value)?.sort ?? 'newest';
}

export interface HistoryApi {
  history(range: HistoryRange): Promise<HistoryResponse>;
  /** `path` from `searchPath`. */
  searchTrips(path: string): Promise<TripSearchResponse>;
  /** A trip, user or node page by id (the hooks key their reads by id). */
  tripPage(tripId: string): Promise<TripDetailResponse>;
  userPage(userId: string): Promise<UserPageResponse>;
  nodePage(nodeId: string): Promise<NodePageResponse>;
}

export function historyApi(api: Api): HistoryApi {
  return {
    history: (range) => api.get(`/api/monitor/history?range=${encodeURIComponent(range)}`, parseHistoryResponse),
    searchTrips: (path) => api.get(path, parseTripSearchResponse),
    tripPage: (id) => api.get(`/api/monitor/trips/${encodeURIComponent(id)}`, parseTripDetailResponse),
    userPage: (id) => api.get(`/api/monitor/users/${encodeURIComponent(id)}`, parseUserPageResponse),
    nodePage: (id) => api.get(`/api/monitor/nodes/${encodeURIComponent(id)}`, parseNodePageResponse),
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
