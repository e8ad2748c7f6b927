// Today's earnings: the fares of the trips the driver completed since local
// midnight, summed per currency (the fare table has one, but a sum must never
// add euros to dollars). Pure, so the tests give it trips and a clock.

import type { Trip } from '../../lib/protocol.ts';
import type { Money } from '../../lib/ride-protocol.ts';

export interface Earnings {
  /** One sum per currency, largest first; empty when nothing was earned today. */
  totals: Money[];
  /** Completed trips today (with or without a fare). */
  trips: number;
}

/** Local midnight of the day `nowMs` falls in. */
export function startOfLocalDay(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function todaysEarnings(trips: readonly Trip[], nowMs: number): Earnings {
  const from = startOfLocalDay(nowMs);
  const until = from + 36 * 3_600_000; // a generous "tomorrow" (DST days are 23-25 h)
  const sums = new Map<string, number>();
  const seen = new Set<string>();
  let count = 0;
  for (const trip of trips) {
    if (trip.status !== 'completed' || trip.completed_at === undefined || seen.has(trip.id)) continue;
    const at = Date.parse(trip.completed_at);
    if (!(at >= from && at < until && startOfLocalDay(at) === from)) continue;
    seen.add(trip.id);
    count += 1;
    if (trip.fare !== undefined) sums.set(trip.fare.currency, (sums.get(trip.fare.currency) ?? 0) + trip.fare.total);
  }
  const totals = [...sums].map(([currency, amount]) => ({ currency, amount })).sort((a, b) => b.amount - a.amount);
  return { totals, trips: count };
}
