// Whether the map tiles load. Without a network every tile fails; after a
// screenful of failures and not one success the tile layer is switched off
// (no more doomed requests on every pan and zoom) until the user retries.
// Markers, routes and tracks never depend on it.

import { useCallback, useRef, useState } from 'react';

/** Failures, with no tile loaded at all, after which the layer goes off. */
export const TILE_FAILURES_BEFORE_OFF = 12;

export interface TileHealth {
  enabled: boolean;
  failed: boolean;
  onError: () => void;
  onLoad: () => void;
  retry: () => void;
}

export function useTileHealth(): TileHealth {
  const [enabled, setEnabled] = useState(true);
  const [failed, setFailed] = useState(false);
  const errors = useRef(0);
  const loads = useRef(0);

  const onError = useCallback(() => {
    errors.current += 1;
    setFailed(true);
    if (loads.current === 0 && errors.current >= TILE_FAILURES_BEFORE_OFF) setEnabled(false);
  }, []);

  const onLoad = useCallback(() => {
    loads.current += 1;
    setFailed(false);
  }, []);

  const retry = useCallback(() => {
    errors.current = 0;
    loads.current = 0;
    setFailed(false);
    setEnabled(true);
  }, []);

  return { enabled, failed, onError, onLoad, retry };
}
