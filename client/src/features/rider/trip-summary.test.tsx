// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import type { FareBreakdown, Receipt } from '../../lib/ride-protocol.ts';
import { FARE_1350, trip } from '../../test/trips.ts';
import type { RideApi } from './ride-api.ts';
import { RateDriver, TripSummary } from './trip-summary.tsx';

afterEach(cleanup);

const FARE: FareBreakdown = FARE_1350;

function receipt(overrides: Partial<Receipt> = {}): Receipt {
  const t = trip('completed');
  return {
    trip_id: t.id,
    status: 'completed',
    class: 'standard',
    rider: t.rider,
    driver: t.driver,
    pickup: t.pickup,
    dropoff: t.dropoff,
    requested_at: t.requested_at,
    completed_at: '2026-11-22T10:20:00Z',
    fare: FARE,
    ratings: [],
    ...overrides,
  };
}

function api(r: Receipt, rate: RideApi['rate'] = vi.fn()): RideApi {
  return { fares: vi.fn(), quotes: vi.fn(), receipt: vi.fn(async () => r), rate };
}

describe('RateDriver', () => {
  it('needs stars, then sends stars and comment once', async () => {
    const onRate = vi.fn(async () => {});
    render(<RateDriver driverName="Bo" already={null} checking={false} onRate={onRate} />);
    fireEvent.click(screen.getByRole('button', { name: 'Send rating' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose from 1 to 5 stars.');
    fireEvent.click(screen.getByRole('radio', { name: '4 stars' }));
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'smooth ride' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Thanks: you rated Bo 4 stars.'));
    expect(onRate).toHaveBeenCalledWith(4, 'smooth ride');
    expect(screen.queryByRole('button', { name: 'Send rating' })).toBeNull();
  });

  it('a 409 says "already rated"', async () => {
    const onRate = vi.fn(async () => {
      throw new ApiError(409, 'conflict', 'already rated');
    });
    render(<RateDriver driverName="Bo" already={null} checking={false} onRate={onRate} />);
    fireEvent.click(screen.getByRole('radio', { name: '1 star' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('already rated'));
  });

  it('another failure stays an error and the form stays', async () => {
    const onRate = vi.fn(async () => {
      throw new ApiError(0, 'network', 'Cannot reach the server');
    });
    render(<RateDriver driverName="Bo" already={null} checking={false} onRate={onRate} />);
    fireEvent.click(screen.getByRole('radio', { name: '5 stars' }));
    fireEvent.click(screen.getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Cannot reach the server'));
    expect(screen.getByRole('button', { name: 'Send rating' })).toBeTruthy();
  });
});

describe('TripSummary', () => {
  it('shows the final fare and, on demand, the receipt', async () => {
    render(<TripSummary trip={trip('completed', { fare: FARE })} api={api(receipt())} />);
    const summary = screen.getByRole('region', { name: 'Trip summary' });
    expect(within(summary).getByLabelText('Final fare').textContent).toContain('€13.50');
    fireEvent.click(within(summary).getByRole('button', { name: 'View receipt' }));
    const view = await screen.findByRole('region', { name: 'Receipt' });
    expect(view.textContent).toContain('Standard');
    expect(within(view).getByLabelText('Receipt fare').textContent).toContain('€13.50');
  });

  it('knows from the receipt that the rider rated already', async () => {
    const rated = receipt({ ratings: [{ trip_id: 'x', by: 'rider', stars: 5, at: '2026-11-22T10:21:00Z' }] });
    render(<TripSummary trip={trip('completed', { fare: FARE })} api={api(rated)} />);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('You rated Bo 5 stars.'));
  });
});
