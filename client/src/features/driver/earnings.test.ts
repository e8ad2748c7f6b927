import { describe, expect, it } from 'vitest';
import type { FareBreakdown } from '../../lib/ride-protocol.ts';
import { trip } from '../../test/trips.ts';
import { startOfLocalDay, todaysEarnings } from './earnings.ts';

function fare(total: number, currency = 'EUR'): FareBreakdown {
  return {
    currency,
    base: 250,
    distance: 0,
    time: 0,
    surge: 0,
    minimum_adjustment: 0,
    booking_fee: 100,
    total,
    distance_m: 1000,
    duration_s: 120,
    surge_bp: 10000,
  };
}

/** A local time today (the test's own time zone, as the driver's browser). */
function local(hours: number, minutes = 0, dayOffset = 0): number {
  const d = new Date(2026, 10, 22 + dayOffset, hours, minutes);
  return d.getTime();
}

const NOW = local(18, 30);

function completed(id: string, atMs: number, total?: number, currency?: string) {
  return trip('completed', {
    id,
    completed_at: new Date(atMs).toISOString(),
    ...(total === undefined ? {} : { fare: fare(total, currency) }),
  });
}

describe('todaysEarnings', () => {
  it('sums the fares of the trips completed since local midnight', () => {
    const trips = [
      completed('a', local(18, 0), 1332),
      completed('b', local(9, 15), 700),
      completed('c', local(0, 0), 1000),
      completed('d', local(23, 59, -1), 5000), // yesterday
      completed('e', local(0, 1, 1), 5000), // tomorrow (a clock that runs ahead)
    ];
    expect(todaysEarnings(trips, NOW)).toEqual({ totals: [{ currency: 'EUR', amount: 3032 }], trips: 3 });
  });

  it('ignores trips that did not complete, counts one without a fare, and never adds currencies', () => {
    const trips = [
      trip('cancelled', { id: 'x', cancelled_at: new Date(local(10)).toISOString() }),
      trip('in_progress', { id: 'y' }),
      completed('z', local(11), undefined),
      completed('u', local(12), 1999, 'USD'),
      completed('v', local(13), 800),
      completed('v', local(13), 800), // the same trip twice (two pages overlapping)
    ];
    expect(todaysEarnings(trips, NOW)).toEqual({
      totals: [
        { currency: 'USD', amount: 1999 },
        { currency: 'EUR', amount: 800 },
      ],
      trips: 3,
    });
  });

  it('is nothing on a day without trips', () => {
    expect(todaysEarnings([], NOW)).toEqual({ totals: [], trips: 0 });
    expect(startOfLocalDay(NOW)).toBe(local(0, 0));
  });
});
