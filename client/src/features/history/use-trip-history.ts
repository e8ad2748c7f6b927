// The caller's past trips (`GET /api/trips`, newest first, paged) and the
// track of the one selected (`GET /api/trips/{id}/track`).
//
// Re-fetched whenever `reloadKey` changes: the apps bump it on every `hello`
// (a reconnect may have missed anything) and when a trip changes status.

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText, type Api } from '../../lib/api.ts';
import type { Position, Trip } from '../../lib/protocol.ts';

export type TrackState =
  | { state: 'none' }
  | { state: 'loading'; tripId: string }
  | { state: 'ready'; tripId: string; points: Position[] }
  | { state: 'failed'; tripId: string; error: string };

export interface TripHistory {
  trips: Trip[];
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  selectedId: string | null;
  select: (tripId: string | null) => void;
  track: TrackState;
}

export const HISTORY_PAGE = 20;

export function useTripHistory(api: Api, reloadKey: string, onSessionEnd?: (message: string) => void): TripHistory {
  const [trips, setTrips] = useState<Trip[]>([]);
  const [nextBefore, setNextBefore] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [track, setTrack] = useState<TrackState>({ state: 'none' });
  const [manualReloads, setManualReloads] = useState(0);
  /** Only the newest request's answer counts. */
  const generation = useRef(0);
  const sessionEndRef = useRef(onSessionEnd);
  sessionEndRef.current = onSessionEnd;

  const fail = useCallback((e: unknown): string => {
    if (e instanceof ApiError && e.sessionEnded) sessionEndRef.current?.(e.message);
    return errorText(e);
  }, []);

  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    api.trips({ limit: HISTORY_PAGE }).then(
      (page) => {
        if (mine !== generation.current) return;
        setTrips(page.trips);
        setNextBefore(page.next_before);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(`Could not load your trips: ${fail(e)}`);
        setLoading(false);
      },
    );
  }, [api, reloadKey, manualReloads, fail]);

  const loadMore = useCallback(() => {
    if (nextBefore === undefined) return;
    const mine = ++generation.current;
    setLoading(true);
    api.trips({ limit: HISTORY_PAGE, before: nextBefore }).then(
      (page) => {
        if (mine !== generation.current) return;
        setTrips((list) => {
          const seen = new Set(list.map((t) => t.id));
          return [...list, ...page.trips.filter((t) => !seen.has(t.id))];
        });
        setNextBefore(page.next_before);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(`Could not load more trips: ${fail(e)}`);
        setLoading(false);
      },
    );
  }, [api, nextBefore, fail]);

  useEffect(() => {
    if (selectedId === null) {
      setTrack({ state: 'none' });
      return;
    }
    let live = true;
    setTrack({ state: 'loading', tripId: selectedId });
    api.track(selectedId).then(
      (body) => {
        if (live)
          setTrack({ state: 'ready', tripId: selectedId, points: body.points.map(({ lat, lng }) => ({ lat, lng })) });
      },
      (e: unknown) => {
        if (live) setTrack({ state: 'failed', tripId: selectedId, error: `Could not load the track: ${fail(e)}` });
      },
    );
    return () => {
      live = false;
    };
  }, [api, selectedId, fail]);

  const reload = useCallback(() => setManualReloads((n) => n + 1), []);

  return {
    trips,
    loading,
    error,
    hasMore: nextBefore !== undefined,
    loadMore,
    reload,
    selectedId,
    select: setSelectedId,
    track,
  };
}
