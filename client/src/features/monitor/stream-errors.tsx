// What went wrong with the live data, never swallowed: the stream refused
// for good, and the server's `error` events (a read that failed on its side)
// or data off the contract, each until its source arrives well again. And,
// while the stream is down, that the figures shown are not live.

import { clockTime } from './format.ts';
import type { StreamError } from './use-monitor.ts';

export interface StreamErrorsProps {
  fatal: string | null;
  errors: StreamError[];
}

export function StreamErrors({ fatal, errors }: StreamErrorsProps) {
  if (fatal === null && errors.length === 0) return null;
  return (
    <div role="alert" className="monitor__alert">
      {fatal !== null && <p className="error">{fatal}</p>}
      {errors.length > 0 && (
        <ul className="monitor__errors">
          {errors.map((e) => (
            <li key={e.source}>
              <strong>{e.source}</strong>: {e.message}{' '}
              <span className="muted">(since {clockTime(new Date(e.at).toISOString())})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** While the stream is down: the figures are the last ones, of `at` (the server's clock). */
export function StaleNotice({ at }: { at: string | null }) {
  return (
    <p role="status" className="monitor__stale">
      The live stream is down{at === null ? '.' : `: the figures are from ${clockTime(at)}.`} They update again once it
      reconnects.
    </p>
  );
}
