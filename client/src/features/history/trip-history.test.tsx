// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FARE_1350, trip } from '../../test/trips.ts';
import { TripHistory, tripCharge } from './trip-history.tsx';
import type { TripHistory as History } from './use-trip-history.ts';

afterEach(cleanup);

const FARE = FARE_1350;

function history(trips: History['trips']): History {
  return {
    trips,
    loading: false,
    error: null,
    hasMore: false,
    selectedId: null,
    track: { state: 'none' },
    select: vi.fn(),
    reload: vi.fn(),
    loadMore: vi.fn(),
  };
}

describe('TripHistory', () => {
  it('shows the fare, and "Show track" only for trips that had a driver', () => {
    render(
      <TripHistory
        history={history([
          trip('completed', { id: 'a', fare: FARE }),
          trip('expired', { id: 'b' }),
          trip('cancelled', { id: 'c', cancel_fee: { amount: 300, currency: 'EUR' } }),
        ])}
        viewer="rider"
      />,
    );
    const [completed, expired, cancelled] = within(screen.getByRole('region', { name: 'Trip history' })).getAllByRole(
      'listitem',
    );
    expect(completed!.textContent).toContain('€13.50');
    expect(within(completed!).getByRole('button', { name: 'Show track' })).toBeTruthy();
    expect(within(expired!).queryByRole('button', { name: 'Show track' })).toBeNull();
    expect(cancelled!.textContent).toContain('Cancellation fee €3.00');
  });
});

describe('tripCharge', () => {
  it('is the fare, else the cancellation fee, else nothing', () => {
    expect(tripCharge(trip('completed', { fare: FARE }))).toBe('€13.50');
    expect(tripCharge(trip('cancelled', { cancel_fee: { amount: 300, currency: 'EUR' } }))).toBe(
      'Cancellation fee €3.00',
    );
    expect(tripCharge(trip('expired'))).toBeNull();
  });
});
