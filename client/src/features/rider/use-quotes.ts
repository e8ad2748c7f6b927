// The quotes for the places being chosen: fetched (all classes) once both
// points are set and have stood still a moment, re-fetched when they expire,
// on `refresh()` (e.g. after the server refused an expired quote), and never
// shown for places other than the ones on the form.

import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../../lib/api.ts';
import type { Position } from '../../lib/protocol.ts';
import type { Quote } from '../../lib/ride-protocol.ts';
import { placesKey, renewInMs } from './quote-choice.ts';
import type { RideApi } from './ride-api.ts';

/** Points that stand still this long are quoted (typing, dragging). */
const SETTLE_MS = 300;

export type QuotesStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface QuotesState {
  status: QuotesStatus;
  /** For the places on the form; empty unless `ready`. */
  quotes: Quote[];
  error: string | null;
  refresh: () => void;
}

interface Result {
  key: string;
  nonce: number;
  quotes: Quote[];
  error: string | null;
}

export function useQuotes(
  api: RideApi,
  pickup: Position | null,
  dropoff: Position | null,
  clockOffsetMs: number,
): QuotesState {
  const key = pickup !== null && dropoff !== null ? placesKey(pickup, dropoff) : null;
  const [nonce, setNonce] = useState(0);
  const [result, setResult] = useState<Result | null>(null);
  const places = useRef({ pickup, dropoff });
  places.current = { pickup, dropoff };

  useEffect(() => {
    if (key === null) return;
    let live = true;
    const timer = setTimeout(() => {
      const { pickup: p, dropoff: d } = places.current;
      if (p === null || d === null) return;
      api.quotes({ lat: p.lat, lng: p.lng }, { lat: d.lat, lng: d.lng }).then(
        (quotes) => live && setResult({ key, nonce, quotes, error: null }),
        (e: unknown) => live && setResult({ key, nonce, quotes: [], error: `Could not get prices: ${errorText(e)}` }),
      );
    }, SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, key, nonce]);

  const refresh = useCallback(() => setNonce((n) => n + 1), []);

  // Quotes live a few minutes: fetch new ones shortly before the first expires.
  const current = result !== null && result.key === key && result.nonce === nonce ? result : null;
  useEffect(() => {
    const inMs = current === null ? null : renewInMs(current.quotes, Date.now() + clockOffsetMs);
    if (inMs === null) return;
    const timer = setTimeout(refresh, inMs);
    return () => clearTimeout(timer);
  }, [current, clockOffsetMs, refresh]);

  if (key === null) return { status: 'idle', quotes: [], error: null, refresh };
  if (current === null) return { status: 'loading', quotes: [], error: null, refresh };
  if (current.error !== null) return { status: 'failed', quotes: [], error: current.error, refresh };
  return { status: 'ready', quotes: current.quotes, error: null, refresh };
}
