// The trip, user and node pages, read again on every stream tick and at
// once after an action on them (`version`), so a page never shows the state
// from before an operator's action until the next tick.

import { ApiError } from '../../lib/api.ts';
import type { NodePageResponse, TripDetailResponse, UserPageResponse } from '../../lib/page-protocol.ts';
import type { HistoryApi } from './history-api.ts';
import { useSessionCheck, type Shown } from './use-dispatches.ts';
import { useLiveFetch } from './use-live-fetch.ts';

export interface Page<T> extends Shown<T | null> {
  /** The server has no such page (404): a node that left, an unknown id. */
  gone: boolean;
}

function usePage<T>(
  id: string | null,
  load: (id: string) => Promise<T>,
  tick: number,
  version: number,
  onSessionEnd: (message: string) => void,
): Page<T> {
  const read = useLiveFetch(id, load, tick, version);
  const error = useSessionCheck(read.error, onSessionEnd);
  const gone = read.error instanceof ApiError && read.error.status === 404;
  // A node that left keeps its last page beside the notice.
  return { data: read.data, error, gone };
}

export interface PageReads {
  reads: Pick<HistoryApi, 'tripPage' | 'userPage' | 'nodePage'>;
  tick: number;
  onSessionEnd: (message: string) => void;
}

export function useTripPage({ reads, tick, onSessionEnd }: PageReads, id: string | null, version = 0) {
  return usePage<TripDetailResponse>(id, (t) => reads.tripPage(t), tick, version, onSessionEnd);
}

export function useUserPage({ reads, tick, onSessionEnd }: PageReads, id: string | null, version = 0) {
  return usePage<UserPageResponse>(id, (u) => reads.userPage(u), tick, version, onSessionEnd);
}

export function useNodePage({ reads, tick, onSessionEnd }: PageReads, id: string | null, version = 0) {
  return usePage<NodePageResponse>(id, (n) => reads.nodePage(n), tick, version, onSessionEnd);
}
