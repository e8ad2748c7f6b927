// Reads something over HTTP again on every stream tick, one request at a
// time: a tick that comes while the last read is still out is skipped (the
// next tick reads again). A new `key` (another filter, another trip) reads at
// once, and an answer for an old key is thrown away. A failed read keeps the
// last good data and reports the error until a read succeeds.

import { useEffect, useRef, useState } from 'react';

export interface LiveFetch<T> {
  /** The latest answer for this key, `null` until the first one. */
  data: T | null;
  /** When `data` arrived (local ms). */
  at: number;
  error: unknown;
}

interface Held<T> extends LiveFetch<T> {
  key: string | null;
}

const EMPTY: Held<never> = { key: null, data: null, at: 0, error: null };

export function useLiveFetch<T>(key: string | null, load: (key: string) => Promise<T>, tick: number): LiveFetch<T> {
  const [held, setHeld] = useState<Held<T>>(EMPTY);
  const loadRef = useRef(load);
  loadRef.current = load;
  const keyRef = useRef(key);
  keyRef.current = key;
  /** The key whose read is out, if one is. */
  const inFlight = useRef<string | null>(null);

  useEffect(() => {
    if (key === null || inFlight.current === key) return;
    inFlight.current = key;
    loadRef
      .current(key)
      .then(
        (data) => {
          if (keyRef.current === key) setHeld({ key, data, at: Date.now(), error: null });
        },
        (error: unknown) => {
          if (keyRef.current !== key) return;
          setHeld((prev) => (prev.key === key ? { ...prev, error } : { key, data: null, at: 0, error }));
        },
      )
      .finally(() => {
        if (inFlight.current === key) inFlight.current = null;
      });
  }, [key, tick]);

  if (key === null || held.key !== key) return EMPTY;
  return held;
}
