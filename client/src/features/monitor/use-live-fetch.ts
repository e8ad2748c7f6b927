// Reads something over HTTP again on every stream tick, one request at a
// time: a tick that comes while the last read is still out is skipped (the
// next tick reads again). A new `key` (another filter, another trip) reads at
// once, and an answer for an old key is thrown away. A failed read keeps the
// last good data and reports the error until a read succeeds. A new
// `version` (an action changed what is read) reads at once even while a read
// is out, and an answer to a read started before it is thrown away: it may
// hold the state from before the action.

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

export function useLiveFetch<T>(
  key: string | null,
  load: (key: string) => Promise<T>,
  tick: number,
  version = 0,
): LiveFetch<T> {
  const [held, setHeld] = useState<Held<T>>(EMPTY);
  const loadRef = useRef(load);
  loadRef.current = load;
  const keyRef = useRef(key);
  keyRef.current = key;
  /** The key whose read is out, if one is. */
  const inFlight = useRef<string | null>(null);
  /** Reads are numbered; `floor` is the first read after the latest new
   *  version, `applied` the newest read whose answer is shown. */
  const reads = useRef({ last: 0, floor: 0, applied: 0 });
  const seenVersion = useRef(version);

  useEffect(() => {
    const forced = seenVersion.current !== version;
    seenVersion.current = version;
    if (key === null || (inFlight.current === key && !forced)) return;
    inFlight.current = key;
    const n = ++reads.current.last;
    if (forced) reads.current.floor = n;
    // Not from before the latest version, not older than what is shown.
    const current = () => keyRef.current === key && n >= reads.current.floor && n > reads.current.applied;
    loadRef
      .current(key)
      .then(
        (data) => {
          if (!current()) return;
          reads.current.applied = n;
          setHeld({ key, data, at: Date.now(), error: null });
        },
        (error: unknown) => {
          if (!current()) return;
          setHeld((prev) => (prev.key === key ? { ...prev, error } : { key, data: null, at: 0, error }));
        },
      )
      .finally(() => {
        if (inFlight.current === key && reads.current.last === n) inFlight.current = null;
      });
  }, [key, tick, version]);

  if (key === null || held.key !== key) return EMPTY;
  return held;
}
