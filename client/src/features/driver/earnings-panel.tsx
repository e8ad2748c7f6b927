// "Today's earnings": the fares of today's completed trips, re-read whenever
// the history is (every hello, every status change of the trip).

import { useEffect, useState } from 'react';
import { ApiError, errorText } from '../../lib/api.ts';
import { formatMoney } from '../../lib/money-format.ts';
import type { DriverApi } from './driver-api.ts';
import { startOfLocalDay, todaysEarnings, type Earnings } from './earnings.ts';

export interface EarningsPanelProps {
  api: DriverApi;
  reloadKey: string;
  onSessionEnd: (message: string) => void;
}

/** "€13.32" (or "€13.32 + $5.00"); "nothing yet" before the first fare of the day. */
export function earningsText(earnings: Earnings): string {
  if (earnings.totals.length === 0) return 'nothing yet';
  return earnings.totals.map((m) => formatMoney(m.amount, m.currency)).join(' + ');
}

export function EarningsPanel({ api, reloadKey, onSessionEnd }: EarningsPanelProps) {
  const [earnings, setEarnings] = useState<Earnings | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const now = Date.now();
    api.completedSince(startOfLocalDay(now)).then(
      (trips) => {
        if (!live) return;
        setEarnings(todaysEarnings(trips, Date.now()));
        setError(null);
      },
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.sessionEnded) onSessionEnd(e.message);
        setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [api, reloadKey, onSessionEnd]);

  return (
    <p className="earnings" aria-label="Today's earnings">
      <span className="muted">Today: </span>
      {earnings === null ? (
        <span>{error === null ? '…' : `could not load (${error})`}</span>
      ) : (
        <>
          <strong>{earningsText(earnings)}</strong>
          {earnings.trips > 0 && (
            <span className="muted">
              {' '}
              from {earnings.trips} trip{earnings.trips === 1 ? '' : 's'}
            </span>
          )}
        </>
      )}
    </p>
  );
}
