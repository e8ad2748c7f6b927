// The toast list: push, dismiss, and auto-dismiss after a few seconds.
//
// A toast with the same kind and text as one still shown is not stacked: the
// shown one is replaced and its time starts again (a burst of `rate_limited`
// errors reads as one toast, not twenty).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Notice } from '../../lib/trip-events.ts';

export interface Toast extends Notice {
  id: number;
}

export interface Toasts {
  toasts: Toast[];
  push: (notice: Notice) => void;
  dismiss: (id: number) => void;
}

/** How long a toast stays. */
export const TOAST_MS = 6_000;
/** Past this many, the oldest go first. */
export const MAX_TOASTS = 5;

export function useToasts(lifetimeMs = TOAST_MS): Toasts {
  const [toasts, setToasts] = useState<Toast[]>([]);
  // The list lives in a ref too, so push and dismiss stay free of side effects in updaters.
  const list = useRef<Toast[]>([]);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const nextId = useRef(1);

  const replace = useCallback((next: Toast[]) => {
    for (const t of list.current) {
      if (!next.includes(t)) {
        clearTimeout(timers.current.get(t.id));
        timers.current.delete(t.id);
      }
    }
    list.current = next;
    setToasts(next);
  }, []);

  const dismiss = useCallback((id: number) => replace(list.current.filter((t) => t.id !== id)), [replace]);

  const push = useCallback(
    (notice: Notice) => {
      const id = nextId.current++;
      const kept = list.current.filter((t) => !(t.kind === notice.kind && t.text === notice.text));
      replace([...kept, { kind: notice.kind, text: notice.text, id }].slice(-MAX_TOASTS));
      timers.current.set(
        id,
        setTimeout(() => dismiss(id), lifetimeMs),
      );
    },
    [dismiss, lifetimeMs, replace],
  );

  useEffect(() => {
    const map = timers.current;
    return () => {
      for (const timer of map.values()) clearTimeout(timer);
      map.clear();
    };
  }, []);

  return { toasts, push, dismiss };
}
