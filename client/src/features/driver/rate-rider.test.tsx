// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import { trip } from '../../test/trips.ts';
import type { DriverApi } from './driver-api.ts';
import { RateRider } from './rate-rider.tsx';

afterEach(cleanup);

function show(rate: DriverApi['rate']) {
  const api = { rate } as unknown as DriverApi;
  render(<RateRider trip={trip('completed')} api={api} onSessionEnd={() => {}} />);
  return screen.getByRole('region', { name: 'Rate the rider' });
}

describe('RateRider', () => {
  it('sends the stars and the comment once', async () => {
    const rate = vi.fn(async () => ({ trip_id: 't', by: 'driver' as const, stars: 4, at: '2026-11-22T10:05:00Z' }));
    const region = show(rate);
    fireEvent.click(within(region).getByLabelText('4 stars'));
    fireEvent.change(within(region).getByLabelText('Comment (optional)'), { target: { value: '  Lovely  ' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(within(region).getByRole('status').textContent).toBe('You rated Ann 4 stars. Thank you.'));
    expect(rate).toHaveBeenCalledWith(trip('completed').id, { stars: 4, comment: 'Lovely' });
    expect(within(region).queryByRole('button', { name: 'Send rating' })).toBeNull();
  });

  it('asks for stars first, and leaves an empty comment out', async () => {
    const rate = vi.fn(async () => ({ trip_id: 't', by: 'driver' as const, stars: 1, at: '2026-11-22T10:05:00Z' }));
    const region = show(rate);
    fireEvent.click(within(region).getByRole('button', { name: 'Send rating' }));
    expect(within(region).getByRole('alert').textContent).toBe('Choose 1 to 5 stars');
    expect(rate).not.toHaveBeenCalled();
    fireEvent.click(within(region).getByLabelText('1 star'));
    fireEvent.click(within(region).getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(rate).toHaveBeenCalledWith(trip('completed').id, { stars: 1 }));
  });

  it('reads a 409 as already rated, and shows other errors to retry', async () => {
    const rate = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'the store is down'))
      .mockRejectedValueOnce(new ApiError(409, 'conflict', 'already rated'));
    const region = show(rate);
    fireEvent.click(within(region).getByLabelText('5 stars'));
    fireEvent.click(within(region).getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(within(region).getByRole('alert').textContent).toBe('the store is down'));
    fireEvent.click(within(region).getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(within(region).getByRole('status').textContent).toBe('This trip is already rated.'));
  });
});
