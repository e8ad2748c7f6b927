// The dispatch list as shown (stream or filtered read, see dispatch-filter.ts)
// and the open dispatch's detail, both re-read on every stream tick. A read
// failing because the session is over logs out; other failures are shown
// beside the (older) data.

import { useEffect, useRef } from 'react';
import { ApiError, errorText } from '../../lib/api.ts';
import type { Dispatch, DispatchDetail, SurgeResponse } from '../../lib/monitor-protocol.ts';
import { dispatchesPath, visibleDispatches, type OutcomeFilter } from './dispatch-filter.ts';
import { useLiveFetch } from './use-live-fetch.ts';
import type { Monitor } from './use-monitor.ts';

export interface Shown<T> {
  data: T;
  /** Why the latest read failed, if it did. */
  error: string | null;
}

export function useSessionCheck(error: unknown, onSessionEnd: (message: string) => void): string | null {
  const onEnd = useRef(onSessionEnd);
  onEnd.current = onSessionEnd;
  const ended = error instanceof ApiError && error.sessionEnded;
  useEffect(() => {
    if (ended) onEnd.current(`Your session has ended (${errorText(error)}). Log in again.`);
  }, [ended, error]);
  return error === null ? null : errorText(error);
}

export function useDispatchList(
  monitor: Pick<Monitor, 'api' | 'dispatches' | 'tick'>,
  filter: OutcomeFilter,
  limit: number,
  onSessionEnd: (message: string) => void,
): Shown<Dispatch[] | null> {
  const { api } = monitor;
  const read = useLiveFetch(dispatchesPath(filter, limit), (path) => api.dispatches(path), monitor.tick);
  const fetched = read.data === null ? null : { at: read.at, dispatches: read.data.dispatches };
  return {
    data: visibleDispatches(filter, limit, monitor.dispatches, fetched),
    error: useSessionCheck(read.error, onSessionEnd),
  };
}

/** `version`: bumped after an action on the trip, to read it again at once. */
export function useDispatchDetail(
  monitor: Pick<Monitor, 'api' | 'tick'>,
  tripId: string | null,
  onSessionEnd: (message: string) => void,
  version = 0,
): Shown<DispatchDetail | null> {
  const { api } = monitor;
  const read = useLiveFetch(tripId, (id) => api.dispatch(id), monitor.tick, version);
  return { data: read.data, error: useSessionCheck(read.error, onSessionEnd) };
}

/** The surge board, read again on every tick. */
export function useSurgeBoard(
  monitor: Pick<Monitor, 'api' | 'tick'>,
  onSessionEnd: (message: string) => void,
): Shown<SurgeResponse | null> {
  const { api } = monitor;
  const read = useLiveFetch('surge', () => api.surge(), monitor.tick);
  return { data: read.data, error: useSessionCheck(read.error, onSessionEnd) };
}
